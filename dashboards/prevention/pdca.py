"""What the follow-up (PDCA) page shows beside the follow-up codes: the follow-up outcomes of the
last complete year (``analytics.outcomes``) and the organisation's action register, so what was
agreed can be checked against what happened to the cases."""

from __future__ import annotations

from typing import Any

from analytics.outcomes import outcome_fields
from analytics.plan import PlanYear
from dashboards.prevention.figures import latest_complete
from registry.taxonomy.outcomes import load_outcome_codes
from web.access import services


def pdca_context(plan: dict[int, PlanYear], organisation: str, up_to: int) -> dict[str, Any]:
    codes = load_outcome_codes()
    py = latest_complete(plan, up_to)
    return {
        "outcome_year": py.year if py is not None else None,
        "outcome_fields": outcome_fields(py, organisation, codes) if py is not None else (),
        "actions": services().actions.list(organisation),
        "owner_roles": codes.owner_roles,
    }
