"""Comparisons from the release plan: the DG rows against the organisation, and external rates.

For the last complete data year: every DG row's cases per 100 FTE (one chosen category, or all
categories together) beside the organisation's rate, each with its 95% interval, and the
organisation's yearly rate beside published reference rates (``analytics.external``). Rates
follow the display rule: never below zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from analytics.external import ExternalComparison, _verdict, external_benchmarks
from analytics.intervals import Estimate, rate_per_100_fte
from analytics.intervals import total as sum_of
from analytics.plan import PlanYear
from analytics.reading import Kind, Reading, display
from dashboards.charts.figures import IntervalRow, intervals_figure
from dashboards.charts.table import ChartTable, Column, Drawn
from dashboards.prevention.figures import Plan, latest_complete
from dashboards.prevention.filters import Filters
from dashboards.prevention.unit_rows import rows_for_unit
from dashboards.prevention.units import row_fte, row_label
from registry.organisations import OrgStructure
from registry.taxonomy import Taxonomy


@dataclass(frozen=True)
class BenchmarkSection:
    category: str | None
    """The one category compared, or None for all categories together."""
    explanations: tuple[str, ...]
    year: int | None
    label: str = ""
    """What is compared: the category's label, or all categories together."""
    rates: tuple[tuple[str, float, Reading, bool], ...] = ()
    """Per row (the reference first, if any, then each DG row): name, FTE, rate, and whether
    it is a compared row (True) or the reference it is compared with (False)."""
    comparisons: tuple[ExternalComparison, ...] = ()
    reference: str = "peers"
    """``peers``: the DG rows beside each other; ``organisation``: each beside the whole."""
    unit_note: str | None = None
    """Why the rows shown are wider than the chosen unit (``unit_rows``), if they are."""


def verdict_names() -> dict[str, str]:
    return {
        "hoger": _("hoger"), "lager": _("lager"), "binnen": _("binnen de bandbreedte"),
        "niet_te_onderscheiden": _("geen verschil vast te stellen"),
        "niet_vergelijkbaar": _("niet vergelijkbaar"),
    }


def row_count(py: PlanYear, organisation: str, row: str, codes: Sequence[str]) -> Estimate:
    return sum_of(py.rest_row(organisation, c) if row == organisation else py.category(row, c)
                  for c in codes)


def compare_rate(organisation: str, year: int, rate: Estimate) -> tuple[ExternalComparison, ...]:
    out = []
    for b in external_benchmarks():
        verdict, text = _verdict(b, rate)
        out.append(ExternalComparison(b, organisation, year, 12, rate, verdict, text))
    return tuple(out)


def benchmark_section(plan: Plan, org: OrgStructure, taxonomy: Taxonomy, filters: Filters,
                      locale: str) -> BenchmarkSection:
    category = filters.categories[0] if len(filters.categories) == 1 else None
    py = latest_complete(plan, filters.end.year)
    if py is None:
        return BenchmarkSection(category, (), None)
    organisation = filters.organisation
    codes = [category] if category else list(py.category_codes())
    label = (taxonomy.label("categories", category, locale) if category else
             _("alle categorieën samen"))
    fte = row_fte(org, organisation, py.dg_rows(organisation))
    org_fte = org.get(organisation).headcount
    # All categories together: the organisation's total, the same figure as in the external
    # comparison below (the direct total and the sum of the categories, combined).
    whole = (py.total(organisation) if category is None
             else sum_of(py.category(organisation, c) for c in codes))
    dg_rows = [r for r in py.dg_rows(organisation) if fte.get(r, 0) > 0]
    choice = rows_for_unit(org, organisation, dg_rows, filters.unit)
    entries: list[tuple[str, float, Estimate, bool]] = []
    if filters.reference == "organisation":
        # The chosen unit's rows (every row without one), each beside the whole organisation.
        entries.append((_("Hele organisatie"), org_fte, whole, False))
        shown = [(row, True) for row in choice.rows]
    else:
        # Same level: every DG row; a chosen unit's rows are the compared ones, the others
        # their peers.
        chosen = set(choice.rows) if filters.unit else set(dg_rows)
        shown = [(row, row in chosen) for row in dg_rows]
    for row, compared in shown:
        entries.append((row_label(org, organisation, row), fte[row],
                        row_count(py, organisation, row, codes), compared))
    rates = tuple((name, headcount, display(rate_per_100_fte(count, headcount, 12), Kind.RATE),
                   own) for name, headcount, count, own in entries)
    total = py.total(organisation)
    comparisons = compare_rate(organisation, py.year,
                               rate_per_100_fte(total, org_fte, 12, sampling=True))
    return BenchmarkSection(category, tuple(c.explanation_nl for c in comparisons), py.year,
                            label, rates, comparisons, filters.reference, choice.note)


