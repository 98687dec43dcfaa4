"""Analytics API: trends, checks and benchmarks from the published monthly releases.

Everything here reads the canonical monthly publications (``privacy.publication``) and
post-processes them with ``analytics``: no raw signal is read and nothing is spent, so the
answers may be asked as often as wanted. Every figure comes with its uncertainty.

Who may read: the prevention officer and the works council (OR) of an organisation, for that
organisation only; the central works council (GOR) for every organisation. Sessions and bearer
tokens are both accepted (the dashboards call this API from the browser). Another organisation
is 403; a wrong parameter is 422 naming the field. When nothing is published in the range the
answer is 200 with an empty series and a Dutch note (``note_nl``), never a 404: "not yet
published" is an ordinary state, not an error.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from analytics.benchmarks import funnel
from analytics.checks import CHECKS, run_checks
from analytics.external import compare_external
from analytics.published import PublishedMonth
from analytics.report import to_published_months
from analytics.trends import GRAINS, trend
from privacy.coarsening import released_units
from privacy.publication import PublicationService
from registry.access import current_principal, require_roles, services
from registry.accounts import Role
from registry.errors import FieldError, Forbidden, ValidationFailed
from registry.periods import Month

bp = Blueprint("analytics_api", __name__, url_prefix="/api/v1")

READ_ROLES = (Role.PREVENTION_OFFICER, Role.WORKS_COUNCIL, Role.CENTRAL_WORKS_COUNCIL)
NOT_PUBLISHED = ("Voor deze organisatie en periode zijn nog geen maandcijfers gepubliceerd. "
                 "Cijfers verschijnen na de maandelijkse publicatie.")


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/trends")
@require_roles(*READ_ROLES)
def trends() -> Response:
    organisation = _organisation()
    start, end = _month("from"), _month("to")
    if start > end:
        raise _invalid("from", "De beginmaand ligt na de eindmaand.")
    grain = request.args.get("grain", "month")
    if grain not in GRAINS:
        raise _invalid("grain", f"Kies een van: {', '.join(GRAINS)}.")
    unit = _unit(organisation)
    category = _category()
    months = _published(organisation, start, end)
    body: dict[str, Any] = {
        "organisation": organisation, "from": str(start), "to": str(end), "grain": grain,
        "unit": unit, "category": category, **_sources(months),
    }
    if not months:
        return jsonify({**body, "series": [], "changes": [], "note_nl": NOT_PUBLISHED})
    try:
        result = trend(months, services().org(), unit=unit, category=category, grain=grain)
    except ValueError as exc:  # e.g. a unit that was merged into its parent in some month
        raise _invalid("unit", "Deze eenheid wordt niet in elke gekozen maand apart getoond; "
                               "kies een hogere eenheid.") from exc
    data = result.as_dict()
    return jsonify({**body, "measure": data["measure"], "series": data["points"],
                    "changes": data["changes"], "note_nl": None})


@bp.get("/checks")
@require_roles(*READ_ROLES)
def checks() -> Response:
    organisation = _organisation()
    end = _month("to") if "to" in request.args else _latest(organisation)
    months = _published(organisation, end.add(-11), end) if end is not None else []
    body: dict[str, Any] = {"organisation": organisation, "to": str(end) if end else None,
                            **_sources(months)}
    if not months:
        return jsonify({**body, "checks": [], "summary": None, "note_nl": NOT_PUBLISHED})
    report = run_checks(months, services().org(), end=end)
    out = []
    for pair in report.pairs:
        flags = [getattr(pair, name) for name in CHECKS]
        kinds = [flag.check for flag in flags if flag.flagged]
        if not kinds:
            continue
        out.append({
            "unit": pair.unit, "unit_name": pair.unit_name, "category": pair.category,
            "kinds": kinds, "flagged": pair.flagged,
            "evidence": {flag.check: {"status": flag.status, **dict(flag.evidence)}
                         for flag in flags},
            "explanation_nl": " ".join(flag.explanation_nl for flag in flags),
        })
    return jsonify({**body, "window": list(report.window), "summary": report.summary(),
                    "checks": out, "note_nl": None})


@bp.get("/benchmarks")
@require_roles(*READ_ROLES)
def benchmarks() -> Response:
    organisation = _organisation()
    year = _year()
    category = _category()
    months = _published(organisation, Month(year, 1), Month(year, 12))
    body: dict[str, Any] = {"organisation": organisation, "year": year, "category": category,
                            **_sources(months)}
    if not months:
        return jsonify({**body, "internal": None, "external": [], "note_nl": NOT_PUBLISHED})
    org = services().org()
    internal = funnel(months, org, category=category, window=len(months),
                      end=months[-1].month)
    external = compare_external(months, org, year=year)
    return jsonify({**body, "internal": internal.as_dict(),
                    "external": [c.as_dict() for c in external], "note_nl": None})


# -- parameters and scope ------------------------------------------------------------------

def _organisation() -> str:
    principal = current_principal()
    assert principal is not None
    raw = request.args.get("organisation", "")
    if not raw and principal.organisation:
        raw = principal.organisation
    known = {u.code for u in services().org().organisations}
    if raw not in known:
        raise _invalid("organisation", "Geef een bestaande organisatiecode (organisation=...).")
    if principal.role is not Role.CENTRAL_WORKS_COUNCIL and raw != principal.organisation:
        raise Forbidden("U kunt alleen cijfers van uw eigen organisatie bekijken.")
    return raw


def _month(name: str) -> Month:
    raw = request.args.get(name)
    if not raw:
        raise _invalid(name, "Vul een maand in (JJJJ-MM).")
    try:
        return Month.parse(raw)
    except ValueError as exc:
        raise _invalid(name, str(exc)) from exc


def _year() -> int:
    raw = request.args.get("year", "")
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise _invalid("year", "Geef een jaartal, bijvoorbeeld 2026.")
    return int(raw)


def _unit(organisation: str) -> str | None:
    unit = request.args.get("unit") or None
    if unit is None:
        return None
    s = services()
    org = s.org()
    if unit not in org or org.get(unit).organisation != organisation:
        raise _invalid("unit", "Onbekende eenheid binnen deze organisatie.")
    if unit not in released_units(org, s.settings.coarsen_threshold):
        raise _invalid("unit", "Deze eenheid is te klein om apart te tonen; kies een hogere "
                               "eenheid.")
    return unit


def _category() -> str | None:
    category = request.args.get("category") or None
    if category is not None and category not in services().taxonomy.codes("categories"):
        raise _invalid("category", "Onbekende categorie.")
    return category


def _publications() -> PublicationService:
    s = services()
    return PublicationService(s.queries, s.releases, s.org(), s.taxonomy)


def _published(organisation: str, start: Month, end: Month) -> list[PublishedMonth]:
    return to_published_months(_publications().published_months(organisation, start, end))


def _latest(organisation: str) -> Month | None:
    today = Month.current()
    found = _publications().published_months(organisation, Month(2000, 1), today)
    return Month.parse(found[-1].spec["period"]) if found else None


def _sources(months: list[PublishedMonth]) -> dict[str, Any]:
    return {"published_months": [str(m.month) for m in months],
            "release_ids": [m.release_id for m in months]}


def _invalid(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(errors=[FieldError(name, message)])
