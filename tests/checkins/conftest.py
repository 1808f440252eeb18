"""The real SMTP server of tests/mailserver.py, for the answers to emailed replies."""

from tests.mailserver import smtp_app, smtp_server  # noqa: F401
