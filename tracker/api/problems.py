"""RFC 9457 problem details: every refusal of the API, as application/problem+json.

Each problem has a `type` (a URI naming the kind of problem, resolvable to
the reference page), a `title`, the HTTP `status`, a `detail` in plain words
and, when fields are to blame, `errors`: one `{field, message}` per problem,
`field` being a JSON pointer into the request body or the name of a query
parameter or header (`/readings/3/value`, `cursor`, `Idempotency-Key`).
"""

import json
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Response
from werkzeug.exceptions import HTTPException

from tracker.validation import FieldError

MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request", 401: "Not authenticated", 403: "Not allowed", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 413: "Too large", 415: "Unsupported media type",
    422: "Invalid input", 429: "Too many requests", 500: "Server error", 503: "Unavailable",
}


class Problem(Exception):
    """Raised by an API view to answer with a problem."""

    def __init__(self, status: int, detail: str, *, errors: list[dict[str, Any]] | None = None,
                 headers: Mapping[str, str] | None = None, kind: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors or []
        self.headers = dict(headers or {})
        self.kind = kind


def response(status: int, detail: str, *, errors: list[dict[str, Any]] | None = None,
             headers: Mapping[str, str] | None = None, kind: str | None = None) -> Response:
    body: dict[str, Any] = {
        "type": f"/api/v1/reference#problem-{kind or status}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    answer = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    answer.headers.update(headers or {})
    return answer


def of(problem: Problem) -> Response:
    return response(problem.status, problem.detail, errors=problem.errors, headers=problem.headers,
                    kind=problem.kind)


def pointer(field: str | None) -> str | None:
    """A service's field name as a JSON pointer: 'entries-2-evidence' -> '/entries/2/evidence'."""
    if not field:
        return None
    return "/" + field.replace("-", "/")


def field_errors(error: FieldError) -> list[dict[str, Any]]:
    return [{"field": pointer(problem.field), "message": problem.message} for problem in error.errors]


def refused(error: FieldError, status: int = 422) -> Problem:
    """A service's refusal: every problem it found, each naming its field. A
    refusal that names no field at all is about permission or state (409 for
    state, e.g. already submitted, is the caller's to choose)."""
    return Problem(status, error.message, errors=field_errors(error))


def _flatten(messages: Any, path: str) -> Iterable[dict[str, Any]]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            yield from _flatten(value, f"{path}/{key}")
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield {"field": path or None, "message": message}
    elif isinstance(messages, list | tuple):
        for value in messages:
            yield from _flatten(value, path)
    else:
        yield {"field": path or None, "message": str(messages)}


def from_http_exception(error: HTTPException) -> Response:
    """An HTTP error raised anywhere under /api (a 404 from the URL map, the
    422 of a request that does not fit the schema) as a problem."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    errors: list[dict[str, Any]] = []
    if messages:
        # webargs: {"json": {"readings": {"3": {"value": ["Not a valid number."]}}}, "query": {...}}
        for location, fields in messages.items():
            if location in ("json", "form"):
                errors += _flatten(fields, "")
            else:
                for name, texts in fields.items():
                    errors += [{"field": name, "message": text} for text in _flatten_texts(texts)]
    detail = {
        401: "Send a valid token: Authorization: Bearer <token>.",
        404: "There is nothing here.",
        405: "That method is not available here.",
        413: "The request body is larger than this API accepts.",
        422: "Some values are missing or not of the right kind; see errors.",
    }.get(status, error.description or TITLES.get(status, "Error"))
    headers = {"Allow": error.response.headers["Allow"]} if error.response is not None and \
        "Allow" in error.response.headers else {}
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return response(status, detail, errors=errors or None, headers=headers)


def _flatten_texts(texts: Any) -> list[str]:
    if isinstance(texts, str):
        return [texts]
    if isinstance(texts, Mapping):
        return [t for value in texts.values() for t in _flatten_texts(value)]
    return [t for value in texts for t in _flatten_texts(value)]
