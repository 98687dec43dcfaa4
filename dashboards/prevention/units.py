"""Categories: the organisation's cases by category, and per DG row, with the "opvallend" rule.

Read from the release plan: the last complete year's category table of the organisation
(combined by least squares) and, for the running year, the published half years per DG row
(``PlanYear.dg_half``). The DG rows are the organisation's directorates-general of at least
2000 FTE plus one row for the rest of its staff. Categories are shown in taxonomy order, never
ranked by noisy values.

Flags (until the redesign): a DG row x category is "opvallend" only when its one-sided lower
bound, Bonferroni-corrected over all DG x category pairs tested on the page, exceeds the count
expected from the organisation's figure for that category times the row's FTE share.
Otherwise nothing is named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from analytics.intervals import Estimate, nl_number, z_value
from analytics.plan import PlanYear
from analytics.reading import display
from dashboards.charts import Chart, ChartTable, Column, IntervalRow, heatmap_figure
from dashboards.charts import intervals_figure as _intervals
from dashboards.prevention.figures import Plan, latest_complete
from dashboards.prevention.filters import Filters
from registry.organisations import OrgStructure
from registry.taxonomy import Taxonomy

FLAG = "⚑"
ALPHA = 0.05


@dataclass(frozen=True)
class Flag:
    period: str
    row: str
    row_name: str
    category: str
    count: Estimate
    bound: float
    expected: float
    explanation: str


@dataclass(frozen=True)
class Cell:
    period: str
    row: str
    category: str
    count: Estimate
    expected: float | None
    bound: float | None
    flagged: bool


@dataclass(frozen=True)
class UnitSection:
    charts: tuple[Chart, ...]
    flags: tuple[Flag, ...]
    tested: int
    year: int | None
    halves: tuple[str, ...]
    categories: tuple[str, ...]
    rule: str


def check_names() -> dict[str, str]:
    return {"remarkable": _("Opvallend")}


def unit_label(org: OrgStructure, code: str) -> str:
    # Names need not be unique in an organisation chart; the code makes the label unique.
    return f"{org.get(code).name} ({code})"


def row_label(org: OrgStructure, organisation: str, row: str) -> str:
    if row == organisation:
        return _("Rest van %(name)s (%(code)s)", name=org.get(organisation).name, code=row)
    return unit_label(org, row)


def row_fte(org: OrgStructure, organisation: str, rows: Sequence[str]) -> dict[str, float]:
    """FTE per DG row; the organisation's own row holds its staff outside the large DGs."""
    total = float(org.get(organisation).headcount)
    out = {r: float(org.get(r).headcount) for r in rows if r != organisation}
    if organisation in rows:
        out[organisation] = max(total - sum(out.values()), 0.0)
    return out


def rule_sentence(tested: int) -> str:
    return _("Een combinatie van DG en categorie heet alleen 'opvallend' als zelfs de "
             "ondergrens van het aantal zaken (eenzijdig, gecorrigeerd voor alle %(n)s "
             "getoonde combinaties) hoger ligt dan het aantal dat je verwacht uit het cijfer "
             "van de hele organisatie voor die categorie en het aandeel van de DG in de fte; "
             "anders noemen we niets.", n=tested)


def dg_cells(plan: Plan, org: OrgStructure, organisation: str, categories: Sequence[str],
             end_year: int) -> tuple[list[Cell], PlanYear | None, tuple[str, ...]]:
    """Every DG row x category of the last complete year and of the running year's halves,
    with the Bonferroni-corrected test applied over all of them."""
    raw: list[tuple[str, str, str, Estimate, Estimate]] = []  # period, row, code, count, org
    complete = latest_complete(plan, end_year)
    fte: dict[str, float] = {}
    if complete is not None:
        rows = complete.dg_rows(organisation)
        fte.update(row_fte(org, organisation, rows))
        for code in categories:
            if code not in complete.category_codes():
                continue
            whole = complete.category(organisation, code)
            for row in rows:
                count = (complete.rest_row(organisation, code) if row == organisation
                         else complete.category(row, code))
                raw.append((str(complete.year), row, code, count, whole))
    halves: list[str] = []
    running = plan.get(end_year) if end_year in plan and not plan[end_year].complete else None
    if running is not None:
        for half in (f"{end_year}-H1", f"{end_year}-H2"):
            table = running.dg_half(half)
            if table is None:
                continue
            rows = tuple(u for u in table.units() if org.get(u).organisation == organisation)
            fte.update(row_fte(org, organisation, rows))
            halves.append(half)
            for code in categories:
                if code not in table.codes():
                    continue
                cells = [table.get(r, code, half) for r in rows]
                whole = Estimate(sum(c.value for c in cells), sum(c.variance for c in cells))
                for row, count in zip(rows, cells, strict=True):
                    raw.append((half, row, code, count, whole))
    total_fte = float(org.get(organisation).headcount)
    testable = [r for r in raw if _rows_in(raw, r[0]) >= 2]
    tested = len(testable)
    z = z_value(1 - ALPHA / tested, one_sided=True) if tested else 0.0
    out = []
    for period, row, code, count, whole in raw:
        if tested and _rows_in(raw, period) >= 2 and total_fte > 0:
            expected = max(whole.value, 0.0) * fte.get(row, 0.0) / total_fte
            bound = count.value - z * count.sd
            out.append(Cell(period, row, code, count, expected, bound, bound > expected))
        else:
            out.append(Cell(period, row, code, count, None, None, False))
    return out, complete, tuple(halves)


