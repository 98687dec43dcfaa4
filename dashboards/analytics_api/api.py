"""Analytics API: trends, checks and benchmarks from the release plan (``analytics.plan``).

Everything here reads the signed releases of the release plan and post-processes them
(``dashboards.published.plan_year``): no raw signal is read and nothing is spent, so the
answers may be asked as often as wanted. Every figure comes with its uncertainty and counts
cases (a case counts in the month of its first contact, spread evenly over its categories).

Who may read: the prevention officer and the works council (OR) of an organisation, for that
organisation only; the central works council (GOR) for every organisation. Sessions and bearer
tokens are both accepted (the dashboards call this API from the browser). Another organisation
is 403; a wrong parameter is 422 naming the field. When nothing is published yet for the
organisation the answer is 200 with an empty series and a Dutch note (``note_nl``), never a 404
or a 500: "not yet published" is an ordinary state, not an error. Once figures are published,
every range or period parameter is limited to them: a month outside the published months, a
range longer than ``MAX_TREND_MONTHS``, or a period or year without published figures is 422,
and the error says which months, periods or years there are.

Releases made before the organisation structure changed may lack a new organisation or name a
unit that is gone; such a year counts as nothing published for that organisation (trends) or
answers with a note (benchmarks, checks), never with a 500.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from flask import Blueprint, Response, jsonify, request

from analytics.errors import AnalyticsError
from analytics.findings import summarise
from analytics.intervals import rate_per_100_fte
from analytics.naming import period_end
from analytics.plan import PlanYear
from analytics.reading import display
from dashboards import published as data
from dashboards.prevention.benchmarks import compare_rate, row_count
from dashboards.prevention.figures import latest_complete, latest_month, periods
from dashboards.prevention.units import row_fte
from privacy.coarsening import released_units
from privacy.kinds import GRAINS, Measure
from privacy.plan import Part
from registry.errors import FieldError, Forbidden, ValidationFailed
from registry.periods import Month
from web.access import current_principal, require_roles, services
from web.caching import never_cache
from web.permissions import FIGURE_READERS, OrganisationAccess, may_read_figures, organisation_access

bp = Blueprint("analytics_api", __name__, url_prefix="/api/v1")

NOT_PUBLISHED = ("Voor deze organisatie en periode zijn nog geen cijfers van het releaseplan "
                 "gepubliceerd. Cijfers verschijnen na elke afgesloten maand.")
NO_COMPLETE_YEAR = ("Voor dit jaar is nog geen afgesloten jaar van het releaseplan "
                    "gepubliceerd; deze cijfers verschijnen na afloop van het jaar.")
NO_CHECKABLE_PERIOD = ("Er is nog geen heel jaar of halfjaar van het releaseplan "
                       "gepubliceerd; wat opvalt, staat hier na de publicatie van het eerste "
                       "halfjaar.")
RUNNING_YEAR = ("Dit jaar loopt nog; het hele jaar wordt na afloop gepubliceerd. Vraag een "
                "gepubliceerd halfjaar (zie periods).")
NOT_IN_RELEASES = ("De gepubliceerde cijfers van dit jaar passen niet bij de huidige indeling "
                   "in organisaties en onderdelen (die is na de publicatie gewijzigd); daarom "
                   "is er geen vergelijking.")
PERIOD = re.compile(r"[0-9]{4}(-H[12])?")
YEAR = re.compile(r"[0-9]{4}")
# Ten years of months: more than the registry keeps (SIGNAL_REGISTRY_RETENTION_YEARS).
MAX_TREND_MONTHS = 120
MONTHS_PER_ORGANISATION = ("Maandcijfers zijn er alleen voor de hele organisatie; de reeks "
                           "geldt voor de organisatie, niet voor de gekozen eenheid of "
                           "categorie.")


# Figures are for the caller; never kept in shared caches.
never_cache(bp)


def _plan() -> dict[int, PlanYear]:
    return data.plan(services())


@bp.get("/trends")
@require_roles(*FIGURE_READERS)
def trends() -> Response:
    organisation = _organisation()
    start, end = _month("from"), _month("to")
    if start > end:
        raise _invalid("from", "De beginmaand ligt na de eindmaand.")
    if end.index - start.index >= MAX_TREND_MONTHS:
        raise _invalid("to", f"Vraag hoogstens {MAX_TREND_MONTHS} maanden tegelijk.")
    grain = request.args.get("grain", "month")
    if grain not in GRAINS:
        raise _invalid("grain", f"Kies een van: {', '.join(GRAINS)}.")
    unit = _unit(organisation)
    category = _category()
    plan = readable_plan(_plan(), organisation)
    available = [m for py in plan.values() for m, _e in py.monthly(organisation)]
    if available:
        _within_published(available, start, end)
    points = periods(plan, organisation, start, end, grain)
    used = [py for y, py in sorted(plan.items()) if start.year <= y <= end.year]
    months = [str(m) for m in available if start <= m <= end]
    body: dict[str, Any] = {
        "organisation": organisation, "from": str(start), "to": str(end), "grain": grain,
        "unit": unit, "category": category, "published_months": months,
        "release_ids": [r for py in used for r in py.release_ids] if months else [],
    }
    if not points:
        return jsonify({**body, "series": [], "changes": [], "note_nl": NOT_PUBLISHED})
    headcount = services().org().get(organisation).headcount
    series = []
    for p in points:
        rate = (rate_per_100_fte(p.count, headcount, p.months) if headcount > 0 else None)
        shown = display(p.count)
        series.append({"period": p.period, "complete": p.complete, "count": p.count.as_dict(),
                       "display": {"value": shown.chart_value, "lower": shown.lower,
                                   "upper": shown.upper, "too_uncertain": shown.too_uncertain,
                                   "text_nl": shown.text},
                       "rate_per_100_fte": rate.as_dict() if rate is not None else None})
    changes = []
    complete = [p for p in points if p.complete] if grain != "month" else []
    for before, after in pairwise(complete):
        difference = after.count - before.count
        changes.append({"period": after.period, "reference_period": before.period,
                        "difference": difference.as_dict(),
                        "is_real": difference.excludes_zero})
    note = MONTHS_PER_ORGANISATION if unit or category else None
    return jsonify({**body, "measure": Measure.CASES.value, "series": series, "changes": changes,
                    "note_nl": note})


@bp.get("/checks")
@require_roles(*FIGURE_READERS)
def checks() -> Response:
    """What stands out (``analytics.hotspots``) in one period, in the report's shape; never 500.

    ``period`` is a data year ("2025", a complete one) or a published half year ("2026-H1");
    by default the last complete year up to ``to`` (default: the latest published month), else
    the latest published half year. Nothing checkable: an empty answer with a Dutch note.
    """
    organisation = _organisation()
    end = _month("to") if "to" in request.args else None
    wanted = _period()
    plan = _plan()
    published = sorted({m for py in readable_plan(plan, organisation).values()
                        for m, _e in py.monthly(organisation)})
    if end is not None and published:
        _within_published(published, end, end, "to")
    if end is None:
        end = latest_month(plan)
    s = services()
    available = checkable_periods(plan, end) if end is not None else []
    body: dict[str, Any] = {"to": str(end) if end else None, "periods": available,
                            "published_months": [], "release_ids": []}
    running = (wanted is not None and "-H" not in wanted and int(wanted) in plan
               and not plan[int(wanted)].complete)
    if wanted is not None and wanted not in available and available and not running:
        raise _invalid("period", "Voor deze periode is niets gepubliceerd om na te gaan. "
                                 f"Gepubliceerd zijn: {', '.join(available)}.")
    period = wanted if wanted is not None else default_period(available)
    if period is None or period not in available:
        empty = summarise(None, organisation, s.org(), s.taxonomy)
        note = (RUNNING_YEAR if running else NO_CHECKABLE_PERIOD if end is not None and plan
                else NOT_PUBLISHED)
        return jsonify({**body, **empty.as_json(), "note_nl": note})
    py = plan[int(period[:4])]
    summary = summarise(py, organisation, s.org(), s.taxonomy, period=period)
    body["release_ids"] = list(py.release_ids)
    if int(period[:4]) in readable_plan(plan, organisation):
        body["published_months"] = [str(m) for m, _e in py.monthly(organisation)]
    return jsonify({**body, **summary.as_json(), "note_nl": summary.note})


def checkable_periods(plan: dict[int, PlanYear], end: Month) -> list[str]:
    """Complete years and published half years that are over by ``end``, oldest first."""
    out = []
    for year, py in sorted(plan.items()):
        if py.complete and year <= end.year:
            out.append(str(year))
        elif not py.complete:
            out += [h for h in py.periods(Part.HALF)
                    if py.dg_half(h) is not None and period_end(h) <= end]
    return out


def default_period(available: list[str]) -> str | None:
    years = [p for p in available if "-H" not in p]
    if years:
        return years[-1]
    return available[-1] if available else None


@bp.get("/benchmarks")
@require_roles(*FIGURE_READERS)
def benchmarks() -> Response:
    organisation = _organisation()
    year = _year()
    category = _category()
    plan = _plan()
    if plan and year not in plan:
        raise _invalid("year", "Voor dit jaar is niets gepubliceerd. Gepubliceerd zijn de "
                               f"jaren {', '.join(str(y) for y in sorted(plan))}.")
    py = plan.get(year)
    body: dict[str, Any] = {"organisation": organisation, "year": year, "category": category,
                            "published_months": [], "release_ids": []}
    if py is None or latest_complete({year: py}) is None:
        return jsonify({**body, "internal": None, "external": [],
                        "note_nl": NOT_PUBLISHED if py is None else NO_COMPLETE_YEAR})
    body["release_ids"] = list(py.release_ids)
    try:
        return jsonify({**body, **_benchmark(py, organisation, year, category)})
    except AnalyticsError:  # the releases and today's structure do not line up
        return jsonify({**body, "internal": None, "external": [], "note_nl": NOT_IN_RELEASES})


def _benchmark(py: PlanYear, organisation: str, year: int, category: str | None,
               ) -> dict[str, Any]:
    """The year's rates per DG row beside the organisation's and the external references."""
    body: dict[str, Any] = {"published_months": [str(m) for m, _e in py.monthly(organisation)]}
    org = services().org()
    codes = [category] if category else list(py.category_codes())
    fte = row_fte(org, organisation, py.dg_rows(organisation))
    points = []
    for row in py.dg_rows(organisation):
        count = row_count(py, organisation, row, codes)
        rate = rate_per_100_fte(count, fte[row], 12) if fte.get(row, 0) > 0 else None
        points.append({"unit": row, "rest_of_organisation": row == organisation,
                       "headcount": fte.get(row, 0.0), "count": count.as_dict(),
                       "rate_per_100_fte": rate.as_dict() if rate is not None else None})
    whole = py.total(organisation) if category is None else py.category(organisation, category)
    headcount = org.get(organisation).headcount
    internal = {"organisation": organisation, "points": points,
                "reference_rate": rate_per_100_fte(whole, headcount, 12).as_dict()}
    external = compare_rate(organisation, year, rate_per_100_fte(py.total(organisation),
                                                                 headcount, 12, sampling=True))
    return {**body, "internal": internal, "external": [c.as_dict() for c in external],
            "note_nl": None}


def readable_plan(plan: dict[int, PlanYear], organisation: str) -> dict[int, PlanYear]:
    """The plan years whose monthly releases all hold ``organisation``.

    A year published before the organisation was added to the structure (or with a month
    that lacks it) has no series for it; reading one would be a KeyError deep in the plan.
    """
    out = {}
    for year, py in plan.items():
        try:
            py.monthly(organisation)
        except AnalyticsError:
            continue
        out[year] = py
    return out


def _within_published(available: list[Month], start: Month, end: Month,
                      only: str | None = None) -> None:
    """422 naming ``from`` or ``to`` (or ``only``) when it lies outside the published months."""
    first, last = min(available), max(available)
    for name, month in (("from", start), ("to", end)):
        if not first <= month <= last:
            field = only or name
            raise _invalid(field, f"Gepubliceerd zijn de maanden {first} tot en met {last}; "
                                  f"kies {field} daartussen.")


# -- parameters and scope ------------------------------------------------------------------

def _organisation() -> str:
    principal = current_principal()
    assert principal is not None
    raw = request.args.get("organisation", "") or principal.organisation or ""
    if organisation_access(principal, services().org(), raw) is OrganisationAccess.UNKNOWN:
        raise _invalid("organisation", "Geef een bestaande organisatiecode (organisation=...).")
    if not may_read_figures(principal, raw):
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


def _period() -> str | None:
    raw = request.args.get("period")
    if raw is None:
        return None
    if not PERIOD.fullmatch(raw) or not 2000 <= int(raw[:4]) <= 2100:
        raise _invalid("period", "Geef een jaar (2025) of een halfjaar (2026-H1).")
    return raw


def _year() -> int:
    raw = request.args.get("year", "")
    # ASCII digits only: '²'.isdigit() is True, and int('²') raises.
    if not YEAR.fullmatch(raw) or not 2000 <= int(raw) <= 2100:
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


def _invalid(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(errors=[FieldError(name, message)])
