"""Target behaviours: what the company wants people to do, or stop doing."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import UTCDateTime, utcnow
from tracker.extensions import Model

BEHAVIOUR_KINDS = {"target": "Target behaviour", "no_no": "No-no"}


class Behaviour(Model):
    __tablename__ = "behaviour"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Moved on by every save of its edit form (tracker/concurrency.py): a form
    # opened at an older version is refused instead of undoing a newer save.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default="target")
    # The old behaviour it replaces, and the behaviour wanted instead.
    from_behaviour: Mapped[str] = mapped_column(Text, default="")
    to_behaviour: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kind_label(self) -> str:
        return BEHAVIOUR_KINDS.get(self.kind, self.kind)

    @property
    def is_no_no(self) -> bool:
        return self.kind == "no_no"
