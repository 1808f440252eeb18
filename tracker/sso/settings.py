"""The single sign-on settings (`OIDC_*` in tracker/config.py), read and
checked once: a mistake fails at start-up with the setting named, not at
someone's first sign-in."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracker.accounts.models import Role

ROLE_VALUES = tuple(role.value for role in Role)


@dataclass(frozen=True)
class ProviderSettings:
    """How this install talks to its OpenID Connect provider, and what a
    sign-in through it may do here."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    provider_name: str
    email_claim: str
    require_verified_email: bool
    role_claim: str
    # {claim value: role}, in the order the first match wins; empty: roles stay as set here.
    role_map: tuple[tuple[str, str], ...]
    provision: bool
    clock_skew_seconds: int
    timeout_seconds: float

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def provider_settings(config: Mapping[str, Any]) -> ProviderSettings | None:
    """The settings, or None while single sign-on is off (OIDC_ISSUER empty).
    Raises ValueError naming the setting that is wrong."""
    issuer = (config.get("OIDC_ISSUER") or "").strip()
    if not config.get("PASSWORD_SIGN_IN", True) and not issuer:
        raise ValueError("PASSWORD_SIGN_IN is false but OIDC_ISSUER is not set: "
                         "nobody but the break-glass admin could sign in")
    if not issuer:
        return None
    if not issuer.startswith(("https://", "http://")):
        raise ValueError(f"OIDC_ISSUER must be an https:// URL, not {issuer!r}")
    for name in ("OIDC_CLIENT_ID", "OIDC_EMAIL_CLAIM"):
        if not str(config.get(name) or "").strip():
            raise ValueError(f"{name} must be set when OIDC_ISSUER is")
    scopes = str(config.get("OIDC_SCOPES") or "")
    if "openid" not in scopes.split():
        raise ValueError(f"OIDC_SCOPES must include openid, not {scopes!r}")
    role_map = config.get("OIDC_ROLE_MAP") or {}
    if not isinstance(role_map, Mapping):
        raise ValueError(f"OIDC_ROLE_MAP must map claim values to roles, not {role_map!r}")
    for value, role in role_map.items():
        if role not in ROLE_VALUES:
            raise ValueError(f"OIDC_ROLE_MAP gives {value!r} the unknown role {role!r}; "
                             f"roles are {', '.join(ROLE_VALUES)}")
    numbers = {}
    for name in ("OIDC_CLOCK_SKEW_SECONDS", "OIDC_TIMEOUT"):
        number = config.get(name)
        if isinstance(number, bool) or not isinstance(number, int | float) or not 0 <= number <= 3600:
            raise ValueError(f"{name} must be a number of seconds from 0 to 3600, not {number!r}")
        numbers[name] = number
    return ProviderSettings(
        issuer=issuer,
        client_id=str(config["OIDC_CLIENT_ID"]).strip(),
        client_secret=str(config.get("OIDC_CLIENT_SECRET") or ""),
        scopes=scopes,
        provider_name=str(config.get("OIDC_PROVIDER_NAME") or "single sign-on"),
        email_claim=str(config["OIDC_EMAIL_CLAIM"]).strip(),
        require_verified_email=bool(config.get("OIDC_REQUIRE_VERIFIED_EMAIL", True)),
        role_claim=str(config.get("OIDC_ROLE_CLAIM") or "groups"),
        role_map=tuple((str(value), str(role)) for value, role in role_map.items()),
        provision=bool(config.get("OIDC_PROVISION")),
        clock_skew_seconds=int(numbers["OIDC_CLOCK_SKEW_SECONDS"]),
        timeout_seconds=float(numbers["OIDC_TIMEOUT"]) or 10.0,
    )
