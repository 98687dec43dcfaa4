"""Security headers on every response the app sends: pages, the API, static files and errors.

The Content-Security-Policy is strict because nothing needs more: every script and stylesheet
is a static file of this app (no inline ``<script>``, no ``style`` attribute, no ``<style>``
block), charts read their figures from a ``<script type="application/json">`` data block, and
nothing is loaded from another host. ``img-src`` also allows ``data:`` because plotly.js draws a
heat map on a canvas and shows it as a ``data:`` image; a ``data:`` image cannot run code.
``frame-ancestors 'none'`` (with ``X-Frame-Options`` for older browsers) keeps the pages out of
other sites' frames, against clickjacking.

HSTS is sent in production only: demo and test run on plain http on one's own machine, where a
year-long HSTS entry for ``localhost`` would break every other local http service.
"""

from __future__ import annotations

from flask import Flask, Response

from server.settings import Mode, Settings

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
))
HSTS = "max-age=31536000; includeSubDomains"
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def security_headers(production: bool) -> dict[str, str]:
    """The headers every response gets, for the given mode."""
    return {**HEADERS, "Strict-Transport-Security": HSTS} if production else dict(HEADERS)


def init_app(app: Flask, settings: Settings) -> None:
    headers = security_headers(settings.mode is Mode.PRODUCTION)

    # after_request runs for error handlers' responses (404, 413, 429, 500) and static files
    # too; a view's own value for one of these headers is replaced, so none can weaken them.
    @app.after_request
    def _set_security_headers(response: Response) -> Response:
        response.headers.update(headers)
        return response
