import pytest

from tests import factories
from tracker.extensions import db


@pytest.fixture
def token_for(app):
    """`token_for(user_id, "read", "write")`: a new token's secret for that user."""
    from tracker.tokens import services as tokens

    def make(user_id, *scopes, days=30):
        from tracker.accounts.models import User

        with app.app_context():
            user = db.session.get(User, user_id)
            secret = tokens.create_token(user, name="Test feed", scopes=list(scopes or ["read"]), days=days,
                                         now=factories.NOW).secret
            db.session.commit()
            return secret

    return make


def bearer(secret: str, **headers) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **headers}
