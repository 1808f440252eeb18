"""Reading mail that came in (tracker/inbound_mail.py): whatever the bytes,
a reading and never an exception; HTML reduced to its text only."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.inbound_mail import html_to_text, parse, reply_text

PIECES = [b"From: ", b"To: ", b"Subject: ", b"Content-Type: ", b"Content-Transfer-Encoding: ",
          b"Content-Disposition: ", b"Return-Path: ", b"Auto-Submitted: ", b"Sender: ", b"Message-ID: ",
          b"\r\n", b"\n", b"--b\r\n", b"multipart/mixed; boundary=b", b"text/html; charset=x-unknown",
          b"base64", b"quoted-printable", b"=?utf-8?b?", b"?=", b"attachment; filename*=utf-8''%FF",
          b"<p>", b"</blockquote>", b"\xff\xfe", b"=\r\n", b"On x wrote:", b"> ", b"\x00", b"<>", b"@"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=20)), max_size=60))
def test_any_bytes_are_read_without_an_exception(parts):
    inbound = parse(b"".join(parts))
    assert "\x00" not in inbound.text and "\x00" not in inbound.subject


def test_html_keeps_only_the_text_a_reader_sees():
    html = ('<html><head><title>t</title><style>p{color:red}</style></head><body>'
            '<p onclick="x()">Moved the team &amp; closed the desk</p><script>alert(1)</script>'
            '<img src="https://tracker.example.com/pixel.gif"><blockquote>quoted</blockquote>'
            '<div>Second<br>line</div></body></html>')
    assert html_to_text(html) == "Moved the team & closed the desk\n\nSecond\nline"


def test_a_reply_with_nothing_typed_above_the_quote_is_empty():
    assert reply_text("On Wed, 4 Mar 2026 at 09:00, Tracker <t@example.com> wrote:\n> Check in\n") == ""
    assert reply_text("> only quoted\n> lines") == ""


def test_a_very_long_line_is_kept_whole_and_read_quickly():
    line = "On x " * 5000
    assert reply_text(line + "\n\nSent from my iPhone") == line.strip()
