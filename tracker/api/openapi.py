"""The OpenAPI 3.1 document, generated from the views and their marshmallow
schemas by flask-smorest and apispec, and served at /api/v1/openapi.json.

flask-smorest's own error handler and its CDN-loaded UIs are left out: the
app answers errors itself (problem details under /api, pages elsewhere),
and the reference page renders the document with our own template.
"""

import http
from typing import Any

import marshmallow as ma
from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from tracker.api import problems
from tracker.ids import MAX_ID, IdConverter

SETTINGS = {
    "API_TITLE": "Burning Platform Tracker API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": (
            "Read initiatives, behaviours, metrics, check-ins, say/do records and people decisions; "
            "record readings (one or up to 1,000 at once), corrections, check-in submissions and "
            "initiatives. Authenticate with a personal access token from your account's tokens page: "
            "`Authorization: Bearer <token>`. A token never does more than its person may do in the "
            "web app. Writes accept an `Idempotency-Key` header. Errors are RFC 9457 problem details. "
            "Lists are paged by cursor. GETs send an ETag and answer If-None-Match with 304. Each "
            "token may make a limited number of requests per minute (429 with Retry-After beyond).")},
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {
            "type": "http", "scheme": "bearer",
            "description": "A personal access token (bpt_…), created on the account's tokens page."}}},
    },
}


class ProblemSchema(ma.Schema):
    type = ma.fields.String(required=True, metadata={"description": "What kind of problem"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "One {field, message} per problem; field is a JSON pointer into the body, "
                       "or a query parameter's or header's name, or null"})


class TrackerApi(Api):
    """flask-smorest's Api, documenting every error as application/problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """Errors are answered by tracker.errors (problem details under /api)."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problems.MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, problems.MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_api(app: Flask) -> TrackerApi:
    """Document and register the API blueprint on `app` (an Api per app: tests build many)."""
    from tracker.api import (
        bp,
        views,  # noqa: F401 (registers the operations)
    )

    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    api = TrackerApi(app)
    # Ids in paths: whole numbers from 1 to MAX_ID (anything else is a 404, as on the pages).
    api.register_converter(IdConverter,
                           lambda converter: {"type": "integer", "minimum": 1, "maximum": MAX_ID})
    api.register_blueprint(bp)
    app.extensions["tracker_api"] = api
    return api
