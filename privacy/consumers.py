"""Who pays for a release: one budget per consumer per calendar year.

A consumer is a stable string key. Each works council, each organisation's prevention officer,
each researcher project and each organisation's publication budget is a consumer of its own.
"""

from __future__ import annotations

from registry.accounts import Principal, Role
from registry.errors import Forbidden


def consumer_for(principal: Principal) -> str:
    """The budget a person's requests are paid from."""
    if principal.role is Role.RESEARCHER:
        # One researcher account is one research project with its own budget.
        return f"researcher:{principal.username}"
    if principal.role is Role.WORKS_COUNCIL and principal.organisation:
        return f"or:{principal.organisation}"
    if principal.role is Role.CENTRAL_WORKS_COUNCIL:
        return "gor"
    if principal.role is Role.PREVENTION_OFFICER and principal.organisation:
        return f"preventie:{principal.organisation}"
    raise Forbidden("Uw rol heeft geen privacybudget en kan geen cijfers opvragen.")


def publication_consumer(organisation: str) -> str:
    """The budget that pays for an organisation's canonical monthly releases."""
    return f"publication:{organisation}"
