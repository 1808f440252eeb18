"""The sign-in rules without HTTP: settings checked at start-up, roles from
claims, and what a checked sign-in does to accounts (both engines)."""

import pytest

from tests import factories
from tracker.sso import services
from tracker.sso.settings import provider_settings

BASE = {"OIDC_ISSUER": "https://login.example.com", "OIDC_CLIENT_ID": "tracker",
        "OIDC_SCOPES": "openid email", "OIDC_EMAIL_CLAIM": "email",
        "OIDC_CLOCK_SKEW_SECONDS": 120, "OIDC_TIMEOUT": 10}


def _settings(**overrides):
    return provider_settings({**BASE, **overrides})


@pytest.mark.parametrize(("overrides", "message"), [
    ({"OIDC_CLIENT_ID": ""}, "OIDC_CLIENT_ID must be set"),
    ({"OIDC_ISSUER": "login.example.com"}, "OIDC_ISSUER must be an https:// URL"),
    ({"OIDC_SCOPES": "email profile"}, "OIDC_SCOPES must include openid"),
    ({"OIDC_ROLE_MAP": {"g": "boss"}}, "gives 'g' the unknown role 'boss'"),
    ({"OIDC_ROLE_MAP": ["admin"]}, "OIDC_ROLE_MAP must map claim values to roles"),
    ({"OIDC_CLOCK_SKEW_SECONDS": -5}, "OIDC_CLOCK_SKEW_SECONDS must be a number of seconds"),
    ({"OIDC_ISSUER": "", "PASSWORD_SIGN_IN": False}, "nobody but the break-glass admin could sign in"),
])
def test_a_wrong_setting_is_refused_at_start_up_by_name(overrides, message):
    with pytest.raises(ValueError, match=message):
        _settings(**overrides)


def test_single_sign_on_is_off_without_an_issuer():
    assert _settings(OIDC_ISSUER="") is None


def test_the_first_mapped_value_the_person_holds_decides_their_role():
    settings = _settings(OIDC_ROLE_MAP={"execs": "executive", "admins": "admin"})
    assert services.role_from_claims({"groups": ["admins", "execs"]}, settings) == "executive"
    assert services.role_from_claims({"groups": "admins"}, settings) == "admin"
    assert services.role_from_claims({"groups": ["staff"]}, settings) == "member"
    assert services.role_from_claims({"groups": [{"nested": "admins"}, 7]}, settings) == "member"
    assert services.role_from_claims({}, settings) == "member"
    assert services.role_from_claims({"groups": ["admins"]}, _settings()) is None


def test_a_missing_email_claim_is_named(ctx):
    missing = "did not tell us your email address \\(the 'upn' claim\\)"
    with pytest.raises(services.SignInRefused, match=missing):
        services.account_for_sign_in({"email": "a@example.com"}, _settings(OIDC_EMAIL_CLAIM="upn"),
                                     now=factories.NOW)


def test_a_provisioned_account_is_named_from_the_claims_and_cannot_sign_in_with_a_password(ctx):
    from tracker.accounts import services as accounts

    settings = _settings(OIDC_PROVISION=True)
    user = services.account_for_sign_in(
        {"email": "Nia@Example.com", "email_verified": "true", "name": "Nia\x00 Newcomer"}, settings,
        now=factories.NOW)
    assert (user.email, user.display_name) == ("nia@example.com", "nia")
    assert accounts.authenticate("nia@example.com", "", now=factories.NOW) is None


def test_a_role_change_ends_the_accounts_other_sessions(ctx):
    user = factories.make_user("executive", email="ada@example.com")
    token = user.session_token
    settings = _settings(OIDC_ROLE_MAP={"admins": "admin"})
    same = services.account_for_sign_in({"email": "ada@example.com", "email_verified": True, "groups": []},
                                        settings, now=factories.NOW)
    assert same is user and user.role == "member" and user.session_token != token
    token = user.session_token
    services.account_for_sign_in({"email": "ada@example.com", "email_verified": True}, settings,
                                 now=factories.NOW)
    assert user.session_token == token  # no change, no sessions ended
