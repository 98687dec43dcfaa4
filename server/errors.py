"""Every error rendered in one place: JSON for the API, a Dutch HTML page for people."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from registry.db import DatabaseFault, database_fault
from registry.errors import ServiceUnavailable, SignalRegistryError

log = logging.getLogger("signal_registry")

HTTP_MESSAGES = {
    400: "Het verzoek kon niet worden gelezen.",
    401: "Log in om verder te gaan.",
    403: "U heeft geen toegang tot deze pagina.",
    404: "Deze pagina bestaat niet.",
    405: "Deze methode is hier niet toegestaan.",
    413: "Het verzoek of bestand is te groot.",
    415: "Dit inhoudstype wordt niet ondersteund; gebruik application/json.",
    429: "Te veel verzoeken; probeer het later opnieuw.",
    503: "De dienst is tijdelijk niet beschikbaar; probeer het zo opnieuw.",
}
# What a database outage means for the user; in each case the unit of work was rolled back.
DATABASE_MESSAGES = {
    DatabaseFault.UNAVAILABLE: "De database is tijdelijk niet bereikbaar. Er is niets opgeslagen; "
                               "probeer het over een halve minuut opnieuw.",
    DatabaseFault.FULL: "De opslag van het register is vol. Er is niets opgeslagen; meld dit bij "
                        "de beheerder en probeer het later opnieuw.",
    DatabaseFault.READ_ONLY: "Het register kan nu alleen worden gelezen, niet bijgewerkt. Er is "
                             "niets opgeslagen; probeer het later opnieuw.",
}
# Seconds a client should wait before retrying after a 503 (sent as Retry-After).
RETRY_AFTER_SECONDS = 30


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def render_error(status: int, message: str, errors: list[dict[str, str]]) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify({"ok": False, "status": status, "message": message, "errors": errors}), status
    return render_template("error.html", status=status, message=message, errors=errors), status


def init_app(app: Flask) -> None:
    app.register_error_handler(SignalRegistryError, handle_domain_error)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(RateLimitExceeded, handle_rate_limit)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(PoolTimeout, handle_database_error)
    app.register_error_handler(Exception, handle_bug)


def handle_domain_error(error: SignalRegistryError) -> ResponseReturnValue:
    if error.status == 401 and not wants_json():
        # A person, not a program: take them to the sign-in page and back again.
        return redirect(url_for("auth.login", next=request.path))
    if error.status == 503:
        _render_as_visitor()
        body, code = render_error(error.status, error.message, error.error_list())
        # Case systems retry a 503 by themselves; tell them when, so they do not hammer.
        return body, code, [("Retry-After", str(RETRY_AFTER_SECONDS))]
    return render_error(error.status, error.message, error.error_list())


def handle_csrf(error: CSRFError) -> ResponseReturnValue:
    message = "Het formulier is verlopen of ongeldig; laad de pagina opnieuw en probeer het nog eens."
    return render_error(400, message, [{"field": "csrf_token", "message": message}])


def handle_rate_limit(error: RateLimitExceeded) -> ResponseReturnValue:
    return render_error(429, HTTP_MESSAGES[429], [{"field": "", "message": HTTP_MESSAGES[429]}])


def handle_http(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    message = HTTP_MESSAGES.get(status, error.description or "Er ging iets mis.")
    body, code = render_error(status, message, [{"field": "", "message": message}])
    # Keep protocol headers such as Allow (405) and WWW-Authenticate.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return body, code, headers


def handle_database_error(error: Exception) -> ResponseReturnValue:
    fault = database_fault(error)
    if fault is None:  # e.g. an IntegrityError nobody expected: a bug, not an outage
        return handle_bug(error)
    # Unreachable, full or read-only: the unit of work was rolled back, so say that
    # nothing was stored. Log the kind only: the driver's text may quote stored values.
    log.error("database %s: %s", fault.value, type(error).__name__)
    return handle_domain_error(ServiceUnavailable(DATABASE_MESSAGES[fault]))


def handle_bug(error: Exception) -> ResponseReturnValue:
    # A bug, not a user's mistake. Log the type and path only: never bodies or addresses.
    # The exception's message could echo user input, so only its type and place are logged.
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
    log.error("unhandled %s at %s on %s %s", type(error).__name__, where, request.method,
              request.path)
    message = "Er ging iets mis aan onze kant. Er is niets half opgeslagen."
    return render_error(500, message, [{"field": "", "message": message}])


def _render_as_visitor() -> None:
    """Let the error page render without the database.

    The page header asks who is signed in, and loading the account needs the database that
    just failed; a second failure inside the error handler would become a bare 500. When the
    account was not loaded yet in this request, the page is rendered as for a visitor.
    """
    if "_login_user" not in g:  # where Flask-Login keeps the request's user once loaded
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