def _rows_in(raw: Sequence[tuple[str, str, str, Estimate, Estimate]], period: str) -> int:
    return len({r[1] for r in raw if r[0] == period})


def unit_section(plan: Plan, org: OrgStructure, taxonomy: Taxonomy, filters: Filters,
                 locale: str) -> UnitSection:
    organisation = filters.organisation
    categories = filters.categories or tuple(taxonomy.codes("categories"))
    labels = {c: taxonomy.label("categories", c, locale) for c in categories}
    charts: list[Chart] = []
    complete = latest_complete(plan, filters.end.year)
    if complete is not None:
        charts.append(_category_chart(complete, organisation, categories, labels))
    cells, _complete, halves = dg_cells(plan, org, organisation, categories, filters.end.year)
    tested = sum(1 for c in cells if c.bound is not None)
    if cells:
        charts.append(_dg_chart(cells, org, organisation, categories, labels))
    flags = tuple(
        Flag(c.period, c.row, row_label(org, organisation, c.row), labels[c.category], c.count,
             c.bound or 0.0, c.expected or 0.0,
             _("In %(period)s: ondergrens %(bound)s zaken, verwacht %(expected)s op grond van "
               "de hele organisatie en het aandeel fte (geschat %(value)s, 95%%-interval "
               "%(low)s tot %(high)s).", period=c.period, bound=nl_number(c.bound or 0.0, 1),
               expected=nl_number(c.expected or 0.0, 1), value=nl_number(c.count.value, 1),
               low=nl_number(max(c.count.lower, 0.0), 1), high=nl_number(c.count.upper, 1)))
        for c in cells if c.flagged)
    return UnitSection(tuple(charts), flags, tested,
                       complete.year if complete else None, halves, categories,
                       rule_sentence(tested))


def _category_chart(py: PlanYear, organisation: str, categories: Sequence[str],
                    labels: dict[str, str]) -> Chart:
    shown = [(labels[c], display(py.category(organisation, c)))
             for c in categories if c in py.category_codes()]
    figure = _intervals([IntervalRow(label, s.value, s.lower, s.upper, True)
                         for label, s in shown], x_title=_("Zaken"),
                        names=(_("Uw organisatie"), _("Referentie")))
    table = ChartTable(
        _("Zaken per categorie in %(year)s (een zaak met meer categorieën telt naar rato), met "
          "het 95%%-interval", year=py.year),
        (Column(_("Categorie")), Column(_("Zaken"), 0), Column(_("95%-interval van"), 0),
         Column(_("95%-interval tot"), 0)),
        tuple((label, s.cell, s.low, s.high) for label, s in shown))
    return Chart("categorie-jaar", _("Zaken per categorie, %(year)s", year=py.year), figure,
                 table)


def _dg_chart(cells: Sequence[Cell], org: OrgStructure, organisation: str,
              categories: Sequence[str], labels: dict[str, str]) -> Chart:
    latest = cells[-1].period
    in_latest = [c for c in cells if c.period == latest]
    rows = list(dict.fromkeys(c.row for c in in_latest))
    codes = [c for c in categories if any(x.category == c for x in in_latest)]
    by_key = {(c.row, c.category): c for c in in_latest}
    z: list[list[float | None]] = []
    marks: list[list[str]] = []
    for row in rows:
        z_row, mark_row = [], []
        for code in codes:
            cell = by_key[(row, code)]
            s = display(cell.count)
            z_row.append(s.chart_value)
            text = "?" if s.too_uncertain else s.number
            mark_row.append(f"{text} {FLAG}" if cell.flagged else text)
        z.append(z_row)
        marks.append(mark_row)
    figure = heatmap_figure([row_label(org, organisation, r) for r in rows],
                            [labels[c] for c in codes], z, marks, value_title=_("zaken"))
    table_rows = []
    for c in cells:
        s = display(c.count)
        table_rows.append((row_label(org, organisation, c.row), c.period, labels[c.category],
                           s.cell, s.low, s.high, c.expected,
                           (_("ja") if c.flagged else _("nee")) if c.bound is not None
                           else _("niet getest")))
    table = ChartTable(
        _("Zaken per DG en categorie, met het 95%%-interval, het verwachte aantal en de "
          "uitkomst van de regel voor 'opvallend'"),
        (Column(_("DG")), Column(_("Periode")), Column(_("Categorie")), Column(_("Zaken"), 0),
         Column(_("95%-interval van"), 0), Column(_("95%-interval tot"), 0),
         Column(_("Verwacht"), 1), Column(_("Opvallend"))),
        tuple(table_rows))
    return Chart("dg-categorie", _("Zaken per DG en categorie (%(period)s)", period=latest),
                 figure, table,
                 notes=(_("'?' in een cel: te onzeker, de marge is groter dan het aantal; de "
                          "tabel geeft de marge."),))
