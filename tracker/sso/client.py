"""The OpenID Connect protocol, done by Authlib, not by hand.

Authlib's Flask client sends the browser to the provider with `state`,
`nonce` and a PKCE challenge (S256), keeps them in the signed session until
the provider sends the browser back, then exchanges the code (with the PKCE
verifier) and checks the ID token: its signature against the provider's
published keys, the issuer, the audience (this client), its times with
OIDC_CLOCK_SKEW_SECONDS of leeway, and the nonce. This module turns each way
that can fail into a sentence (`SignInFailed`), and builds the provider's
sign-out address (RP-initiated logout) when its discovery document has one.

One client per app, made at first use (no network call in the factory); the
discovery document and the provider's keys are fetched once and kept.
"""

from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import current_app
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError
from werkzeug.wrappers import Response

from tracker.sso.settings import ProviderSettings, provider_settings

EXTENSION = "tracker.sso"
# Beyond this the ID token is left out of the sign-out address kept in the
# session cookie (browsers keep 4 KB per cookie); the client id says who asks.
LONGEST_ID_TOKEN_HINT = 1800


class SignInFailed(Exception):
    """The protocol failed; the message says what happened, fit to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def settings() -> ProviderSettings | None:
    """This app's provider settings, or None while single sign-on is off."""
    return provider_settings(current_app.config)


def _client(provider: ProviderSettings) -> FlaskOAuth2App:
    extensions = current_app.extensions
    if EXTENSION not in extensions:
        extensions[EXTENSION] = FlaskOAuth2App(
            FlaskIntegration("oidc"), "oidc",
            client_id=provider.client_id,
            client_secret=provider.client_secret or None,
            server_metadata_url=provider.discovery_url,
            client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256",
                           "default_timeout": provider.timeout_seconds},
        )
    return extensions[EXTENSION]


def _unreachable(provider: ProviderSettings) -> SignInFailed:
    return SignInFailed(f"{provider.provider_name} could not be reached, so nobody can sign in with it "
                        "right now. Try again in a few minutes; if it persists, tell your administrator.")


def _metadata(provider: ProviderSettings) -> dict[str, Any]:
    """The provider's discovery document: fetched once, and its issuer must be the configured one."""
    client = _client(provider)
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as e:
        current_app.logger.warning("single sign-on: discovery at %s failed: %s", provider.discovery_url, e)
        client.server_metadata.clear()
        raise _unreachable(provider) from None
    named = str(metadata.get("issuer", ""))
    if named.rstrip("/") != provider.issuer.rstrip("/"):
        client.server_metadata.clear()  # asked again next time, in case it is corrected
        current_app.logger.warning("single sign-on: %s names issuer %r, not %r", provider.discovery_url,
                                   named, provider.issuer)
        raise SignInFailed(f"{provider.provider_name} answered as another issuer "
                           f"({named[:200]!r}) than the one configured here, "
                           "so its sign-ins cannot be trusted. Tell your administrator (OIDC_ISSUER).")
    return metadata


def redirect_to_provider(provider: ProviderSettings, callback_url: str) -> Response:
    """Send the browser to the provider's sign-in page, remembering `state`,
    `nonce` and the PKCE verifier in the session. SignInFailed when the
    provider cannot be reached."""
    _metadata(provider)
    try:
        return _client(provider).authorize_redirect(callback_url)
    except (requests.RequestException, ValueError, KeyError) as e:
        current_app.logger.warning("single sign-on: could not start: %s", e)
        raise _unreachable(provider) from None


def claims_from_callback(provider: ProviderSettings) -> tuple[dict[str, Any], str]:
    """The checked ID token's claims and the token itself, from the request
    the provider sent the browser back with. SignInFailed, with the reason,
    for an unknown or reused `state`, a refusal or error from the provider,
    and an ID token that fails any check."""
    name = provider.provider_name
    claims_options = {"iss": {"essential": True, "values": [_metadata(provider)["issuer"]]},
                      "aud": {"essential": True, "values": [provider.client_id]}}
    try:
        token = _client(provider).authorize_access_token(claims_options=claims_options,
                                                         leeway=provider.clock_skew_seconds)
    except MismatchingStateError:
        raise SignInFailed("That sign-in link was already used, has expired or was not started in this "
                           f"browser. Sign in with {name} again.") from None
    except OAuthError as e:
        if e.error == "access_denied":
            raise SignInFailed(f"Sign-in was cancelled at {name}.") from None
        current_app.logger.warning("single sign-on: provider error %s: %s", e.error, e.description)
        raise SignInFailed(f"{name} refused the sign-in ({_plain(e.error)}: {_plain(e.description)}). "
                           f"Sign in with {name} again.") from None
    except ExpiredTokenError:
        raise SignInFailed(f"The sign-in from {name} had expired when it arrived here. Sign in again; if "
                           "it keeps happening, this server's clock or the provider's is wrong.") from None
    except ClaimError as e:
        current_app.logger.warning("single sign-on: ID token refused: %s", e)
        raise SignInFailed(_claim_problem(provider, e.claim)) from None
    except JoseError as e:
        current_app.logger.warning("single sign-on: ID token refused: %s", e)
        raise SignInFailed(f"The sign-in from {name} did not carry a valid signature from {name}, so it "
                           "was refused. Sign in again.") from None
    except (requests.RequestException, ValueError) as e:
        current_app.logger.warning("single sign-on: token exchange failed: %s", e)
        raise _unreachable(provider) from None
    userinfo = token.get("userinfo")
    if not userinfo or "id_token" not in token:
        raise SignInFailed(f"{name} sent no ID token, so it did not say who you are. "
                           "Tell your administrator (OIDC_SCOPES must include openid).")
    return dict(userinfo), str(token["id_token"])


def _claim_problem(provider: ProviderSettings, claim: str) -> str:
    name = provider.provider_name
    reasons = {
        "iss": f"came from another issuer than {name}",
        "aud": "was issued to another application, not this one",
        "azp": "was issued to another application, not this one",
        "nonce": "does not belong to the sign-in started in this browser",
        "iat": "was issued in the future: this server's clock or the provider's is wrong",
        "nbf": "is not valid yet: this server's clock or the provider's is wrong",
    }
    why = reasons.get(claim, f"has a missing or wrong {claim!r} claim")
    return f"The sign-in from {name} was refused: its ID token {why}. Sign in again."


def _plain(text: object) -> str:
    """Provider-sent text cut to a length fit for a message."""
    return str(text or "")[:200]


def sign_out_url(provider: ProviderSettings, id_token: str, return_to: str) -> str | None:
    """Where to send the browser at sign-out to end its session at the
    provider too (RP-initiated logout), back to `return_to` afterwards;
    None when the provider's discovery document has no end_session_endpoint."""
    client = _client(provider)
    if not client.server_metadata.get("end_session_endpoint"):
        return None
    hint = id_token if len(id_token) <= LONGEST_ID_TOKEN_HINT else None
    # Authlib adds a `state` for a return check this app does not need: the
    # browser comes back to the sign-in page, signed out either way.
    return str(client.create_logout_url(post_logout_redirect_uri=return_to, id_token_hint=hint,
                                        client_id=provider.client_id)["url"])
