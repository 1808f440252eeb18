"""The real SMTP server of tests/mailserver.py, for the outbox tests."""

from tests.mailserver import closed_port, smtp_app, smtp_server  # noqa: F401
