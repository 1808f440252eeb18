"""Reading a message that came in: who sent it and to whom, whether a person
wrote it, and the new text of a reply without its quoted history, signature
or disclaimer. Pure: no database, no clock, no network.

The reply itself is cut out by `mail-parser-reply` (the maintained successor
of GitHub's email_reply_parser rules, with Outlook's "From:/Sent:" blocks,
Gmail's and Apple's "On … wrote:", "Sent from my iPhone", "Get Outlook for
iOS" and disclaimers). HTML is never rendered: when a message has no plain
text part, its HTML is reduced to text by the standard library's HTML
parser, keeping only character data and line breaks (`html_to_text`).
"""

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from mailparser_reply.parser import EmailMessage as ReplyText

# The reply parser reads only the top of a long message: a reply is a few
# lines typed on a phone, and its regular expressions need not see megabytes
# of quoted history.
REPLY_TEXT_LIMIT = 64 * 1024
# Its header patterns take time growing with the square of a line's length;
# longer lines are shown to it as a placeholder and put back afterwards.
PARSED_LINE_LIMIT = 1000

# Subjects of out-of-office and other automatic answers, as the common mail
# systems word them (Exchange, Gmail, Apple, Lotus), in a few languages.
_AUTOMATIC_SUBJECT = re.compile(
    r"^\s*(?:automatic reply|auto(?:matic)?[- ]?(?:reply|response)|out of (?:the )?office|"
    r"ooo\b|away from (?:the|my) office|on vacation|abwesenheitsnotiz|automatische antwort|"
    r"réponse automatique|absence|respuesta automática|undeliverable|undelivered mail|"
    r"delivery status notification|mail delivery failed|returned mail)",
    re.IGNORECASE,
)
_BOUNCE_SENDERS = re.compile(r"^(?:mailer-daemon|postmaster)@", re.IGNORECASE)
# Characters no entry may hold (the services refuse them), and spaces that are not spaces.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_ODD_SPACES = re.compile(r"[\t\xa0\u2000-\u200a\u202f\u205f\u3000]")


@dataclass(frozen=True)
class Inbound:
    """What the tracker needs to know about one message that came in."""

    message_id: str
    sender: str  # the From address, lower case; "" when there is none
    # The envelope sender (SMTP MAIL FROM, or Return-Path): "" for a bounce
    # (the null reverse path), None when the way in did not say.
    return_path: str | None
    recipients: tuple[str, ...]  # lower case; the envelope's when given, else To and Cc
    subject: str
    text: str  # the new text of the reply, cleaned; "" when there is none
    automatic: str | None  # why this is an automatic message (out-of-office, bounce…), or None
    spam: bool  # a spam filter before us marked it
    forged: bool  # the receiving mail server's DMARC check failed, or Sender names someone else
    attachments: tuple[str, ...]  # names of the attachments, none of which is kept
    size: int

    @property
    def bounce_to(self) -> str:
        """Where an answer explaining a refusal goes: the envelope sender, as
        for any bounce (RFC 5321), or From when the way in did not say."""
        return self.return_path if self.return_path is not None else self.sender


def parse(raw: bytes, *, envelope_from: str | None = None,
          envelope_to: Sequence[str] = ()) -> Inbound:
    """Read `raw` (the message as it arrived). Never raises for any bytes:
    a part that cannot be read counts as empty."""
    msg = message_from_bytes(raw, policy=policy.default)
    sender = _address(_header(msg, "From"))
    if envelope_from is None and msg.get("Return-Path") is not None:
        envelope_from = _header(msg, "Return-Path")
    return_path = None if envelope_from is None else _address(envelope_from)
    if envelope_to:
        recipients = tuple(a.strip().lower() for a in envelope_to if a.strip())
    else:
        fields = [_header(msg, name) for name in ("Delivered-To", "To", "Cc")]
        recipients = tuple(a.lower() for _, a in getaddresses(fields) if a)
    message_id = _header(msg, "Message-ID").strip()[:250]
    if not message_id:
        # Without one, the same bytes delivered twice are still the same message.
        message_id = "<sha256-" + hashlib.sha256(raw).hexdigest() + ">"
    text, attachments = _body(msg)
    sender_header = _address(_header(msg, "Sender"))
    return Inbound(
        message_id=message_id, sender=sender, return_path=return_path, recipients=recipients,
        subject=_header(msg, "Subject")[:300], text=reply_text(text),
        automatic=_automatic(msg, sender, return_path), spam=_spam(msg),
        forged=_dmarc_failed(msg) or bool(sender_header and sender_header != sender),
        attachments=tuple(attachments), size=len(raw),
    )


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
        return "" if value is None else _printable(str(value))
    except Exception:  # noqa: BLE001 - the email package raises all sorts on a malformed header
        return ""


