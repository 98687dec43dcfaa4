"""Who has a privacy budget: every consumer the registry knows, with a label a person reads;
and proposing a share, which a second administrator approves (``registry.approvals``).

A consumer exists by rule (the release plan, each organisation's works council and prevention
officer, the GOR, each researcher account) or because it has a share or charge on record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from privacy.exact import format_epsilon
from privacy.ledger import BudgetStatus
from privacy.plan import PLAN_CONSUMER
from registry.approvals import ApprovalKind, Proposal
from registry.joined import joined
from registry.organisations import OrgStructure
from web.services import RegistryServices


@dataclass(frozen=True)
class ConsumerRow:
    key: str
    label: str
    status: BudgetStatus


def consumer_keys(org: OrgStructure, researchers: Iterable[str], recorded: Iterable[str]) -> list[str]:
    """Every consumer key: the plan, per organisation, the GOR, research projects (``researchers``
    are the projects of researcher accounts) and any others on record."""
    keys: list[str] = [PLAN_CONSUMER]
    for unit in sorted(org.organisations, key=lambda u: u.code):
        keys += [f"or:{unit.code}", f"preventie:{unit.code}"]
    keys.append("gor")
    keys += [f"research:{project}" for project in sorted(set(researchers))]
    known = set(keys)
    keys += [key for key in sorted(recorded) if key not in known]
    return keys


def propose_allocation(svc: RegistryServices, consumer: str, year: int, rho: str, admin: str) -> Proposal:
    """Store a proposal to give ``consumer`` the share ``rho`` of ``year``'s cap.

    The ledger's own checks run now, on a trial allocation that is rolled back, so a share
    below what is spent or above the cap is refused at once (``ValidationFailed``, in Dutch)
    instead of when the second administrator approves. They run again at approval, against
    the ledger as it is then.
    """
    with svc.db.session(immediate=True) as session:
        trial = session.begin_nested()
        share = joined(svc.ledger, session).set_budget(consumer, year, rho).total
        trial.rollback()
        payload = {"consumer": consumer, "year": year, "rho": format_epsilon(share)}
        proposal: Proposal = svc.approvals.propose(session, ApprovalKind.BUDGET_ALLOCATION,
                                                   payload, admin)
        return proposal
