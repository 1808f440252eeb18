"""The JSON API under /api/v1, for the systems that hold the numbers.

Token-authenticated (`Authorization: Bearer <token>`, see `tracker.tokens`),
never by the session cookie, so it needs no CSRF token. Every operation
calls the same policy and services as the pages and the CSV import; this
package only turns JSON into their arguments and their answers and refusals
into JSON (errors as RFC 9457 problem details). The OpenAPI 3.1 document is
generated from the code by flask-smorest and apispec (`openapi.py`).
"""

from flask import Blueprint as FlaskBlueprint
from flask_smorest import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1",
               description="Initiatives, behaviours, metrics and readings, check-ins, say/do records "
                           "and people decisions.")
# The human-readable reference, rendered from the OpenAPI document by our own template.
docs = FlaskBlueprint("api_docs", __name__, url_prefix="/api/v1")
