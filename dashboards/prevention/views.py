"""Routes of the prevention officer's dashboard: pages, CSV downloads and the local plotly.js.

Pages: trends (``index``), categories per DG and what stands out (``units``), comparisons
(``benchmarks``) and follow-up (``follow_up``). All read the release plan's published years
(``data.plan_year``), so viewing them reads no raw signal and spends no budget. Who may look: the
preventiemedewerker, for their own organisation. Wrong filters give the page back with a Dutch
message beside the field (422); nothing published yet is an ordinary state with directions.
"""

from __future__ import annotations

from typing import Any

import plotly
from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _

from analytics.errors import AnalyticsError
from analytics.plan import PlanYear
from dashboards import plotly_assets
from dashboards import published as data
from dashboards.charts.catalogue import Page, PageFigures, PageInputs, build_page, chart_page
from dashboards.charts.render import chart_html
from dashboards.charts.table import PAGE_ROWS, csv_text, safe_filename
from dashboards.margin import margin_explanation, margin_title
from dashboards.prevention.figures import latest_month, published_months, typical_chart_margin
from dashboards.prevention.filters import (
    PAGE_FILTERS,
    FilterResult,
    Filters,
    parse_filters,
    unit_choices,
)
from dashboards.prevention.pdca import pdca_context
from registry.errors import FieldError, NotFound, ValidationFailed
from web.access import current_principal, require_roles, services
from web.cache import LruCache
from web.caching import never_cache
from web.forms import FormFields, page_messages
from web.numbers import page_locale
from web.permissions import DASHBOARD_ROLES, visible_organisations

bp = Blueprint("prevention", __name__, url_prefix="/dashboard", template_folder="templates",
               static_folder="static", static_url_path="/static")
# For the templates: the one chart renderer (prevention/_chart.html) and the one wording of
# the margin (prevention/_margin.html).
for _function in (chart_html, margin_title, margin_explanation):
    bp.add_app_template_global(_function)

YEAR = 365 * 24 * 3600
_plotly_js: bytes | None = None
# A page's figures depend only on its filters, the language and the (immutable) releases read,
# so they are kept under exactly that key.
_sections: LruCache[PageFigures] = LruCache(256)


# An organisation's figures stay out of shared caches; the library and static files may be
# kept (their address changes with the version).
never_cache(bp, except_endpoints=("prevention.plotly_js", "prevention.plotly_css",
                                  "prevention.static"))


@bp.get("/vendor/plotly.js")
def plotly_js() -> Response:
    """plotly.js from the installed plotly package: no CDN, the app works offline."""
    global _plotly_js
    if _plotly_js is None:
        from plotly.offline import get_plotlyjs

        _plotly_js = get_plotlyjs().encode("utf-8")
    response = Response(_plotly_js, mimetype="text/javascript")
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/vendor/plotly.css")
def plotly_css() -> Response:
    """plotly.js's own style rules as a file, so its inline <style> is not needed (strict CSP)."""
    response = Response(plotly_assets.plotly_css(), mimetype="text/css")
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


def plotly_url() -> str:
    """The address of plotly.js, with the version in it so a long cache stays correct."""
    return url_for("prevention.plotly_js", v=plotly.__version__)


@bp.get("/")
@require_roles(*DASHBOARD_ROLES, page=True)
def index() -> Any:
    return _page("index", Page.TRENDS)


@bp.get("/eenheden")
@require_roles(*DASHBOARD_ROLES, page=True)
def units() -> Any:
    return _page("units", Page.UNITS)


@bp.get("/vergelijking")
@require_roles(*DASHBOARD_ROLES, page=True)
def benchmarks() -> Any:
    return _page("benchmarks", Page.BENCHMARKS)


@bp.get("/opvolging")
@require_roles(*DASHBOARD_ROLES, page=True)
def follow_up() -> Any:
    return _page("follow_up", Page.FOLLOW_UP)


