"""One row per message to send, whatever sends it and however often it is tried."""

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import UTCDateTime, utcnow
from tracker.extensions import Model

# queued          -> waiting for its first try, or for the next after a temporary failure
#                    (next_attempt_at)
# sending         -> claimed by one run; handed_over_at is set once the mail server
#                    is ready for the message itself. A run that dies leaves it here:
#                    after the lease it is queued again if nothing was handed over,
#                    and unknown_outcome if it was.
# sent            -> the mail server accepted it (or the file backend wrote it); a
#                    webhook's endpoint answered 2xx
# unknown_outcome -> the whole message reached the server and no answer came: it may
#                    have been delivered, so it is never resent automatically
# failed          -> refused (5xx mail, 410 webhook), or still failing after
#                    MAX_ATTEMPTS tries, or cancelled
STATES = ("queued", "sending", "sent", "unknown_outcome", "failed")


class OutboxMessage(Model):
    __tablename__ = "outbox_message"
    # The second: the outbox page lists the newest first, 50 at a time, from the index.
    __table_args__ = (Index("ix_outbox_message_state_next_attempt_at", "state", "next_attempt_at"),
                      Index("ix_outbox_message_created_at_id", "created_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # services.KINDS
    # What makes a message the same message: "reminder:<check-in>:<due|overdue>",
    # "digest:<user>:<ISO week>". A second enqueue with the same key is a no-op.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    # A mail address; for a webhook, the endpoint's URL when it was queued.
    recipient: Mapped[str] = mapped_column(String(254))
    # A webhook's endpoint (`webhooks.models.WebhookEndpoint`); None for mail.
    # No foreign key: the outbox sits below the domains that send through it.
    endpoint_id: Mapped[int | None] = mapped_column(index=True)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200), default="")
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def digest_of(self) -> tuple[int, str] | None:
        """(person's id, ISO week) of a digest's key "digest:<user>:<week>"; None otherwise."""
        parts = self.dedupe_key.split(":")
        if self.kind != "digest" or len(parts) != 3 or not parts[1].isdigit():
            return None
        return int(parts[1]), parts[2]
