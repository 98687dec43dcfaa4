"""Who pays for a release: a consumer's share of each data year's cap (``privacy.ledger``).

A consumer is a stable string key. Each works council (``or:ORG``), the GOR (``gor``), each
organisation's prevention officer (``preventie:ORG``), each research project
(``research:PROJECT``, shared by its accounts) and the release plan (``plan``) is a consumer.
"""

from __future__ import annotations

from registry.accounts import Principal, Role
from registry.errors import Forbidden


def consumer_for(principal: Principal) -> str:
    """The budget a person's requests are paid from."""
    if principal.role is Role.RESEARCHER:
        # A research project's accounts share the project's budget and its releases.
        if not principal.project:
            raise Forbidden("Uw account hoort bij geen onderzoeksproject; de beheerder koppelt "
                            "het aan een project met een aandeel in het privacybudget.")
        return f"research:{principal.project}"
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
