"""A real HTTP receiver, and an app that may send to it (127.0.0.1)."""

import pytest

from tests.conftest import make_app
from tests.webhooks.receiver import TIMEOUT, receiver  # noqa: F401
from tracker.extensions import db


@pytest.fixture
def app(tmp_path, engine_name, request):
    app = make_app(tmp_path, engine_name, request, WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True,
                   WEBHOOK_TIMEOUT=TIMEOUT, PUBLIC_URL="https://tracker.example.com")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
