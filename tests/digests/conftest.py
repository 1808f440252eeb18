"""The real SMTP server of tests/mailserver.py, for the digest tests."""

from tests.mailserver import closed_port, smtp_app, smtp_server  # noqa: F401
