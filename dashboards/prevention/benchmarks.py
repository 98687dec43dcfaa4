"""Comparisons: the funnel of units against their reference, and external reference rates.

The funnel (``analytics.benchmarks.funnel``) puts every released unit's rate over the chosen
period against its headcount, inside control limits that account for chance and for the noise
of the published figures: a small unit needs a large deviation before it counts. The external
comparison (``analytics.external``) sets the organisation's yearly rate of the period's last
year beside published reference rates, with the caveats those sources need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from analytics.benchmarks import LEVELS, Funnel, UnitComparison, funnel
from analytics.external import ExternalComparison, compare_external
from analytics.published import PublishedMonth
from dashboards.charts import (
    Chart,
    ChartTable,
    Column,
    FunnelLimits,
    FunnelPoint,
    IntervalRow,
    funnel_figure,
    intervals_figure,
)
from dashboards.prevention.figures import cells_in_scope
from dashboards.prevention.filters import Filters
from dashboards.prevention.units import unit_label
from registry.organisations import OrgStructure
from registry.taxonomy import Taxonomy

OUTER = LEVELS[-1]


@dataclass(frozen=True)
class BenchmarkSection:
    funnel: Chart
    category: str | None
    """The one category compared, or None for all categories together."""
    external: Chart | None
    explanations: tuple[str, ...]
    year: int


def position_names() -> dict[str, str]:
    return {
        "boven_998": _("boven de 99,8%-grens: opvallend hoog"),
        "boven_95": _("boven de 95%-grens"),
        "binnen": _("binnen de grenzen"),
        "onder_95": _("onder de 95%-grens"),
        "onder_998": _("onder de 99,8%-grens: opvallend laag"),
        "geen_vergelijking": _("geen vergelijking mogelijk"),
    }


def verdict_names() -> dict[str, str]:
    return {
        "hoger": _("hoger"), "lager": _("lager"), "binnen": _("binnen de bandbreedte"),
        "niet_te_onderscheiden": _("geen verschil vast te stellen"),
        "niet_vergelijkbaar": _("niet vergelijkbaar"),
    }


def benchmark_section(months: Sequence[PublishedMonth], org: OrgStructure, taxonomy: Taxonomy,
                      filters: Filters, locale: str) -> BenchmarkSection:
    category = filters.categories[0] if len(filters.categories) == 1 else None
    result = funnel(months, org, category=category, reference=filters.reference,
                    window=len(months), end=months[-1].month)
    in_scope = set(cells_in_scope(months, org, filters))
    points = [p for p in result.points if p.unit in in_scope]
    year = filters.end.year
    external = None
    explanations: tuple[str, ...] = ()
    if any(m.month.year == year for m in months):
        comparisons = compare_external(months, org, year=year)
        external = _external_chart(comparisons, year)
        explanations = tuple(c.explanation_nl for c in comparisons)
    label = (taxonomy.label("categories", category, locale) if category else
             _("alle categorieën samen"))
    return BenchmarkSection(_funnel_chart(result, points, org, label), category, external,
                            explanations, year)


def _group_name(name: str, organisation: str) -> str:
    if name.startswith("diepte "):
        return _("niveau %(n)s", n=name.removeprefix("diepte "))
    return _("hele organisatie") if name == organisation else name


def _funnel_chart(result: Funnel, points: Sequence[UnitComparison], org: OrgStructure,
                  label: str) -> Chart:
    level_names = {str(level): _("%(p)s%%-grens", p=_percent(level)) for level in LEVELS}
    groups = [FunnelLimits(
        _group_name(curve.group, result.organisation), [h for h, _l in curve.points],
        curve.reference_rate.value,
        [(level_names[key], [limits[key][0] for _h, limits in curve.points],
          [limits[key][1] for _h, limits in curve.points]) for key in level_names])
        for curve in result.curves]
    drawn = [FunnelPoint(org.get(p.unit).name, p.headcount, p.rate.value, p.above(OUTER))
             for p in points if p.rate is not None and p.headcount > 0]
    figure = funnel_figure(drawn, groups, x_title=_("Fte (logaritmische schaal)"),
                           y_title=_("Contacten per 100 fte per jaar"),
                           reference_name=_("referentie"),
                           point_names=(_("Eenheden"), _("Eenheden boven de 99,8%-grens")))
    positions = position_names()
    rows = []
    for p in points:
        rate, reference = p.rate, p.reference_rate
        limits = ([x for level in LEVELS for x in p.rate_limits(level)] if p.comparable
                  else [None] * (2 * len(LEVELS)))
        rows.append((
            unit_label(org, p.unit), p.headcount, p.count.value, p.count.lower, p.count.upper,
            *((rate.value, rate.lower, rate.upper) if rate is not None else (None,) * 3),
            reference.value if reference is not None else None, *limits,
            positions[p.position()],
        ))
    limit_columns = [Column(_("%(name)s %(side)s", name=level_names[str(level)], side=side), 2)
                     for level in LEVELS for side in (_("onder"), _("boven"))]
    table = ChartTable(
        _("Eenheden tegen hun referentie (%(label)s, %(months)s maanden), met het 95%%-interval "
          "en de controlegrenzen", label=label, months=len(result.window)),
        (Column(_("Eenheid")), Column(_("Fte"), 0), Column(_("Contacten"), 0),
         Column(_("95%-interval van"), 0), Column(_("95%-interval tot"), 0),
         Column(_("Per 100 fte per jaar"), 2), Column(_("95%-interval van"), 2),
         Column(_("95%-interval tot"), 2), Column(_("Referentie per 100 fte"), 2),
         *limit_columns, Column(_("Positie"))),
        tuple(rows))
    return Chart("trechter", _("Eenheden vergeleken (trechter): %(label)s", label=label),
                 figure, table)


def _external_chart(comparisons: Sequence[ExternalComparison], year: int) -> Chart:
    own = comparisons[0].rate
    rows = [IntervalRow(_("Uw organisatie, %(year)s", year=year), own.value, own.lower,
                        own.upper, True)]
    verdicts = verdict_names()
    table_rows: list[tuple[str, float | None, float | None, float | None, str]] = [
        (_("Uw organisatie, %(year)s", year=year), own.value, own.lower, own.upper, "")]
    for c in comparisons:
        b = c.benchmark
        if b.comparable:
            low, high = b.per_100
            rows.append(IntervalRow(b.label_nl(), (low + high) / 2, low, high, False))
            table_rows.append((b.label_nl(), (low + high) / 2, low, high, verdicts[c.verdict]))
        else:
            table_rows.append((b.label_nl(), None, None, None, verdicts[c.verdict]))
    figure = intervals_figure(rows, x_title=_("Per 100 medewerkers (fte) per jaar"),
                              names=(_("Uw organisatie"), _("Referentie")))
    table = ChartTable(
        _("Uw cijfer van %(year)s naast externe referentiecijfers (uw cijfer met het "
          "95%%-interval, een referentie met haar bandbreedte)", year=year),
        (Column(_("Bron")), Column(_("Per 100 per jaar"), 2), Column(_("Van"), 2),
         Column(_("Tot"), 2), Column(_("Uw cijfer is")), ), tuple(table_rows))
    return Chart("extern", _("Extern vergeleken"), figure, table)


def _percent(level: float) -> str:
    text = f"{level * 100:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")
