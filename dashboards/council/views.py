"""The published figures: overview, one organisation per data year, the Rijk, the reports.

The figures come from the release plan (``privacy.plan_service``) read as an
``analytics.plan.PlanYear``: no raw signal is read and no budget is spent. A data year is chosen
with ``?jaar=`` (default: the last year with a complete plan, else the running year). Every
figure is shown through ``analytics.reading.display`` (via ``analytics.report.build_report``,
which also makes the downloads): never below zero, "te onzeker" when the margin is larger.
The monthly publications of the earlier design stay readable and their downloads verifiable
(the archive at the bottom of an organisation's page).

``bp``, the council's blueprint, is defined here; the other ``views_*`` modules add their pages
to it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _

from analytics.errors import AnalyticsError
from analytics.plan import PlanYear
from analytics.published import PublishedMonth
from analytics.report import build_report
from analytics.rijk import organisation_totals
from dashboards import published
from dashboards.council.bundles import (
    MONTH_FORMATS,
    REPORT_FORMATS,
    month_download,
    report_download,
    report_signature,
)
from dashboards.council.figures import figure_table_html, month_sections, month_table_html
from dashboards.council.files import attachment
from dashboards.council.scope import (
    check_rijk_totals,
    checked_organisation,
    council_only,
    organisation_name,
    principal,
)
from dashboards.margin import margin_explanation, margin_title
from dashboards.report_html import plan_table_html
from privacy.exports import release_to_json
from privacy.plan import RIJK
from privacy.releases import Release
from registry.errors import FieldError, NotFound
from registry.periods import Month
from web.access import services
from web.caching import never_cache
from web.numbers import page_locale
from web.permissions import sees_every_organisation, visible_organisations

bp = Blueprint("council", __name__, url_prefix="/raad", template_folder="templates",
               static_folder="static", static_url_path="/static")
# For the templates: the council's tables through the one table renderer
# (dashboards.charts.render), and the one wording of the margin (dashboards.margin).
for _function in (figure_table_html, month_table_html, plan_table_html, margin_title,
                  margin_explanation):
    bp.add_app_template_global(_function)


# Figures are for this council; never kept in shared caches.
never_cache(bp, keep_own=True)


@bp.get("/")
@council_only
def index() -> str:
    who = principal()
    year = _default_year()
    rows = [{"code": code, "name": organisation_name(code)}
            for code in visible_organisations(who, services().org())]
    return render_template("council/index.html", rows=rows, central=sees_every_organisation(who),
                           year=year, years=published.plan_years(services()))


@bp.get("/organisatie/<code>")
@council_only
def organisation(code: str) -> str:
    code = checked_organisation(principal(), code)
    year = year_arg()
    figures = _figures(code, year)
    archive: dict[int, list[str]] = {}
    for entry in reversed(published.published_index(services(), code)):
        archive.setdefault(entry.month.year, []).append(str(entry.month))
    return render_template("council/organisation.html", code=code,
                           name=organisation_name(code), year=year, figures=figures,
                           years=published.plan_years(services()), archive=archive,
                           report_formats=REPORT_FORMATS)


@bp.get("/organisatie/<code>/<period>")
@council_only
def month(code: str, period: str) -> str:
    code = checked_organisation(principal(), code)
    release = _publication(code, period)
    figures = published.published_month(release)
    return render_template("council/month.html", code=code, name=organisation_name(code),
                           month=figures.month, release=release,
                           sections=month_sections([figures], services().taxonomy,
                                                    page_locale()))


@bp.get("/organisatie/<code>/<period>/<fmt>")
@council_only
def month_file(code: str, period: str, fmt: str) -> Response:
    code = checked_organisation(principal(), code)
    if fmt not in MONTH_FORMATS:
        raise NotFound(_("Dit downloadformaat bestaat niet."))
    release = _publication(code, period)
    s = services()
    found = month_download(fmt, published.published_month(release), release_to_json(release),
                           organisation_name(code), s.taxonomy, s.signer, date.today())
    return attachment(found.data, found.filename, found.kind)


@bp.get("/organisatie/<code>/jaarverslag/<int:year>")
@council_only
def report_page(code: str, year: int) -> str:
    """The signalenrapportage as a page of the site, printable to A4; downloads beside it."""
    code = checked_organisation(principal(), code)
    return _report_page(code, year, organisation_name(code), [
        (fmt, url_for("council.report_file", code=code, year=year, fmt=fmt))
        for fmt in REPORT_FORMATS])


@bp.get("/rijk/rapportage/<int:year>")
@council_only
def rijk_report_page(year: int) -> str:
    check_rijk_totals(principal())
    return _report_page(RIJK, year, _("Rijksoverheid"), [
        (fmt, url_for("council.rijk_report_file", year=year, fmt=fmt))
        for fmt in REPORT_FORMATS])


@bp.get("/organisatie/<code>/jaarverslag/<int:year>/<fmt>")
@council_only
def report_file(code: str, year: int, fmt: str) -> Response:
    code = checked_organisation(principal(), code)
    return _report(code, year, fmt)


@bp.get("/rijk/rapportage/<int:year>/<fmt>")
@council_only
def rijk_report_file(year: int, fmt: str) -> Response:
    check_rijk_totals(principal())
    return _report(RIJK, year, fmt)


@bp.get("/rijk")
@council_only
def rijk() -> str:
    check_rijk_totals(principal())
    year = year_arg()
    figures = _figures(RIJK, year)
    py = published.plan_year(services(), year)
    per_organisation = organisation_totals(py) if py is not None else []
    return render_template("council/rijk.html", year=year, figures=figures,
                           years=published.plan_years(services()),
                           organisations=per_organisation, report_formats=REPORT_FORMATS)


# -- helpers -------------------------------------------------------------------------------

def _publication(code: str, period: str) -> Release:
    try:
        month = Month.parse(period)
    except ValueError:
        raise NotFound(_("Deze maand bestaat niet.")) from None
    release = published.month_release(services(), code, month)
    if release is None:
        raise NotFound(_("Voor deze maand is nog niets gepubliceerd. Cijfers verschijnen na de "
                         "maandelijkse publicatie."))
    return release



def _published(code: str, start: Month, end: Month) -> list[PublishedMonth]:
    # Parsed once per release and kept (releases are immutable): the Rijk page reads every
    # organisation's year, which would otherwise parse megabytes of JSON on every visit.
    return published.months_between(published.published_index(services(), code), start, end,
                                     services().releases)


def _default_year() -> int:
    """The last data year with a complete plan, else the running year."""
    complete = published.last_complete_year(services())
    return complete if complete is not None else Month.current().year


def year_arg() -> int:
    """?jaar= (ASCII digits only), else the last data year with a complete plan: every page of
    the portal opens on the same year."""
    raw = request.args.get("jaar", "").strip()
    if not raw:
        return _default_year()
    # ASCII digits only: '²'.isdigit() is True, and int('²') raises.
    if not re.fullmatch(r"[0-9]{4}", raw) or not 2000 <= int(raw) <= 2100:
        raise NotFound(_("Dit jaar bestaat niet."))
    return int(raw)


def _plan(year: int) -> tuple[PlanYear | None, PlanYear | None]:
    found = published.plan(services(), (year, year - 1))
    return found.get(year), found.get(year - 1)


def _figures(unit: str, year: int) -> dict[str, Any] | None:
    """The report's figures of ``unit`` (an organisation or RIJK) in ``year``, or None."""
    py, previous = _plan(year)
    if py is None:
        return None
    s = services()
    try:
        return build_report(unit, year, py, previous, s.taxonomy, s.org())
    except AnalyticsError:
        return None


