"""Helpers for the picker fields (tracker.forms.PickerField): the ways a
person may name an account, and what a picker input shows."""

from tests import factories
from tests.conftest import count_queries
from tests.form_errors import _page
from tracker.extensions import db


def ways_to_name(user) -> dict[str, str]:
    """Each kind of text a picker field takes for `user`, by what it is."""
    return {"number": str(user.id), "email in another case": user.email.upper(),
            "name and email": f"{user.display_name} <{user.email}>",
            "name": user.display_name.lower()}


WAYS = ("number", "email in another case", "name and email", "name")


def picker(response_or_html, field_id: str) -> dict[str, str]:
    """The picker input's attributes (its `value` is what it shows), after
    checking it is a text input with a datalist for its suggestions."""
    page = _page(response_or_html)
    attrs = page.attrs_by_id[field_id]
    assert attrs["tag"] == "input" and attrs["type"] == "text"
    assert page.attrs_by_id[attrs["list"]]["tag"] == "datalist"
    assert attrs["data-picker"]
    return attrs


def statements_and_sizes(app, client, urls) -> list[tuple[int, int]]:
    """(SQL statements, bytes) of each page in `urls`, each answered 200:
    measured before and after adding many people, a form with a picker
    shows the same page. Each page is opened once first: the first view
    after a write builds the long selects' kept options (tracker.options),
    one statement more, whatever the number of people."""
    found = []
    for url in urls:
        assert client.get(url).status_code == 200, url
        with count_queries(app) as n:
            response = client.get(url)
        assert response.status_code == 200, url
        found.append((n(), len(response.data)))
    return found


def add_many(app, *, initiatives: bool = True, n: int = 40) -> None:
    """`n` more people with long names (and, unless told not to, `n` more
    initiatives of one more owner), committed: what a picker form must not
    grow with."""
    with app.app_context():
        owner = factories.make_user("member") if initiatives else None
        for number in range(n):
            factories.make_user("member", name=f"Person {number} With A Long Name")
            if owner is not None:
                factories.make_initiative(f"Another initiative {number}", owner=owner)
        db.session.commit()
