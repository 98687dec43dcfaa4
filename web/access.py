"""Who is asking, and may they: shared by every web and API blueprint.

A request is made either by a signed-in person (Flask-Login session) or by a case system or
researcher with ``Authorization: Bearer <token>``. Both end up as a :class:`Principal`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_babel import gettext
from flask_login import UserMixin, current_user

from registry.accounts import Principal, Role, TokenProblem
from registry.errors import Forbidden, Unauthorized
from web.services import RegistryServices

F = TypeVar("F", bound=Callable[..., Any])


class SessionUser(UserMixin):
    """Flask-Login's view of a principal."""

    def __init__(self, principal: Principal):
        self.principal = principal

    def get_id(self) -> str:
        return self.principal.account_id


def services() -> RegistryServices:
    """The application's service container (``server.container``), as views may use it."""
    container: RegistryServices = current_app.extensions["signal_registry"]
    return container


def bearer_principal() -> Principal | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Gebruik 'Authorization: Bearer <token>'.")
    check = services().accounts.check_token(token.strip())
    if check.principal is None:
        if check.problem is TokenProblem.EXPIRED and check.expires_on is not None:
            raise Unauthorized(f"Het API-token is verlopen op {check.expires_on.isoformat()}. "
                               "Vraag de beheerder om een nieuw token.")
        raise Unauthorized("Het API-token is onbekend of ingetrokken.")
    return check.principal


def current_principal() -> Principal | None:
    if "principal" not in g:
        principal = bearer_principal()
        if principal is None and current_user.is_authenticated:
            principal = current_user.principal
        g.principal = principal
    found: Principal | None = g.principal
    return found


def session_principal() -> Principal | None:
    """The signed-in person, for pages: a bearer token never opens a page."""
    if "principal" not in g:
        g.principal = current_user.principal if current_user.is_authenticated else None
    found: Principal | None = g.principal
    return found


def require_roles(*roles: Role, api: bool = False, page: bool = False) -> Callable[[F], F]:
    """Allow only these roles; 401 when nobody is signed in, 403 for another role.

    With ``api=True`` only a bearer token counts: API calls never ride on a browser session,
    so cross-site requests cannot use it. With ``page=True`` only the signed-in session counts:
    pages are for people, and an API token sent to one is ignored (the caller is anonymous).
    Without either, both are accepted (the analytics API, which the dashboards call too).
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if api:
                principal = bearer_principal()
            elif page:
                principal = session_principal()
            else:
                principal = current_principal()
            if principal is None:
                raise Unauthorized(gettext("Log in om verder te gaan.") if not api else
                                   "Een API-token is nodig (Authorization: Bearer <token>).")
            g.principal = principal
            if roles and principal.role not in roles:
                raise Forbidden(gettext("Uw rol heeft geen toegang tot deze functie."))
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
