"""The public account of the privacy budget: per data year the cap, the shares and what is spent.

Nothing here is secret and nothing depends on a signal: caps, shares and charges are decisions
and costs, public by design (docs/privacy-guarantee.md). The JSON of
``GET /api/v1/privacy-budget`` is :func:`public_budget`; the page ``/privacy/budget`` shows the
same ledger.
"""

from __future__ import annotations

from typing import Any

from privacy.accounting import Cap
from privacy.ledger import BudgetLedger, format_epsilon
from privacy.plan import PLAN_CONSUMER, PLAN_RHO

UNIT = "rho (zCDP)"


def budget_years(ledger: BudgetLedger, this_year: int) -> list[int]:
    """Every data year with a cap, share or charge on record, and this year, oldest first."""
    return sorted(set(ledger.years()) | {this_year})


def cap_policy(cap: Cap) -> dict[str, Any]:
    """The configured cap (a year's own cap may have been changed since: see its log)."""
    return {
        "epsilon": format_epsilon(cap.epsilon),
        "delta": f"{float(cap.delta):g}",
        "rho": format_epsilon(cap.rho),
        "privacy_unit": "one case in one data year",
        "applies_to": "every release about the data year, of every consumer together",
        "conversion": "OpenDP make_zCDP_to_approxDP (rho to epsilon at delta)",
        "default_share": "0",
        "plan": {"consumer": PLAN_CONSUMER, "rho": format_epsilon(PLAN_RHO)},
    }


def public_budget(ledger: BudgetLedger, cap: Cap, this_year: int) -> dict[str, Any]:
    """The body of ``GET /api/v1/privacy-budget``."""
    return {
        "unit": UNIT,
        "cap_policy": cap_policy(cap),
        "years": [ledger.year(year).as_json() for year in budget_years(ledger, this_year)],
    }
