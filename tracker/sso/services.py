"""Who someone signing in through the identity provider is here.

`account_for_sign_in` takes the ID token's claims after the library checked
the token (signature, issuer, audience, times, nonce: `tracker.sso.client`)
and applies this install's rules: whose account the email names, whether an
unknown person gets one, and which role the provider's groups give. Adds and
flushes; the caller commits once.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tracker.accounts import services as accounts
from tracker.accounts.models import Role, User
from tracker.history import services as history
from tracker.sso.settings import ProviderSettings
from tracker.validators import text_problem

SUBJECT = accounts.HISTORY_SUBJECT


class SignInRefused(Exception):
    """The provider vouched for someone this install will not let in; the
    message says why, fit to show them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def claim_values(claims: Mapping[str, Any], name: str) -> list[str]:
    """The text values a claim holds: one string, or a list of them; nothing else counts."""
    value = claims.get(name)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def role_from_claims(claims: Mapping[str, Any], settings: ProviderSettings) -> str | None:
    """The role the provider's claims give (the first value of OIDC_ROLE_MAP
    the person holds; the member role if none), or None when no map is set
    and roles are managed here only."""
    if not settings.role_map:
        return None
    held = set(claim_values(claims, settings.role_claim))
    for value, role in settings.role_map:
        if value in held:
            return role
    return Role.MEMBER.value


def _verified(claims: Mapping[str, Any]) -> bool:
    # Some providers send the JSON string "true" rather than the boolean.
    return claims.get("email_verified") in (True, "true")


def _display_name(claims: Mapping[str, Any], email: str) -> str:
    for name in ("name", "preferred_username"):
        value = claims.get(name)
        if isinstance(value, str) and value.strip() and not text_problem(
                value.strip(), "", single_line=True, max_length=accounts.MAX_DISPLAY_NAME):
            return value.strip()
    return email.partition("@")[0]


def account_for_sign_in(claims: Mapping[str, Any], settings: ProviderSettings, *, now: datetime) -> User:
    """The active account these checked claims sign in, created when
    provisioning is on, with its role brought in line with the provider's
    groups when a role map is set (recorded in history, and ending the
    account's other sessions as any role change does).

    Raises SignInRefused when the email is missing, malformed or not
    verified by the provider, when no account has it and provisioning is
    off, or when the account is deactivated: deactivation here wins over
    whatever the provider says."""
    provider = settings.provider_name
    emails = claim_values(claims, settings.email_claim)
    if not emails or not emails[0].strip():
        raise SignInRefused(
            f"{provider} did not tell us your email address (the {settings.email_claim!r} claim), "
            "so we cannot tell which account is yours. Ask your administrator to release it to this app.")
    try:
        email = accounts.normalise_email(emails[0])
    except accounts.AccountError:
        raise SignInRefused(f"{provider} gave an email address we cannot use: {emails[0][:254]!r}.") from None
    if settings.require_verified_email and not _verified(claims):
        raise SignInRefused(
            f"{provider} has not verified your email address {email}, so it cannot sign you in here. "
            f"Verify the address with {provider}, then sign in again.")
    role = role_from_claims(claims, settings)
    user = accounts.find_user_by_email(email)
    if user is None:
        if not settings.provision:
            raise SignInRefused(f"There is no account here for {email}. Ask an admin to add you.")
        return _provision(claims, settings, email=email, role=role or Role.MEMBER.value, now=now)
    if not user.active:
        raise SignInRefused("Your account here is deactivated. Ask an admin to reactivate it.")
    if role is not None and role != user.role:
        before = user.role
        accounts.assign_role(user, role)
        history.record(SUBJECT, user.id, "updated", f"Role set by the groups of {provider} at sign-in",
                       actor=None, now=now, changes={"role": [before, role]})
    return user


def _provision(claims: Mapping[str, Any], settings: ProviderSettings, *, email: str, role: str,
               now: datetime) -> User:
    # A random password nobody knows: the account signs in through the
    # provider, and an admin can still issue a one-time password for it.
    user = accounts.create_user(email=email, display_name=_display_name(claims, email), role=role,
                                password=accounts.generate_unusable_password())
    history.record(SUBJECT, user.id, "created",
                   f"Account created at the first sign-in with {settings.provider_name}", actor=None,
                   now=now, changes=history.snapshot(user, ("email", "display_name", "role")))
    return user
