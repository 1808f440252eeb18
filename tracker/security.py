"""Response headers that every page carries, set in one place.

The Content-Security-Policy allows scripts, styles, images and fonts from
this site only: no inline script, no inline style, nothing from elsewhere.
Pages style themselves through `static/css/app.css` (charts use SVG
presentation attributes and classes, never `style`), so a script or style
injected into a page would not run.

One kind of document is different: a digest email shown in the browser.
Mail clients ignore stylesheets, so the mail carries inline styles; the
preview page shows it in a sandboxed frame whose document may apply inline
style and nothing else (`MAIL_DOCUMENT_POLICY`). Views mark such a response
with `as_mail_document`.
"""

from flask import Flask, Response, request

PAGE_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

# No script at all, inline style only, shown only inside this site's pages.
MAIL_DOCUMENT_POLICY = "; ".join((
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
    "sandbox allow-top-navigation-by-user-activation",
))

_MAIL_DOCUMENT = "X-Tracker-Mail-Document"


def as_mail_document(response: Response) -> Response:
    """Serve `response` (a rendered email) under `MAIL_DOCUMENT_POLICY`, to be framed by our pages."""
    response.headers[_MAIL_DOCUMENT] = "1"
    return response


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        if headers.pop(_MAIL_DOCUMENT, None):
            headers["Content-Security-Policy"] = MAIL_DOCUMENT_POLICY
            headers["X-Frame-Options"] = "SAMEORIGIN"
        else:
            headers["Content-Security-Policy"] = PAGE_POLICY
            headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        hsts_seconds = int(app.config.get("HSTS_SECONDS") or 0)
        if hsts_seconds > 0:
            headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}"
        # Every page but the stylesheet, script and icon is about someone:
        # no browser or proxy keeps a copy (the back button after sign-out
        # shows nothing, a shared cache serves nobody else's page).
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
        return response
