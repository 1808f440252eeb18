"""History events. Rows are only ever inserted: the ORM refuses updates and
deletes, and database triggers refuse them from any other client too."""

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from tracker.accounts.models import User
from tracker.db import UTCDateTime, utcnow
from tracker.extensions import Model


class HistoryEvent(Model):
    __tablename__ = "history_event"
    __table_args__ = (Index("ix_history_event_subject", "subject_type", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(300))
    # {"field": [old, new], ...} for updates; the full record for creations.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


class HistoryIsAppendOnly(Exception):
    """Something tried to change or remove a history event."""


@event.listens_for(HistoryEvent, "before_update")
def _refuse_update(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    raise HistoryIsAppendOnly("history events cannot be changed")


@event.listens_for(HistoryEvent, "before_delete")
def _refuse_delete(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    raise HistoryIsAppendOnly("history events cannot be deleted")


# The same guard in the database itself, for every client. The migration
# creates the same triggers; these cover schemas built with create_all.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER history_event_no_update BEFORE UPDATE ON history_event
       BEGIN SELECT RAISE(ABORT, 'history is append-only'); END""",
    """CREATE TRIGGER history_event_no_delete BEFORE DELETE ON history_event
       BEGIN SELECT RAISE(ABORT, 'history is append-only'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION history_event_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'history is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER history_event_no_change BEFORE UPDATE OR DELETE ON history_event
       FOR EACH ROW EXECUTE FUNCTION history_event_refuse()""",
]

for statement in SQLITE_TRIGGERS:
    event.listen(HistoryEvent.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in POSTGRES_TRIGGERS:
    event.listen(
        HistoryEvent.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql")
    )
