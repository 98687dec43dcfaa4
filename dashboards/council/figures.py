"""Archived monthly publications as display rows: code, Dutch label, estimate, 95% interval.

The monthly publications are replaced by the release plan (whose figures the pages show
through ``analytics.report.build_report``); the months published before stay readable and
their downloads verifiable. Every row follows the one display rule of
``analytics.reading.display``: never below zero, "te onzeker" when the margin is larger than
the figure. The same rows feed the pages and the HTML, CSV and XLSX downloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup

from analytics.intervals import Estimate
from analytics.published import PublishedMonth
from analytics.reading import display
from analytics.rijk import TOTAL_CODE, TotalTable, summary
from dashboards.charts.render import table_html
from dashboards.charts.table import ChartTable, Column
from privacy.kinds import TAXONOMY_FIELDS
from registry.taxonomy import Taxonomy


@dataclass(frozen=True)
class FigureRow:
    code: str
    label: str
    estimate: int
    """Never below zero."""
    lower: int
    upper: int
    too_uncertain: bool
    text: str
    """"18 (tussen 12 en 24)" or "te onzeker: tussen 0 en 12"."""

    @property
    def includes_zero(self) -> bool:
        return self.lower <= 0 <= self.upper

    @property
    def number(self) -> str:
        return "te onzeker" if self.too_uncertain else str(self.estimate)


def figure_row(code: str, label: str, estimate: Estimate) -> FigureRow:
    shown = display(estimate)
    # Outward rounding keeps at least the stated 95% coverage.
    return FigureRow(code, label, round(shown.value), _floor(shown.lower), _ceil(shown.upper),
                     shown.too_uncertain, shown.text)


@dataclass(frozen=True)
class FigureSection:
    key: str
    title: str
    rows: tuple[FigureRow, ...]


def sections(tables: Sequence[TotalTable], taxonomy: Taxonomy,
             locale: str = "nl") -> list[FigureSection]:
    """Display rows with taxonomy labels in ``locale``; downloads always use Dutch."""
    out = []
    for table in tables:
        field = TAXONOMY_FIELDS.get(table.dimension or "")
        rows = tuple(
            figure_row(row.code, (taxonomy.label(field, row.code, locale) if field
                                  else "Total" if locale == "en" else "Totaal"), row.estimate)
            for row in table.rows
        )
        out.append(FigureSection(table.name, table.title, rows))
    return out


def month_sections(months: Sequence[PublishedMonth], taxonomy: Taxonomy,
                   locale: str = "nl") -> list[FigureSection]:
    """The overview of one or more published months (of one or many organisations)."""
    return sections(summary(months), taxonomy, locale)


def flat_rows(found: Sequence[FigureSection]) -> list[list[str | int]]:
    """Header plus one row per figure, for CSV and XLSX."""
    rows: list[list[str | int]] = [["tabel", "code", "omschrijving", "cijfer", "schatting",
                                    "ondergrens_95", "bovengrens_95", "te_onzeker"]]
    for section in found:
        for row in section.rows:
            rows.append([section.title, row.code, row.label, row.text, row.estimate, row.lower,
                         row.upper, "ja" if row.too_uncertain else "nee"])
    return rows


def figure_table_html(section: FigureSection, id_prefix: str = "") -> Markup:
    """A published month's table on the council's page, through the one table renderer."""
    columns = (Column(_("Omschrijving")), Column(_("Schatting"), number=True, name="estimate"),
               # gettext formats only when given a variable: without one, "%%" would stay "%%"
               Column(_("95%%-interval (marge)", table=section.key), name="interval",
                      muted=True))
    rows = tuple((r.label, r.number, r.text if r.too_uncertain else
                  _("tussen %(lower)s en %(upper)s", lower=r.lower, upper=r.upper))
                 for r in section.rows)
    table = ChartTable(section.title, columns, rows, codes=tuple(r.code for r in section.rows),
                       uncertain=tuple(r.too_uncertain for r in section.rows))
    return table_html(table, caption_id=f"{id_prefix}{section.key}-caption",
                      attributes={"id": f"{id_prefix}{section.key}", "class": "figures"})


def month_table_html(section: FigureSection) -> Markup:
    """A published month's table in its download: every column, in Dutch whatever the
    reader's language (the signed bytes must not depend on a session)."""
    columns = (Column("Omschrijving"), Column("Cijfer (95%-interval)"),
               *(Column(label, number=True) for label in ("Schatting", "Ondergrens (95%)",
                                                           "Bovengrens (95%)")),
               Column("Te onzeker"))
    rows = tuple((r.label, r.text, str(r.estimate), str(r.lower), str(r.upper),
                  "ja" if r.too_uncertain else "nee") for r in section.rows)
    return table_html(ChartTable(section.title, columns, rows),
                      caption_id=f"{section.key}-caption")


def _floor(value: float) -> int:
    return int(value // 1)


def _ceil(value: float) -> int:
    return -int(-value // 1)


__all__ = ["TOTAL_CODE", "FigureRow", "FigureSection", "figure_row", "figure_table_html",
           "flat_rows", "month_sections", "month_table_html", "sections"]
