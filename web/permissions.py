"""Who may see which organisation, and which figures: pure decisions, made here only.

A principal's scope is ``Principal.organisations``: None for the roles that see every
organisation (the GOR, a researcher), else their own organisation (or nothing). Every view that
asks "may this person see organisation X, or this release?" asks a function here, and turns
the answer into its own response (a 404, 403 or 422 in its own words): the decision is written
once, the wording stays with the page. No Flask here, so the rules are tested as plain functions
(``tests/web/test_permissions.py``).

The role sets are what ``web.access.require_roles`` is given by the blueprints.
"""

from __future__ import annotations

from enum import StrEnum

from privacy.consumers import consumer_for
from registry.accounts import Principal, Role
from registry.organisations import OrgStructure

COUNCIL_ROLES = (Role.WORKS_COUNCIL, Role.CENTRAL_WORKS_COUNCIL)
"""The works councils' portal: an OR for its own organisation, the GOR for all."""
DASHBOARD_ROLES = (Role.PREVENTION_OFFICER,)
"""The prevention dashboard, for the officer's own organisation."""
FIGURE_READERS = (Role.PREVENTION_OFFICER, Role.WORKS_COUNCIL, Role.CENTRAL_WORKS_COUNCIL)
"""Who reads the release plan's published figures (the analytics API), within their scope."""
QUERY_ROLES = (Role.RESEARCHER, Role.WORKS_COUNCIL, Role.CENTRAL_WORKS_COUNCIL,
               Role.PREVENTION_OFFICER)
"""Who asks questions of their own, paid from their own budget (the research API)."""
RESEARCH_ROLES = (Role.RESEARCHER,)
"""The researchers' pages."""


class OrganisationAccess(StrEnum):
    """What asking for one organisation amounts to."""

    VISIBLE = "visible"
    UNKNOWN = "unknown"
    """No organisation with this code in the structure."""
    OUT_OF_SCOPE = "out_of_scope"
    """It exists, but lies outside the person's scope."""


def sees_every_organisation(principal: Principal) -> bool:
    """The GOR and researchers: no organisation is outside their scope."""
    return principal.organisations is None


def may_see_organisation(principal: Principal, organisation: str) -> bool:
    """Whether ``organisation`` lies within the scope; whether it exists is not asked here."""
    scope = principal.organisations
    return scope is None or organisation in scope


def visible_organisations(principal: Principal, org: OrgStructure) -> list[str]:
    """The codes of the organisations this person may see, in the order of the structure."""
    return [u.code for u in org.organisations if may_see_organisation(principal, u.code)]


def organisation_access(principal: Principal, org: OrgStructure,
                        organisation: str) -> OrganisationAccess:
    """Unknown first (so nothing about scope is said of a code that does not exist), then scope."""
    if organisation not in {u.code for u in org.organisations}:
        return OrganisationAccess.UNKNOWN
    if not may_see_organisation(principal, organisation):
        return OrganisationAccess.OUT_OF_SCOPE
    return OrganisationAccess.VISIBLE


def default_organisation(principal: Principal, org: OrgStructure) -> str:
    """What a page shows when none is asked for: one's own, else the first visible, else ""."""
    visible = visible_organisations(principal, org)
    own = principal.organisation
    if own is not None and own in visible:
        return own
    return visible[0] if visible else ""


def may_see_rijk_totals(principal: Principal) -> bool:
    """The totals of the whole Rijk are for those who see every organisation."""
    return principal.role in FIGURE_READERS and sees_every_organisation(principal)


def may_read_figures(principal: Principal, organisation: str) -> bool:
    """The release plan's published figures of an organisation: a figure reader in scope."""
    return principal.role in FIGURE_READERS and may_see_organisation(principal, organisation)


def may_read_release(principal: Principal, release_scope: str) -> bool:
    """A release someone asked for is theirs alone: only its consumer may read it back.

    Raises ``Forbidden`` for a principal without a budget (``privacy.consumers``), as asking
    for the release would.
    """
    return release_scope == consumer_for(principal)
