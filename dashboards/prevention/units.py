"""Categories: the organisation's cases by category, per DG row, and what stands out.

Read from the release plan: the last complete year's category table of the organisation
(combined by least squares) and, for the running year, the published half years per DG row
(``PlanYear.dg_half``). The DG rows are the organisation's directorates-general of at least
2000 FTE plus one row for the rest of its staff. Categories are shown in taxonomy order, never
ranked by noisy values.

What stands out is decided by the hotspot checks (``analytics.hotspots``, one family per report
with a familywise error of 5%) and said by ``analytics.findings``, as on the API and in the
signalenrapportage: the last complete year as a whole and each published half year of the
running year, each in three lists (gevonden, te klein om te beoordelen, niets gevonden).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from analytics.findings import CheckSummary, intro_text, page_summaries
from analytics.hotspots import Verdict
from analytics.intervals import Estimate
from analytics.plan import PlanYear
from analytics.reading import Reading, display
from dashboards.charts.figures import IntervalRow, heatmap_figure
from dashboards.charts.figures import intervals_figure as _intervals
from dashboards.charts.table import ChartTable, Column, Drawn
from dashboards.prevention.figures import Plan, latest_complete
from dashboards.prevention.filters import Filters
from dashboards.prevention.unit_rows import rows_for_unit, unit_label
from registry.organisations import OrgStructure
from registry.taxonomy import Taxonomy

FLAG = "⚑"


@dataclass(frozen=True)
class Cell:
    period: str
    row: str
    category: str
    count: Estimate
    expected: float | None
    verdict: Verdict | None
    """The checks' verdict for this DG row x category in this period; None: not checked."""

    @property
    def flagged(self) -> bool:
        return self.verdict is Verdict.FOUND


@dataclass(frozen=True)
class UnitSection:
    checks: tuple[CheckSummary, ...]
    """One per period checked: the last complete year, the running year's half years."""
    year: int | None
    halves: tuple[str, ...]
    categories: tuple[str, ...]
    rule: str
    org: OrgStructure
    organisation: str
    labels: dict[str, str]
    """The categories' labels, by code."""
    year_counts: tuple[tuple[str, Reading], ...]
    """The organisation's cases per category (label) in the last complete year."""
    cells: tuple[Cell, ...]
    scope: str = ""
    """The one DG row the unit filter shows (its label), or "" for the whole organisation."""
    unit_note: str | None = None
    """Why the rows shown are wider than the chosen unit (``unit_rows``), if they are."""


def row_label(org: OrgStructure, organisation: str, row: str) -> str:
    if row == organisation:
        return str(_("Rest van %(name)s (%(code)s)", name=org.get(organisation).name, code=row))
    return unit_label(org, row)


def row_fte(org: OrgStructure, organisation: str, rows: Sequence[str]) -> dict[str, float]:
    """FTE per DG row; the organisation's own row holds its staff outside the large DGs."""
    total = float(org.get(organisation).headcount)
    out = {r: float(org.get(r).headcount) for r in rows if r != organisation}
    if organisation in rows:
        out[organisation] = max(total - sum(out.values()), 0.0)
    return out


def verdict_names() -> dict[Verdict | None, str]:
    return {Verdict.FOUND: _("gevonden"), Verdict.TOO_SMALL: _("te klein om te beoordelen"),
            Verdict.NOTHING: _("niets gevonden"), None: _("niet bekeken")}


def dg_cells(plan: Plan, org: OrgStructure, organisation: str, categories: Sequence[str],
             end_year: int, checks: Sequence[CheckSummary] = (),
             ) -> tuple[list[Cell], PlanYear | None, tuple[str, ...]]:
    """Every DG row x category of the last complete year and of the running year's halves,
    with the checks' verdict of each (``checks``, by period)."""
    verdicts = {(c.period, p.unit, p.category): p for c in checks for r in c.reports
                for p in r.pairs}
    raw: list[tuple[str, str, str, Estimate]] = []  # period, row, code, count
    complete = latest_complete(plan, end_year)
    if complete is not None:
        for code in categories:
            if code not in complete.category_codes():
                continue
            for row in complete.dg_rows(organisation):
                count = (complete.rest_row(organisation, code) if row == organisation
                         else complete.category(row, code))
                raw.append((str(complete.year), row, code, count))
    halves: list[str] = []
    running = plan.get(end_year) if end_year in plan and not plan[end_year].complete else None
    if running is not None:
        for half in (f"{end_year}-H1", f"{end_year}-H2"):
            table = running.dg_half(half)
            if table is None:
                continue
            rows = tuple(u for u in table.units() if running.owner(u) == organisation)
            halves.append(half)
            for code in categories:
                if code not in table.codes():
                    continue
                raw.extend((half, row, code, table.get(row, code, half)) for row in rows)
    out = []
    for period, row, code, count in raw:
        unit = f"{organisation}:rest" if row == organisation else row
        pair = verdicts.get((period, unit, code))
        out.append(Cell(period, row, code, count, pair.expected if pair else None,
                        pair.verdict if pair else None))
    return out, complete, tuple(halves)


