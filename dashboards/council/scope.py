"""Who may see what in the works councils' portal.

An OR (``Role.WORKS_COUNCIL``) sees its own organisation only; the GOR
(``Role.CENTRAL_WORKS_COUNCIL``) sees every organisation and the Rijk-wide totals. Every other
role is refused (403), and an anonymous visitor is sent to the sign-in page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_babel import gettext as _

from privacy.publication import PublicationService
from web.access import current_principal, require_roles, services
from registry.accounts import Principal, Role
from registry.errors import Forbidden, NotFound

F = TypeVar("F", bound=Callable[..., Any])
COUNCIL_ROLES = (Role.WORKS_COUNCIL, Role.CENTRAL_WORKS_COUNCIL)


def council_only(view: F) -> F:
    """Sessions of an OR or the GOR only (no API tokens: these are pages for people)."""
    return require_roles(*COUNCIL_ROLES, page=True)(view)


def principal() -> Principal:
    found = current_principal()
    if found is None or found.role not in COUNCIL_ROLES:
        raise Forbidden(_("Uw rol heeft geen toegang tot deze functie."))
    return found


def is_central(who: Principal) -> bool:
    return who.role is Role.CENTRAL_WORKS_COUNCIL


def visible_organisations(who: Principal) -> list[str]:
    """Organisation codes this council may see, in the order of the structure."""
    codes = [u.code for u in services().org().organisations]
    return codes if is_central(who) else [c for c in codes if c == who.organisation]


def organisation_name(code: str) -> str:
    return str(services().org().get(code).name)


def checked_organisation(who: Principal, code: str) -> str:
    """``code`` when it exists and this council may see it: 404 when unknown, else 403."""
    known = {u.code for u in services().org().organisations}
    if code not in known:
        raise NotFound(_("Deze organisatie bestaat niet."))
    if not is_central(who) and code != who.organisation:
        raise Forbidden(_("U kunt alleen de cijfers van uw eigen organisatie bekijken."))
    return code


def publications() -> PublicationService:
    s = services()
    return PublicationService(s.queries, s.releases, s.org(), s.taxonomy)
