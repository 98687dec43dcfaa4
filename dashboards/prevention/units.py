"""The unit x category heat map with the checks marked, and the list of flags with evidence.

Cells are contacts per 100 FTE per year over the chosen period in the unit's own cell (its own
staff plus merged-in small units), because units differ in size; the table beside it gives the
count too, each with its 95% interval. The checks (``analytics.checks``: consistent, stable,
remarkable) look at the last six published months of the period. A cell is marked with a
symbol for every check that says "ja", so the marks read without colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from analytics.benchmarks import compare_units
from analytics.checks import CHECKS, CheckRules, PairCheck, run_checks
from analytics.intervals import nl_number
from analytics.published import PublishedMonth
from dashboards import published as data
from dashboards.charts import Chart, ChartTable, Column, heatmap_figure
from dashboards.prevention.figures import cells_in_scope, shown_categories
from dashboards.prevention.filters import Filters
from registry.organisations import OrgStructure
from registry.taxonomy import Taxonomy

MARKS = {"remarkable": "⚑", "consistent": "C", "stable": "S"}


@dataclass(frozen=True)
class CheckLine:
    name: str
    status: str
    explanation: str


@dataclass(frozen=True)
class FlagItem:
    unit: str
    unit_name: str
    category: str
    flagged: bool
    """Remarkable: a possible hotspot. Otherwise only consistent and/or stable."""
    checks: tuple[CheckLine, ...]


@dataclass(frozen=True)
class UnitSection:
    chart: Chart
    flags: tuple[FlagItem, ...]
    window: tuple[str, ...]
    categories: tuple[str, ...]
    defaulted: bool


def check_names() -> dict[str, str]:
    return {"remarkable": _("Opvallend"), "consistent": _("Consistent"),
            "stable": _("Stabiel")}


def unit_label(org: OrgStructure, code: str) -> str:
    # Names need not be unique in an organisation chart; the code makes the label unique.
    return f"{org.get(code).name} ({code})"


def unit_section(months: Sequence[PublishedMonth], org: OrgStructure, taxonomy: Taxonomy,
                 filters: Filters, locale: str) -> UnitSection:
    categories, defaulted = shown_categories(months, org, taxonomy, filters)
    units = cells_in_scope(months, org, filters)
    labels = {c: taxonomy.label("categories", c, locale) for c in categories}
    sums = data.sums(months, "contacts_unit_category")
    comparisons = {c: compare_units(months, org, category=c, reference=filters.reference,
                                    sums=sums) for c in categories}
    report = run_checks(months, org, end=months[-1].month, categories=categories,
                        rules=CheckRules(reference=filters.reference))
    pairs = {(p.unit, p.category): p for p in report.pairs}
    names = check_names()
    z: list[list[float | None]] = []
    marks: list[list[str]] = []
    rows = []
    for unit in units:
        z_row, mark_row = [], []
        for category in categories:
            comparison = comparisons[category][unit]
            pair = pairs[(unit, category)]
            rate = comparison.rate
            z_row.append(rate.value if rate is not None else None)
            symbols = "".join(MARKS[c] for c in ("remarkable", "consistent", "stable")
                              if getattr(pair, c).flagged)
            value = nl_number(rate.value, 1) if rate is not None else "–"
            mark_row.append(f"{value} {symbols}".strip())
            count = comparison.count
            rows.append((
                unit_label(org, unit), labels[category], count.value, count.lower, count.upper,
                *((rate.value, rate.lower, rate.upper) if rate is not None else (None,) * 3),
                *(getattr(pair, c).status for c in ("remarkable", "consistent", "stable")),
            ))
        z.append(z_row)
        marks.append(mark_row)
    figure = heatmap_figure([unit_label(org, u) for u in units],
                            [labels[c] for c in categories], z, marks,
                            value_title=_("per 100 fte per jaar"))
    table = ChartTable(
        _("Contacten per eenheid en categorie, %(start)s tot en met %(end)s, met het "
          "95%%-interval en de uitkomst van de controles", start=str(filters.start),
          end=str(filters.end)),
        (Column(_("Eenheid")), Column(_("Categorie")), Column(_("Contacten"), 0),
         Column(_("95%-interval van"), 0), Column(_("95%-interval tot"), 0),
         Column(_("Per 100 fte per jaar"), 2), Column(_("95%-interval van"), 2),
         Column(_("95%-interval tot"), 2), Column(names["remarkable"]),
         Column(names["consistent"]), Column(names["stable"])),
        tuple(rows))
    chart = Chart("heatmap", _("Contacten per 100 fte per eenheid en categorie"), figure, table)
    in_scope = set(units)
    flags = [_flag(org, pair, labels[pair.category], names) for pair in report.pairs
             if pair.unit in in_scope and any(getattr(pair, c).flagged for c in CHECKS)]
    flags.sort(key=lambda f: (not f.flagged, f.unit_name, f.category))
    return UnitSection(chart, tuple(flags), report.window, categories, defaulted)


def _flag(org: OrgStructure, pair: PairCheck, category: str, names: dict[str, str]) -> FlagItem:
    checks = tuple(CheckLine(names[c], getattr(pair, c).status, getattr(pair, c).explanation_nl)
                   for c in ("remarkable", "consistent", "stable"))
    return FlagItem(pair.unit, unit_label(org, pair.unit), category, pair.flagged, checks)