@bp.get("/cijfers/<chart>.csv")
@require_roles(*DASHBOARD_ROLES, page=True)
def csv(chart: str) -> Response:
    page = chart_page(chart)
    if page is None:
        raise NotFound(_("Deze download bestaat niet."))
    state = _State(page)
    if state.result.errors:
        raise ValidationFailed(_("De filters zijn niet geldig."), list(state.result.errors))
    if not state.months():
        raise NotFound(_("Voor deze periode zijn nog geen maandcijfers gepubliceerd."))
    found = [c for c in _build(page, state.plan, state.result.filters).charts if c.key == chart]
    if not found:
        raise NotFound(_("Deze grafiek is er voor deze periode niet."))
    f = state.result.filters
    name = safe_filename("preventie", chart, f.organisation, str(f.start), str(f.end))
    response = Response(csv_text(found[0].table), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


class _State:
    """The request's filters (those ``page`` applies) and the release plan's published years
    (read once)."""

    def __init__(self, page: Page) -> None:
        s = services()
        principal = current_principal()
        assert principal is not None  # require_roles ran first
        self.principal = principal
        self.org = s.org()
        self.taxonomy = s.taxonomy
        self.threshold = s.settings.coarsen_threshold
        self._services = s
        self.plan: dict[int, PlanYear] = data.plan(s)
        newest = latest_month(self.plan)
        self.result: FilterResult = parse_filters(
            request.args, principal, self.org, s.taxonomy, self.threshold,
            lambda _o: newest, PAGE_FILTERS[page.value])

    def months(self) -> list[str]:
        f = self.result.filters
        if not f.organisation:
            return []
        return [str(m) for m, _e in published_months(self.plan, f.organisation, f.start,
                                                       f.end)]



def _build(page: Page, plan: dict[int, PlanYear], filters: Filters) -> PageFigures:
    """The page's section and charts (``dashboards.charts.catalogue``), kept per filters."""
    s = services()
    inputs = PageInputs(plan, s.org(), s.taxonomy, filters, page_locale())
    key = (page, filters, inputs.locale,
           tuple(r for y in sorted(plan) for r in plan[y].release_ids))
    try:
        return _sections.get_or_make(key, lambda: build_page(page, inputs))
    except AnalyticsError as exc:
        # The structure or taxonomy changed within the period, so months do not line up.
        raise ValidationFailed(_("De gekozen periode kan niet als geheel getoond worden."), [
            FieldError("unit" if exc.field == "unit" else "from", _(
                "De indeling in eenheden of categorieën is binnen deze periode veranderd, of "
                "de eenheid wordt niet in elke maand apart getoond. Kies een kortere periode "
                "of een hogere eenheid."))]) from exc


# The filter form's fields in page order; their controls' ids start with "f-". The checks word
# their messages through gettext (``dashboards.prevention.filters``); a problem with the
# filters as a whole is said at the organisation.
FILTER_FIELDS = ("organisation", "unit", "from", "to", "grain", "reference", "category")
FILTER_FORM = FormFields(FILTER_FIELDS, anchors={name: f"f-{name}" for name in FILTER_FIELDS},
                         aliases={"": "organisation"})


def _page(endpoint: str, page: Page) -> Any:
    state = _State(page)
    result = state.result
    f = result.filters
    context: dict[str, Any] = {
        "page": page.value, "endpoint": endpoint, "filters": f,
        "applied": PAGE_FILTERS[page.value],
        "errors": FILTER_FORM.errors(page_messages(result.errors)), "typed": result.typed,
        "organisations": [(code, state.org.get(code).name) for code in
                          visible_organisations(state.principal, state.org)],
        "organisation_name": state.org.get(f.organisation).name if f.organisation else "",
        "units": unit_choices(state.org, f.organisation, state.threshold),
        "categories": [(c, state.taxonomy.label("categories", c, page_locale()))
                       for c in state.taxonomy.codes("categories")],
        "plotly_url": plotly_url(), "query": f.query(),
        "plotly_css_url": url_for("prevention.plotly_css", v=plotly.__version__),
        "plotly_maplibre_id": plotly_assets.maplibre_style_id(),
        "section": None, "charts": (), "months": [], "latest": None,
        # Which chart's table to show whole (a link under a long table), and how long the
        # others are on the page.
        "all_rows": request.args.get("alle", ""), "page_rows": PAGE_ROWS,
    }
    if page is Page.FOLLOW_UP and f.organisation:
        context.update(pdca_context(state.plan, f.organisation, f.end.year))
    if result.errors:
        return render_template(f"prevention/{endpoint}.html", **context), 422
    months = state.months()
    context["months"] = months
    context["latest"] = latest_month(state.plan)
    if not months:
        return render_template(f"prevention/{endpoint}.html", **context)
    try:
        built = _build(page, state.plan, f)
        context["section"], context["charts"] = built.section, built.charts
        # The typical margin of the figures this page shows, not of figures shown elsewhere.
        context["margin"] = typical_chart_margin(chart.table for chart in built.charts)
    except ValidationFailed as exc:
        context["errors"] = FILTER_FORM.errors(page_messages(exc.errors))
        return render_template(f"prevention/{endpoint}.html", **context), 422
    return render_template(f"prevention/{endpoint}.html", **context)
