"""Who may see what in the works councils' portal, in the portal's own words.

An OR (``Role.WORKS_COUNCIL``) sees its own organisation only; the GOR
(``Role.CENTRAL_WORKS_COUNCIL``) sees every organisation and the Rijk-wide totals. Every other
role is refused (403), and an anonymous visitor is sent to the sign-in page. The decisions are
``web.permissions``'; this module turns them into the portal's answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_babel import gettext as _

from registry.accounts import Principal
from registry.errors import Forbidden, NotFound
from web.access import current_principal, require_roles, services
from web.permissions import COUNCIL_ROLES, OrganisationAccess, may_see_rijk_totals, organisation_access

F = TypeVar("F", bound=Callable[..., Any])


def council_only(view: F) -> F:
    """Sessions of an OR or the GOR only (no API tokens: these are pages for people)."""
    return require_roles(*COUNCIL_ROLES, page=True)(view)


def principal() -> Principal:
    found = current_principal()
    if found is None or found.role not in COUNCIL_ROLES:
        raise Forbidden(_("Uw rol heeft geen toegang tot deze functie."))
    return found


def organisation_name(code: str) -> str:
    return str(services().org().get(code).name)


def checked_organisation(who: Principal, code: str) -> str:
    """``code`` when it exists and this council may see it: 404 when unknown, else 403."""
    access = organisation_access(who, services().org(), code)
    if access is OrganisationAccess.UNKNOWN:
        raise NotFound(_("Deze organisatie bestaat niet."))
    if access is OrganisationAccess.OUT_OF_SCOPE:
        raise Forbidden(_("U kunt alleen de cijfers van uw eigen organisatie bekijken."))
    return code


def check_rijk_totals(who: Principal) -> None:
    """403 unless this council may see the totals of the whole Rijk (the GOR)."""
    if not may_see_rijk_totals(who):
        raise Forbidden(_("Alleen de GOR ziet de totalen van het hele Rijk."))
