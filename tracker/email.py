"""Building and sending mail.

`send` hands a message to the configured backend: `file` (the default,
`.eml` files in `instance/outbox/`) or `smtp`; a `Sender` hands over many,
over one SMTP connection. A failure says what is known
about the message (`MailError.outcome`):

- `temporary`: nothing was delivered and trying again later may work (a
  refused connection, a 4xx reply, a time-out or dropped connection before
  the end of the message);
- `permanent`: the server refused it (a 5xx reply); trying again will not help;
- `unknown`: the whole message, final "." included, reached the server and no
  answer came (a time-out or dropped connection after the end of DATA). The
  server may have delivered it, so it must never be resent automatically.

smtplib's `sendmail` hides which of these happened, so `Sender._send_smtp` drives
the conversation one command at a time and sorts a failure by its phase.
"""

import os
import re
import smtplib
import ssl
import tempfile
import time
from collections.abc import Callable
from email import headerregistry, policy
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

from flask import Config, current_app


class MailError(Exception):
    """Sending failed; `outcome` is "temporary", "permanent" or "unknown" (above)."""

    outcome = "temporary"

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class TemporaryMailError(MailError):
    outcome = "temporary"


class PermanentMailError(MailError):
    outcome = "permanent"


class UnknownOutcomeMailError(MailError):
    """The message was handed over in full and no answer came: it may have arrived."""

    outcome = "unknown"


Handover = Callable[[], None] | None


class _HeaderClasses(headerregistry.HeaderRegistry):
    """The standard header registry, making each header name's class once.

    The standard one builds a new class (`type(...)`) for every header set,
    the same class each time for a name: about a quarter of the time it takes
    to build a message and write it out. Only the first KEPT names are kept
    (this module sets a fixed few)."""

    KEPT = 64

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = super().__getitem__(name)
            if len(self._made) < self.KEPT:
                self._made[key] = made
        return made


# Lines up to RFC 5322's limit of 998 characters: with the default 78, a long
# header without spaces (List-Unsubscribe's URL) is RFC 2047-encoded to fit,
# and mail clients then see no link to offer one-click unsubscribe.
MAIL_POLICY = policy.default.clone(max_line_length=998, header_factory=_HeaderClasses())
SMTP_POLICY = policy.SMTP.clone(max_line_length=998, header_factory=_HeaderClasses())
# Every character that breaks a header line or has no business in one.
_NOT_IN_HEADERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_value(value: str) -> str:
    """`value` safe to put in a mail header: each run of line breaks and
    control characters becomes one space. The email package refuses a value
    with a line break, so a title typed with one (stored before titles were
    single-line) would otherwise stop every message about it."""
    return _NOT_IN_HEADERS.sub(" ", str(value)).strip()


def build_message(*, to: str, subject: str, text: str, html: str | None = None,
                  message_id: str | None = None, headers: dict[str, str] | None = None) -> EmailMessage:
    """A multipart/alternative message (plain text first, then HTML). Every
    header value passes through `header_value`."""
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = header_value(current_app.config["MAIL_DEFAULT_SENDER"])
    msg["To"] = header_value(to)
    msg["Subject"] = header_value(subject)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = header_value(message_id or make_msgid(domain="burning-platform.local"))
    for name, value in (headers or {}).items():
        msg[name] = header_value(value)
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def public_url(endpoint: str, **values) -> str:
    """An absolute link to `endpoint` at the configured PUBLIC_URL, for mail
    built outside any request (the scheduler, the CLI)."""
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)


def send(msg: EmailMessage, on_handover: Handover = None) -> None:
    """Deliver one message through the configured backend; MailError when it
    fails. To send many, use one `Sender` (one SMTP connection for all)."""
    with Sender() as sender:
        sender.send(msg, on_handover)