def dg_chart(section: BenchmarkSection) -> Drawn | None:
    if section.year is None or not section.rates:
        return None
    # A row too uncertain to show a value is left out of the picture: its range (up to 0-130
    # for a small rest row) would set the axis and squash every other row. The table and a
    # note under the chart name it.
    # When every row is that uncertain, nothing would be drawn: then all are drawn (margin
    # only, as every chart draws a too-uncertain value), since no row squashes the others.
    clear = any(not rate.too_uncertain for _name, _fte, rate, _own in section.rates)
    drawn = [IntervalRow.shown(name, rate, own) for name, _fte, rate, own in section.rates
             if not (clear and rate.too_uncertain)]
    unsure = [name for name, _fte, rate, _own in section.rates if clear and rate.too_uncertain]
    if section.reference == "organisation":
        names = (_("DG"), _("Hele organisatie"))
    elif any(not own for *_rest, own in section.rates):  # a unit chosen among its peers
        names = (_("Gekozen eenheid"), _("Andere DG's"))
    else:
        names = (_("DG"), _("DG"))
    figure = intervals_figure(drawn, x_title=_("Zaken per 100 fte per jaar"), names=names)
    table = ChartTable(
        _("Zaken per 100 fte in %(year)s per DG (%(label)s), met het 95%%-interval",
          year=section.year, label=section.label),
        (Column(_("DG")), Column(_("Fte"), 0), Column(_("Per 100 fte per jaar"), 2),
         Column(_("95%-interval van"), 2), Column(_("95%-interval tot"), 2)),
        tuple((name, headcount, rate.cell, rate.low, rate.high)
              for name, headcount, rate, _own in section.rates))
    notes = (_("Niet getekend, want te onzeker (de marge is groter dan het cijfer zelf): "
               "%(rows)s. De tabel geeft de marge.", rows=", ".join(unsure)),) if unsure else ()
    return Drawn(_("DG's vergeleken: %(label)s", label=section.label), figure, table,
                 notes=notes)


def external_chart(section: BenchmarkSection) -> Drawn | None:
    if section.year is None:
        return None
    return _external_chart(section.comparisons, section.year)


def _external_chart(comparisons: Sequence[ExternalComparison], year: int) -> Drawn:
    own = display(comparisons[0].rate, Kind.RATE)
    rows = [IntervalRow.shown(_("Uw organisatie, %(year)s", year=year), own)]
    verdicts = verdict_names()
    table_rows: list[tuple[str, float | str | None, float | None, float | None, str]] = [
        (_("Uw organisatie, %(year)s", year=year), own.cell, own.low, own.high, "")]
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
         Column(_("Tot"), 2), Column(_("Uw cijfer is"))), tuple(table_rows))
    return Drawn(_("Extern vergeleken"), figure, table, notes=(_(
        "Uw cijfer: alle zaken van de hele organisatie per 100 fte. Het is hetzelfde cijfer "
        "als 'Hele organisatie' bij de DG's (alle categorieën samen), maar met een bredere "
        "marge: naast de ruis telt hier ook het toeval "
        "mee van hoeveel zaken er in één jaar zijn, omdat de referenties over andere jaren en "
        "organisaties gaan."),))