def _report_page(unit: str, year: int, name: str, downloads: list[tuple[str, str]]) -> str:
    figures = _figures(unit, year) if 2000 <= year <= 2100 else None
    if figures is None:
        raise NotFound(_("Over %(year)s is voor deze organisatie nog niets gepubliceerd.",
                         year=year))
    return render_template("council/report.html", figures=figures, name=name, year=year,
                           unit=unit, downloads=downloads,
                           signature=report_signature(unit, year))


def _report(unit: str, year: int, fmt: str) -> Response:
    if fmt not in REPORT_FORMATS or not 2000 <= year <= 2100:
        raise NotFound(_("Dit downloadformaat bestaat niet."))
    py, previous = _plan(year)
    if py is None:
        raise NotFound(_("Over %(year)s is nog niets gepubliceerd; de signalenrapportage komt "
                         "er na de eerste publicatie van het plan.", year=year))
    s = services()
    try:
        found = report_download(fmt, unit, year, py, previous, s.taxonomy, s.org(), s.signer,
                                date.today())
    except AnalyticsError:
        raise NotFound(_("Over %(year)s is voor deze organisatie nog niets gepubliceerd.",
                         year=year)) from None
    return attachment(found.data, found.filename, found.kind)


def _month_arg(name: str, default: Month, errors: list[FieldError]) -> Month:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = Month.parse(raw)
    except ValueError:
        errors.append(FieldError(name, _("Vul een maand in als JJJJ-MM, bijvoorbeeld 2026-03.")))
        return default
    if value > Month.current():
        errors.append(FieldError(name, _("De maand mag niet in de toekomst liggen.")))
    return value

