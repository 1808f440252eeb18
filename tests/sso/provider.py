"""A real OpenID Connect provider for the tests: oidc-provider-mock (Authlib's
authorization server, with discovery, JWKS, signed RS256 ID tokens, PKCE-less
code flow and RP-initiated logout) served over HTTP on 127.0.0.1 by a werkzeug
server thread on a free port.

A thin WSGI layer in front of it records what the app asked (so a test can
check the PKCE verifier against the challenge, and the nonce) and, when a test
says so, misbehaves as an attacker or a broken provider would: a tampered ID
token, one issued to another client or by another issuer, or for another
nonce. Everything else is the provider's own doing.
"""

import base64
import hashlib
import io
import json
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlencode

import oidc_provider_mock
import requests
from werkzeug.serving import make_server

TAMPERED_ID_TOKEN = "tampered_id_token"
WRONG_AUDIENCE = "wrong_audience"
WRONG_ISSUER = "wrong_issuer"
OTHER_NONCE = "other_nonce"
DISCOVERY_OTHER_ISSUER = "discovery_other_issuer"
ANOTHER_CLIENT = "another-app"


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def id_token_claims(id_token: str) -> dict:
    """The payload of an ID token, unchecked (for the tests' own eyes)."""
    return json.loads(_b64decode(id_token.split(".")[1]))


def s256(verifier: str) -> str:
    return _b64encode(hashlib.sha256(verifier.encode()).digest())


class Provider:
    """The provider and what it was asked. `url` is its issuer."""

    def __init__(self, *, token_max_age: timedelta = timedelta(hours=1)):
        self.app = oidc_provider_mock.app(require_nonce=True, access_token_max_age=token_max_age)
        self.misbehave: str | None = None
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.end_session_requests: list[dict[str, str]] = []
        self._server = make_server("127.0.0.1", 0, self, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "Provider":
        self._thread.start()
        return self

    def stop(self) -> None:
        """Take the provider down: from now on connections are refused."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    # --- what a person and an administrator do at the provider -----------------------------

    def set_user(self, sub: str, **claims) -> None:
        """Create or replace the person `sub` with these claims (email, groups...)."""
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        assert response.status_code == 204, response.text

    def authorize(self, authorize_url: str, sub: str) -> str:
        """The person signs in at the provider's page as `sub`; returns the URL
        the provider sends their browser back to (the app's callback)."""
        page = requests.get(authorize_url, timeout=10)
        assert page.status_code == 200, page.text
        response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    # --- the WSGI layer in front of the provider ---------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/oauth2/authorize":
            return self._authorize(environ, start_response)
        if path == "/oauth2/token":
            return self._token(environ, start_response)
        if path == "/.well-known/openid-configuration" and self.misbehave == DISCOVERY_OTHER_ISSUER:
            return self._rewritten_json(environ, start_response, lambda document: document.update(
                issuer="https://impostor.example"))
        if path == "/oauth2/end_session":
            self.end_session_requests.append(
                {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()})
        return self.app(environ, start_response)

    def _authorize(self, environ, start_response):
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if environ["REQUEST_METHOD"] == "GET":
            self.authorize_requests.append(dict(query))
        if self.misbehave == WRONG_AUDIENCE:
            query["client_id"] = ANOTHER_CLIENT
        if self.misbehave == OTHER_NONCE:
            query["nonce"] = "a-nonce-the-app-never-sent"
        environ["QUERY_STRING"] = urlencode(query)
        return self.app(environ, start_response)

    def _token(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        self.token_requests.append(dict(form))
        if self.misbehave == WRONG_AUDIENCE:
            # The client authenticates as the other client the code was issued to.
            environ["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(
                f"{ANOTHER_CLIENT}:its-secret".encode()).decode()
            form.pop("client_id", None)
            body = urlencode(form).encode()
        if self.misbehave == WRONG_ISSUER:
            # The provider names itself by the Host it is asked at.
            environ["HTTP_HOST"] = f"localhost:{self.port}"
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        if self.misbehave != TAMPERED_ID_TOKEN:
            return self.app(environ, start_response)
        return self._rewritten_json(environ, start_response, _name_the_admin)

    def _rewritten_json(self, environ, start_response, change):
        """The provider's JSON answer, changed in place by `change`."""
        answer = {}

        def keep(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)

        document = json.loads(b"".join(self.app(environ, keep)))
        change(document)
        raw = json.dumps(document).encode()
        headers = [(k, v) for k, v in answer["headers"] if k.lower() != "content-length"]
        start_response(answer["status"], [*headers, ("Content-Length", str(len(raw)))])
        return [raw]


def _name_the_admin(token: dict) -> None:
    """Change the signed ID token's payload to name the admin, keeping its signature."""
    header, payload, signature = token["id_token"].split(".")
    claims = json.loads(_b64decode(payload))
    claims["email"] = "admin@example.com"
    token["id_token"] = ".".join((header, _b64encode(json.dumps(claims).encode()), signature))