def unit_section(plan: Plan, org: OrgStructure, taxonomy: Taxonomy, filters: Filters,
                 locale: str) -> UnitSection:
    organisation = filters.organisation
    categories = filters.categories or tuple(taxonomy.codes("categories"))
    labels = {c: taxonomy.label("categories", c, locale) for c in categories}
    complete = latest_complete(plan, filters.end.year)
    checks = tuple(page_summaries(dict(plan), organisation, filters.end, org, taxonomy, _=_,
                                  locale=locale, categories=filters.categories or None))
    cells, _complete, halves = dg_cells(plan, org, organisation, categories, filters.end.year,
                                        checks)
    # The unit filter narrows the rows shown; the checks stay one family over every row.
    choice = rows_for_unit(org, organisation, dict.fromkeys(c.row for c in cells), filters.unit)
    cells = [c for c in cells if c.row in choice.rows]
    scope = ""
    if complete is not None and filters.unit and len(choice.rows) == 1:
        row = choice.rows[0]
        scope = row_label(org, organisation, row)
        year_counts = tuple(
            (labels[c], display(complete.rest_row(organisation, c) if row == organisation
                                else complete.category(row, c)))
            for c in categories if c in complete.category_codes())
    elif complete is not None:
        year_counts = tuple((labels[c], display(complete.category(organisation, c)))
                            for c in categories if c in complete.category_codes())
    else:
        year_counts = ()
    return UnitSection(checks, complete.year if complete else None, halves, categories,
                       intro_text(organisation, org, _), org, organisation, labels, year_counts,
                       tuple(cells), scope, choice.note)


def category_chart(section: UnitSection) -> Drawn | None:
    if section.year is None:
        return None
    shown = section.year_counts
    figure = _intervals([IntervalRow.shown(label, s) for label, s in shown], x_title=_("Zaken"),
                        names=(_("Uw organisatie"), _("Referentie")))
    table = ChartTable(
        _("Zaken per categorie in %(year)s (een zaak met meer categorieën telt naar rato), met "
          "het 95%%-interval", year=section.year),
        (Column(_("Categorie")), Column(_("Zaken"), 0), Column(_("95%-interval van"), 0),
         Column(_("95%-interval tot"), 0)),
        tuple((label, s.cell, s.low, s.high) for label, s in shown))
    title = (_("Zaken per categorie in %(row)s, %(year)s", row=section.scope, year=section.year)
             if section.scope else _("Zaken per categorie, %(year)s", year=section.year))
    return Drawn(title, figure, table)


def dg_chart(section: UnitSection) -> Drawn | None:
    if not section.cells:
        return None
    return _dg_chart(section.cells, section.org, section.organisation, section.categories,
                     section.labels)


def _dg_chart(cells: Sequence[Cell], org: OrgStructure, organisation: str,
              categories: Sequence[str], labels: dict[str, str]) -> Drawn:
    latest = cells[-1].period
    in_latest = [c for c in cells if c.period == latest]
    rows = list(dict.fromkeys(c.row for c in in_latest))
    codes = [c for c in categories if any(x.category == c for x in in_latest)]
    by_key = {(c.row, c.category): c for c in in_latest}
    # Categories down, DG rows across: the categories are the longer list (the DG rows of an
    # organisation are a few), and a long list of rows stays readable on a phone.
    z: list[list[float | None]] = []
    marks: list[list[str]] = []
    for code in codes:
        z_row, mark_row = [], []
        for row in rows:
            cell = by_key[(row, code)]
            s = display(cell.count)
            z_row.append(s.chart_value)
            text = "?" if s.too_uncertain else s.number
            mark_row.append(f"{text} {FLAG}" if cell.flagged else text)
        z.append(z_row)
        marks.append(mark_row)
    figure = heatmap_figure([labels[c] for c in codes],
                            [row_label(org, organisation, r) for r in rows], z, marks,
                            value_title=_("zaken"))
    table_rows = []
    names = verdict_names()
    for c in cells:
        s = display(c.count)
        table_rows.append((row_label(org, organisation, c.row), c.period, labels[c.category],
                           s.cell, s.low, s.high, c.expected, names[c.verdict]))
    table = ChartTable(
        _("Zaken per DG en categorie, met het 95%-interval, het verwachte aantal en wat de "
          "toets zegt (gevonden, te klein om te beoordelen of niets gevonden)"),
        (Column(_("DG")), Column(_("Periode")), Column(_("Categorie")), Column(_("Zaken"), 0),
         Column(_("95%-interval van"), 0), Column(_("95%-interval tot"), 0),
         Column(_("Verwacht"), 1), Column(_("Uitkomst"))),
        tuple(table_rows))
    return Drawn(_("Zaken per DG en categorie (%(period)s)", period=latest),
                 figure, table,
                 notes=(_("'?' in een cel: te onzeker, de marge is groter dan het aantal; de "
                          "tabel geeft de marge."),
                        _("%(flag)s in een cel: deze DG valt op voor deze categorie (zie 'Wat "
                          "valt op?').", flag=FLAG)))
