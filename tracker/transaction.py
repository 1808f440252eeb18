"""Where a request's unit of work ends: committed once, or thrown away.

Services add and flush; views call `commit()` once after the last service call
succeeded, or `rollback()` when a service refused, so that nothing a refused
call flushed leaks into the page rendered next. Views reach the session only
through here, which keeps "one commit per request" a property of one module
rather than a habit repeated in every view.
"""

from tracker.extensions import db


def commit() -> None:
    """Commit everything the request's services flushed."""
    db.session.commit()


def rollback() -> None:
    """Throw away everything flushed since the last commit and expire loaded objects,
    so a page rendered afterwards shows what is stored."""
    db.session.rollback()