def _address(value: str) -> str:
    return parseaddr(value)[1].strip().lower()


def _automatic(msg: Message, sender: str, return_path: str | None) -> str | None:
    """Why `msg` was sent by a machine rather than typed as a reply (RFC 3834
    and what mail systems do in practice), or None."""
    auto_submitted = _header(msg, "Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponse", "X-Auto-Reply"):
        if msg.get(name) is not None:
            return name
    precedence = _header(msg, "Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if return_path == "":
        return "empty return path (a bounce)"
    if msg.get_content_type() == "multipart/report":
        return "a delivery report"
    if _BOUNCE_SENDERS.match(sender):
        return "sent by a mail server"
    if _AUTOMATIC_SUBJECT.match(_header(msg, "Subject")):
        return "an automatic answer's subject"
    return None


def _spam(msg: Message) -> bool:
    return (_header(msg, "X-Spam-Flag").strip().lower() == "yes"
            or _header(msg, "X-Spam-Status").strip().lower().startswith("yes"))


def _dmarc_failed(msg: Message) -> bool:
    """The receiving mail server (the topmost Authentication-Results, which is
    the one it added) found DMARC failing: From names a domain that did not send it."""
    results = _header(msg, "Authentication-Results").lower()
    return bool(re.search(r"\bdmarc=fail\b", results))


def _body(msg: Message) -> tuple[str, list[str]]:
    """The message's text (its plain part, else its HTML reduced to text) and
    the names of its attachments."""
    plain = html = None
    attachments: list[str] = []
    for part in msg.walk():
        try:
            if part.is_multipart():
                continue
            filename = part.get_filename()
            disposition = part.get_content_disposition()
            content_type = part.get_content_type()
            if disposition == "attachment" or filename or not content_type.startswith("text/"):
                attachments.append(_printable(str(filename or content_type))[:200])
                continue
            if content_type == "text/plain" and plain is None:
                plain = _decoded(part)
            elif content_type == "text/html" and html is None:
                html = _decoded(part)
        except Exception:  # noqa: BLE001, S112 - a part the email package cannot read counts as empty
            continue
    if plain is not None and plain.strip():
        return plain, attachments
    return (html_to_text(html) if html else ""), attachments


def _decoded(part: Message) -> str:
    """The part's text in whichever charset it declares; undeclared 8-bit text
    is read as UTF-8, else as Windows-1252 (which every byte decodes in)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset()
    if charset:
        try:
            return payload.decode(charset, errors="replace")
        except LookupError:
            pass  # a charset Python does not know
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("cp1252", errors="replace")


def _printable(text: str) -> str:
    return _CONTROLS.sub("", _ODD_SPACES.sub(" ", text))


class _TextOnly(HTMLParser):
    """Character data and line breaks of an HTML body, nothing else: no tag,
    attribute, script, style or quoted message (blockquote) survives."""

    BLOCKS = frozenset(("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
                        "table", "ul", "ol", "pre", "section", "article", "header", "footer"))
    SKIPPED = frozenset(("script", "style", "head", "title", "blockquote", "template", "noscript"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """The text a reader sees in `html`, one block per line. Never renders or
    follows anything; never raises."""
    parser = _TextOnly()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was read
        pass
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def reply_text(text: str) -> str:
    """The new text at the top of a reply: quoted history (with the header
    that introduces it), signature and disclaimer cut off by mail-parser-reply,
    then any line still quoted with ">" dropped."""
    text = _printable(text.replace("\r\n", "\n").replace("\r", "\n"))[:REPLY_TEXT_LIMIT]
    if not text.strip():
        return ""
    long_lines: dict[str, str] = {}

    def hidden(line: str) -> str:
        if len(line) <= PARSED_LINE_LIMIT:
            return line
        placeholder = f"long line {len(long_lines)} {hashlib.sha256(line.encode()).hexdigest()[:16]}"
        long_lines[placeholder] = line
        return placeholder

    text = "\n".join(hidden(line) for line in text.split("\n"))
    # Lists written with hyphens ("- moved the team") are entries, not a signature.
    replies = ReplyText(text=text, languages=["en"], keep_hyphen_lists=True).read().replies
    if not replies or replies[0].headers:
        return ""  # nothing typed above the quoted message
    reply = replies[0]
    # Everything from the signature on goes (EmailReply.body would miss a
    # signature that has a disclaimer in it).
    body = reply.content
    if reply.signatures and (start := body.find(reply.signatures)) >= 0:
        body = body[:start]
    for disclaimer in reply.disclaimers:
        body = body.replace(disclaimer, "")
    lines = [long_lines.get(line.strip(), line).rstrip() for line in body.split("\n")]
    return "\n".join(line for line in lines if not line.lstrip().startswith(">")).strip()
