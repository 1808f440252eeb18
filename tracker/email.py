"""Building and sending mail.

`send` hands a message to the configured backend: `file` (the default,
`.eml` files in `instance/outbox/`) or `smtp`. SMTP failures are sorted into
temporary ones (4xx replies, refused connections, time-outs), worth trying
again later, and permanent ones (5xx replies), which are not.
"""

import os
import smtplib
import ssl
import tempfile
import time
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app


class MailError(Exception):
    """Sending failed. `temporary` says whether trying again later may work."""

    temporary = True

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class TemporaryMailError(MailError):
    temporary = True


class PermanentMailError(MailError):
    temporary = False


Handover = Callable[[], None] | None


def build_message(*, to: str, subject: str, text: str, html: str | None = None,
                  message_id: str | None = None, headers: dict[str, str] | None = None) -> EmailMessage:
    """A multipart/alternative message (plain text first, then HTML)."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id or make_msgid(domain="burning-platform.local")
    for name, value in (headers or {}).items():
        msg[name] = value
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
    """Deliver `msg` through the configured backend; MailError when it fails.

    `on_handover` is called at the last moment before the message itself is
    handed over (the SMTP server has accepted sender and recipients; the
    outbox file is written under a temporary name): a caller that records it
    knows that a crash before it delivered nothing.
    """
    backend = current_app.config.get("MAIL_BACKEND", "file")
    if backend == "smtp":
        _send_smtp(msg, on_handover)
    elif backend == "file":
        _send_file(msg, on_handover)
    else:
        raise PermanentMailError(f"unknown MAIL_BACKEND {backend!r}")


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


def _send_smtp(msg: EmailMessage, on_handover: Handover = None) -> None:
    config = current_app.config
    timeout = float(config.get("MAIL_TIMEOUT") or 10)
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    try:
        if config.get("MAIL_USE_SSL"):
            server = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        with server:
            if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
                server.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                server.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            sender = parseaddr(msg["From"])[1]
            recipients = [address for _, address in getaddresses(msg.get_all("To", []))]
            server.ehlo_or_helo_if_needed()
            code, reply = server.mail(sender)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, sender)
            for address in recipients:
                code, reply = server.rcpt(address)
                if code not in (250, 251):
                    raise smtplib.SMTPRecipientsRefused({address: (code, reply)})
            if on_handover:
                on_handover()
            # data() raises only when the server refuses to start; its final
            # answer, after the message, is ours to check.
            code, reply = server.data(msg.as_bytes(policy=policy.SMTP))
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
    except smtplib.SMTPRecipientsRefused as e:
        code = min(c for c, _ in e.recipients.values())
        raise _by_code(code, f"recipient refused: {e.recipients}") from None
    except smtplib.SMTPResponseException as e:
        raise _by_code(e.smtp_code, f"{e.smtp_code} {e.smtp_error!r}") from None
    except TimeoutError as e:
        raise TemporaryMailError(f"timed out after {timeout:g}s: {e}") from None
    except (smtplib.SMTPException, OSError) as e:
        raise TemporaryMailError(f"{type(e).__name__}: {e}") from None


def _by_code(code: int, message: str) -> MailError:
    if 400 <= code < 500:
        return TemporaryMailError(message, code)
    return PermanentMailError(message, code)
