"""The works council's view of follow-up outcomes (measures 15 and 25) and the action register.

Shares come from the release plan's outcome tables (``analytics.outcomes``): with their 95%
interval, within 0-100%, "te onzeker" when the margin is too wide; viewing spends nothing.
Beside them, read-only, the organisation's action register that the prevention officer keeps
(``registry.actions``): what was agreed, the owner's role, the due month and the status.
"""

from __future__ import annotations

from flask import render_template

from analytics.outcomes import outcome_fields
from dashboards import published
from dashboards.council.scope import checked_organisation, council_only, organisation_name, principal
from dashboards.council.views import bp, year_arg
from registry.taxonomy.outcomes import load_outcome_codes
from web.access import services


@bp.get("/organisatie/<code>/opvolging")
@council_only
def outcomes(code: str) -> str:
    code = checked_organisation(principal(), code)
    s = services()
    years = published.plan_years(s)
    year = year_arg()
    py = published.plan_year(s, year)
    codes = load_outcome_codes()
    fields = outcome_fields(py, code, codes) if py is not None else ()
    return render_template("council/outcomes.html", code=code, name=organisation_name(code),
                           year=year, years=years, fields=fields,
                           actions=s.actions.list(code), roles=codes.owner_roles)