class Sender:
    """Sends messages one after another through the configured backend.

    Over SMTP they share one connection: opened at the first message, kept
    while messages succeed, closed after a failure and by `close` (or leaving
    the `with` block). A kept connection the server has dropped since the last
    message (closed, or "421" before the message) is opened again once for the
    next message: nothing of it was handed over, so nothing can arrive twice.
    """

    def __init__(self) -> None:
        self.backend = current_app.config.get("MAIL_BACKEND", "file")
        self._server: smtplib.SMTP | None = None

    def __enter__(self) -> "Sender":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(self, msg: EmailMessage, on_handover: Handover = None) -> None:
        """Deliver `msg`; MailError when it fails.

        `on_handover` is called at the last moment before the message itself
        is handed over (the SMTP server has accepted sender and recipients and
        is waiting for the message; the outbox file is written under a
        temporary name): a caller that records it knows that a crash before it
        delivered nothing. Raises TemporaryMailError, PermanentMailError or
        UnknownOutcomeMailError (see the module's docstring).
        """
        if self.backend == "smtp":
            if self._server is not None:
                try:
                    self._send_smtp(msg, on_handover, kept=True)
                    return
                except _Dropped:
                    pass  # closed by then: once more over a new connection
            self._send_smtp(msg, on_handover, kept=False)
        elif self.backend == "file":
            _send_file(msg, on_handover)
        else:
            raise PermanentMailError(f"unknown MAIL_BACKEND {self.backend!r}")

    def close(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            _quit_quietly(server)

    def _send_smtp(self, msg: EmailMessage, on_handover: Handover, *, kept: bool) -> None:
        config = current_app.config
        timeout = float(config.get("MAIL_TIMEOUT") or 10)
        sender = parseaddr(msg["From"])[1]
        recipients = [address for _, address in getaddresses(msg.get_all("To", []))]
        # Everything before "message_sent" is safe to try again: without the final
        # "." of DATA a server delivers nothing.
        phase = "connect"
        try:
            if self._server is None:
                self._server = _connect(config, timeout)
                phase = "hello"
                _hello(self._server, config)
            server = self._server
            phase = "envelope"
            code, reply = server.mail(sender)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, sender)
            for address in recipients:
                code, reply = server.rcpt(address)
                if code not in (250, 251):
                    raise smtplib.SMTPRecipientsRefused({address: (code, reply)})
            phase = "data"
            code, reply = server.docmd("DATA")
            if code != 354:
                raise smtplib.SMTPDataError(code, reply)
            if on_handover:
                on_handover()
            phase = "message"
            server.send(_data_block(msg))
            phase = "message_sent"
            code, reply = server.getreply()
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
        except BaseException as e:
            # A connection that failed is not used again.
            self.close()
            if kept and phase in ("envelope", "data") and _dropped(e):
                raise _Dropped from e
            _raise_mail_error(e, phase, timeout)


class _Dropped(Exception):
    """The kept connection was gone before anything of the message went over."""


def _connect(config: Config, timeout: float) -> smtplib.SMTP:
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    if config.get("MAIL_USE_SSL"):
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    return smtplib.SMTP(host, port, timeout=timeout)


def _hello(server: smtplib.SMTP, config: Config) -> None:
    server.ehlo_or_helo_if_needed()
    if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
        server.starttls(context=ssl.create_default_context())
        server.ehlo()
    if config.get("MAIL_USERNAME"):
        server.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")


def _dropped(error: BaseException) -> bool:
    """Whether `error` says the server closed the connection (not a time-out, not a refusal)."""
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    return isinstance(error, smtplib.SMTPServerDisconnected | ConnectionError) and not _timed_out(error)


def _raise_mail_error(error: BaseException, phase: str, timeout: float) -> NoReturn:
    """Raise the MailError that `error`, met in `phase`, means; anything else as it is."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code = min(c for c, _ in error.recipients.values())
        raise _by_code(code, f"recipient refused: {error.recipients}") from None
    if isinstance(error, smtplib.SMTPResponseException):
        # A reply, even after the message, is an answer: 4xx and 5xx mean not accepted.
        if phase == "message_sent" and not 400 <= error.smtp_code < 600:
            raise UnknownOutcomeMailError(f"unreadable answer after the whole message was sent: "
                                          f"{error.smtp_code} {error.smtp_error!r}") from None
        raise _by_code(error.smtp_code, f"{error.smtp_code} {error.smtp_error!r}") from None
    if isinstance(error, smtplib.SMTPException | OSError):
        what = f"timed out after {timeout:g}s" if _timed_out(error) else f"{type(error).__name__}: {error}"
        if phase == "message_sent":
            raise UnknownOutcomeMailError(
                f"no answer after the whole message was sent ({what}); "
                "it may have been delivered") from None
        raise TemporaryMailError(f"{what} ({phase})") from None
    raise error


def outbox_path() -> Path:
    configured = current_app.config.get("MAIL_OUTBOX")
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def _send_file(msg: EmailMessage, on_handover: Handover = None) -> None:
    outbox = outbox_path()
    outbox.mkdir(parents=True, exist_ok=True)
    # Names sort in the order the messages were written.
    stamp = time.strftime("%Y%m%dT%H%M%S") + f".{time.time_ns() % 10**9:09d}"
    # Written under a temporary name and renamed, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=outbox, prefix=".", suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(msg.as_bytes())
    if on_handover:
        on_handover()
    os.replace(tmp, outbox / f"{stamp}-{os.path.basename(tmp)[1:-4]}.eml")


def _data_block(msg: EmailMessage) -> bytes:
    """The message as DATA carries it: CRLF lines, leading dots doubled, "." at the end."""
    data = msg.as_bytes(policy=SMTP_POLICY)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _timed_out(error: BaseException) -> bool:
    # smtplib turns a time-out while waiting for a reply into SMTPServerDisconnected.
    return isinstance(error, TimeoutError) or "timed out" in str(error)


def _quit_quietly(server: smtplib.SMTP) -> None:
    """Say goodbye if the server still listens; the outcome is already decided."""
    try:
        server.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        server.close()


def _by_code(code: int, message: str) -> MailError:
    if 400 <= code < 500:
        return TemporaryMailError(message, code)
    return PermanentMailError(message, code)
