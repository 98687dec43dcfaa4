"""The published figures: overview, one organisation, one month, annual reports, Rijk totals.

Everything shown here comes from the canonical monthly publications (``privacy.publication``),
post-processed with ``analytics``: no raw signal is read and no budget is spent. Every figure is
shown with its 95% interval.
"""

from __future__ import annotations

from datetime import date

from flask import Response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from analytics.published import PublishedMonth
from analytics.report import to_published_month
from analytics.rijk import rijk_totals
from dashboards import published
from dashboards.council.blueprint import bp
from dashboards.council.bundles import (
    MONTH_FORMATS,
    REPORT_FORMATS,
    month_download,
    report_download,
)
from dashboards.council.figures import month_sections, sections
from dashboards.council.files import attachment
from dashboards.council.scope import (
    checked_organisation,
    council_only,
    is_central,
    organisation_name,
    principal,
    publications,
    visible_organisations,
)
from privacy.exports import release_to_json
from privacy.releases import Release
from registry.access import services
from registry.errors import FieldError, Forbidden, NotFound
from registry.periods import Month


@bp.after_request
def _no_store(response: Response) -> Response:
    # Figures are for this council; never kept in shared caches.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.get("/")
@council_only
def index() -> str:
    who = principal()
    today = Month.current()
    rows = []
    for code in visible_organisations(who):
        found = [p for p in published.published_index(services(), code) if p.month <= today]
        rows.append({"code": code, "name": organisation_name(code),
                     "latest": str(found[-1].month) if found else None,
                     "count": len(found)})
    return render_template("council/index.html", rows=rows, central=is_central(who))


@bp.get("/organisatie/<code>")
@council_only
def organisation(code: str) -> str:
    code = checked_organisation(principal(), code)
    found = published.published_index(services(), code)
    years: dict[int, list[str]] = {}
    for entry in reversed(found):
        years.setdefault(entry.month.year, []).append(str(entry.month))
    return render_template("council/organisation.html", code=code,
                           name=organisation_name(code), years=years,
                           report_formats=REPORT_FORMATS)


@bp.get("/organisatie/<code>/<period>")
@council_only
def month(code: str, period: str) -> str:
    code = checked_organisation(principal(), code)
    release = _publication(code, period)
    published = to_published_month(release)
    return render_template("council/month.html", code=code, name=organisation_name(code),
                           month=published.month, release=release,
                           sections=month_sections([published], services().taxonomy,
                                                    _locale()))


@bp.get("/organisatie/<code>/<period>/<fmt>")
@council_only
def month_file(code: str, period: str, fmt: str) -> Response:
    code = checked_organisation(principal(), code)
    if fmt not in MONTH_FORMATS:
        raise NotFound(_("Dit downloadformaat bestaat niet."))
    release = _publication(code, period)
    s = services()
    found = month_download(fmt, to_published_month(release), release_to_json(release),
                           organisation_name(code), s.taxonomy, s.signer, date.today())
    return attachment(found.data, found.filename, found.kind)


@bp.get("/organisatie/<code>/jaarverslag/<int:year>/<fmt>")
@council_only
def report_file(code: str, year: int, fmt: str) -> Response:
    code = checked_organisation(principal(), code)
    if fmt not in REPORT_FORMATS or not 2000 <= year <= 2100:
        raise NotFound(_("Dit downloadformaat bestaat niet."))
    months = _published(code, Month(year, 1), Month(year, 12))
    if not months:
        raise NotFound(_("Over %(year)s is voor deze organisatie nog niets gepubliceerd; een "
                         "jaarverslag komt er na de eerste maandpublicatie.", year=year))
    previous = _published(code, Month(year - 1, 1), Month(year - 1, 12))
    s = services()
    found = report_download(fmt, code, year, months, previous, s.taxonomy, s.org(), s.signer,
                            date.today())
    return attachment(found.data, found.filename, found.kind)


@bp.get("/rijk")
@council_only
def rijk() -> tuple[str, int] | str:
    who = principal()
    if not is_central(who):
        raise Forbidden(_("Alleen de GOR ziet de totalen van het hele Rijk."))
    # Default: the calendar year up to last month (this month is not published yet).
    last = Month.current().add(-1)
    errors: list[FieldError] = []
    start = _month_arg("from", Month(last.year, 1), errors)
    end = _month_arg("to", last, errors)
    if not errors and start > end:
        errors.append(FieldError("from", _("De beginmaand ligt na de eindmaand.")))
    if errors:
        return render_template("council/rijk.html", errors=errors, totals=None,
                               start=request.args.get("from", ""),
                               end=request.args.get("to", "")), 422
    published = {code: _published(code, start, end) for code in visible_organisations(who)}
    totals = rijk_totals(published, start, end)
    found = sections(totals.tables, services().taxonomy, _locale())
    return render_template("council/rijk.html", errors=[], totals=totals, start=str(start),
                           end=str(end), sections=found)


# -- helpers -------------------------------------------------------------------------------

def _publication(code: str, period: str) -> Release:
    try:
        month = Month.parse(period)
    except ValueError:
        raise NotFound(_("Deze maand bestaat niet.")) from None
    release = publications().latest(code, month)
    if release is None:
        raise NotFound(_("Voor deze maand is nog niets gepubliceerd. Cijfers verschijnen na de "
                         "maandelijkse publicatie."))
    return release


def _locale() -> str:
    return "en" if str(get_locale()) == "en" else "nl"


def _published(code: str, start: Month, end: Month) -> list[PublishedMonth]:
    # Parsed once per release and kept (releases are immutable): the Rijk page reads every
    # organisation's year, which would otherwise parse megabytes of JSON on every visit.
    return published.months_between(published.published_index(services(), code), start, end,
                                     services().releases)


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

