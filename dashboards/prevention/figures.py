"""Trends and follow-up (PDCA) of the dashboard: published months in, charts and sentences out.

Everything is post-processing of the monthly publications by ``analytics`` (no raw signals, no
budget). Each figure keeps its 95% interval in the chart (band or error bar) and in the table.
Sentences about changes are only written for changes whose interval excludes zero: a change
within the margin is noise, not news.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from analytics.intervals import Estimate, nl_number
from analytics.monitoring import follow_up_monitor
from analytics.published import PublishedMonth, released_subtree, unit_codes
from analytics.trends import Trend, trends_by_category
from dashboards import published as data
from dashboards.charts import Chart, ChartTable, Column, Series, lines_figure
from dashboards.prevention.filters import Filters
from registry.organisations import OrgStructure
from registry.taxonomy import Taxonomy

DEFAULT_CATEGORY_COUNT = 5
MAX_SENTENCES = 20


@dataclass(frozen=True)
class Section:
    charts: tuple[Chart, ...]
    sentences: tuple[str, ...]
    categories: tuple[str, ...]
    """The categories shown (chosen, or the default choice)."""
    defaulted: bool


def cells_in_scope(months: Sequence[PublishedMonth], org: OrgStructure, filters: Filters,
                   ) -> list[str]:
    """Released units of the newest month within the chosen subtree (all, without a unit)."""
    units = unit_codes(months[-1].table("contacts_unit_category"), org, filters.organisation)
    chosen = set(units if filters.unit is None else
                 released_subtree(org, filters.unit, set(units)))
    # In the order of the structure (parents before their units), as the unit list shows them.
    return [u.code for u in org.units if u.code in chosen]


def shown_categories(months: Sequence[PublishedMonth], org: OrgStructure, taxonomy: Taxonomy,
                     filters: Filters) -> tuple[tuple[str, ...], bool]:
    """The chosen categories, or else the few with the most contacts in the chosen scope.

    The default is picked from published (noisy) sums, so it reveals nothing new.
    """
    if filters.categories:
        return filters.categories, False
    sums = data.sums(months, "contacts_unit_category")
    units = cells_in_scope(months, org, filters)
    totals = {c: sum(sums.get(u, c) for u in units) for c in taxonomy.codes("categories")}
    top = sorted(totals, key=lambda c: -totals[c])[:DEFAULT_CATEGORY_COUNT]
    return tuple(c for c in taxonomy.codes("categories") if c in top), True


def trend_section(months: Sequence[PublishedMonth], org: OrgStructure, taxonomy: Taxonomy,
                  filters: Filters, locale: str) -> Section:
    categories, defaulted = shown_categories(months, org, taxonomy, filters)
    trends = trends_by_category(months, org, unit=filters.unit, categories=categories,
                                grain=filters.grain, scope="subtree")
    labels = {c: taxonomy.label("categories", c, locale) for c in categories}
    grain = _grain(filters.grain)
    counts = lines_figure([_series(labels[t.category or ""], t, rate=False) for t in trends],
                          x_title=grain, y_title=_("Aantal contacten"))
    rates = lines_figure([_series(labels[t.category or ""], t, rate=True) for t in trends],
                         x_title=grain, y_title=_("Contacten per 100 fte per jaar"))
    interval = (Column(_("95%-interval van"), 0), Column(_("95%-interval tot"), 0))
    count_rows = tuple(
        (labels[t.category or ""], p.period, p.count.value, p.count.lower, p.count.upper,
         _("ja") if p.complete else _("nee"))
        for t in trends for p in t.points)
    rate_rows = tuple(
        (labels[t.category or ""], p.period, *(_triple(p.rate) if p.rate else (None,) * 3),
         p.headcount)
        for t in trends for p in t.points)
    charts = (
        Chart("trend-aantal", _("Aantal contacten per categorie"), counts, ChartTable(
            _("Aantal contacten per categorie en %(grain)s, met het 95%%-interval", grain=grain),
            (Column(_("Categorie")), Column(_("Periode")), Column(_("Aantal contacten"), 0),
             *interval, Column(_("Volledige periode"))), count_rows)),
        Chart("trend-per-100-fte", _("Contacten per 100 fte per jaar, per categorie"), rates,
              ChartTable(
                  _("Contacten per 100 fte per jaar, per categorie en %(grain)s, met het "
                    "95%%-interval", grain=grain),
                  (Column(_("Categorie")), Column(_("Periode")),
                   Column(_("Per 100 fte per jaar"), 2), Column(_("95%-interval van"), 2),
                   Column(_("95%-interval tot"), 2), Column(_("Fte"), 0)), rate_rows)),
    )
    return Section(charts, _trend_sentences(trends, labels), categories, defaulted)


def follow_up_section(months: Sequence[PublishedMonth], taxonomy: Taxonomy, filters: Filters,
                      locale: str) -> Section:
    monitor = follow_up_monitor(months, grain=filters.grain)
    codes = list(dict.fromkeys(s.follow_up for p in monitor.periods for s in p.shares))
    labels = {c: taxonomy.label("follow_up", c, locale) for c in codes}
    series = []
    for code in codes:
        points = [(p.period, p.get(code).share) for p in monitor.periods]
        series.append(Series(
            labels[code], [period for period, _share in points],
            [100 * s.value if s else float("nan") for _period, s in points],
            [100 * s.lower if s else float("nan") for _period, s in points],
            [100 * s.upper if s else float("nan") for _period, s in points]))
    figure = lines_figure(series, x_title=_grain(filters.grain),
                          y_title=_("Aandeel van alle contacten (%)"), bands=False)
    rows = []
    for period in monitor.periods:
        for item in period.shares:
            share = item.share
            rows.append((labels[item.follow_up], period.period, *_triple(item.count),
                         *(tuple(100 * v for v in _triple(share)) if share else (None,) * 3),
                         _("ja") if item.reliable else _("nee")))
    table = ChartTable(
        _("Contacten en aandeel per soort opvolging en %(grain)s, met het 95%%-interval",
          grain=_grain(filters.grain)),
        (Column(_("Opvolging")), Column(_("Periode")), Column(_("Contacten"), 0),
         Column(_("95%-interval van"), 0), Column(_("95%-interval tot"), 0),
         Column(_("Aandeel (%)"), 1), Column(_("95%-interval van (%)"), 1),
         Column(_("95%-interval tot (%)"), 1), Column(_("Betrouwbaar"))), tuple(rows))
    chart = Chart("opvolging", _("Aandeel per soort opvolging"), figure, table)
    sentences = []
    for change in monitor.changes:
        if change.is_real:
            sentences.append(_change_sentence(labels[change.follow_up], change.period,
                                              change.reference_period,
                                              change.difference.scaled(100), _("procentpunt")))
    for share_trend in monitor.trends:
        if share_trend.is_real:
            slope = share_trend.slope.scaled(100)
            sentences.append(_(
                "%(label)s: het aandeel %(direction)s met %(value)s procentpunt per %(grain)s "
                "(95%%-interval %(low)s tot %(high)s).",
                label=labels[share_trend.follow_up],
                direction=_("stijgt") if slope.value > 0 else _("daalt"),
                value=nl_number(abs(slope.value), 1), grain=_grain(filters.grain),
                low=nl_number(slope.lower, 1), high=nl_number(slope.upper, 1)))
    return Section((chart,), tuple(sentences[:MAX_SENTENCES]), (), False)


def _grain(grain: str) -> str:
    return {"month": _("maand"), "quarter": _("kwartaal"), "year": _("jaar")}[grain]


def _triple(estimate: Estimate) -> tuple[float, float, float]:
    return estimate.value, estimate.lower, estimate.upper


def _series(label: str, trend: Trend, *, rate: bool) -> Series:
    values = [(p.rate if rate else p.count) for p in trend.points]
    nan = float("nan")
    return Series(label, [p.period for p in trend.points],
                  [v.value if v else nan for v in values], [v.lower if v else nan for v in values],
                  [v.upper if v else nan for v in values])


def _trend_sentences(trends: Sequence[Trend], labels: dict[str, str]) -> tuple[str, ...]:
    out = []
    for t in trends:
        for change in t.changes:
            if change.is_real:
                out.append(_change_sentence(labels[t.category or ""], change.period,
                                            change.reference_period, change.difference,
                                            _("contacten")))
    return tuple(out[-MAX_SENTENCES:])


def _change_sentence(label: str, period: str, reference: str, difference: Estimate,
                     unit: str) -> str:
    return _("%(label)s: in %(period)s %(direction)s dan in %(reference)s, verschil %(value)s "
             "%(unit)s (95%%-interval %(low)s tot %(high)s).",
             label=label, period=period, reference=reference,
             direction=_("hoger") if difference.value > 0 else _("lager"),
             value=nl_number(difference.value, 1), unit=unit,
             low=nl_number(difference.lower, 1), high=nl_number(difference.upper, 1))
