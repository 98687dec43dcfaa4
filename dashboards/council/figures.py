"""Published figures as display rows: code, Dutch label, estimate and its 95% interval.

Built from released tables only (``analytics.rijk``). The same rows feed the web pages and the
HTML, CSV and XLSX downloads, so what a council reads and what it downloads agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from analytics.published import PublishedMonth
from analytics.rijk import TOTAL_CODE, TotalTable, summary
from privacy.specs import TAXONOMY_FIELDS
from registry.taxonomy import Taxonomy

MARGIN_NL = (
    "Wat betekent de marge? Elk cijfer is een schatting. Om te voorkomen dat iemand uit de "
    "cijfers te herleiden is, voegt het register bewust een kleine willekeurige afwijking (ruis) "
    "toe. De marge is het gebied waarin het echte aantal met 95% zekerheid ligt. Een schatting "
    "kan daardoor ook negatief uitvallen; dat betekent 'ongeveer nul'. Als de marge nul bevat, "
    "is het cijfer niet te onderscheiden van nul. Kleine verschillen binnen de marge zeggen "
    "niets."
)


@dataclass(frozen=True)
class FigureRow:
    code: str
    label: str
    estimate: int
    lower: int
    upper: int

    @property
    def includes_zero(self) -> bool:
        return self.lower <= 0 <= self.upper


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
            FigureRow(
                code=row.code,
                label=(taxonomy.label(field, row.code, locale) if field
                       else "Total" if locale == "en" else "Totaal"),
                estimate=round(row.estimate.value),
                # Outward rounding keeps at least the stated 95% coverage.
                lower=_floor(row.estimate.lower),
                upper=_ceil(row.estimate.upper),
            )
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
    rows: list[list[str | int]] = [["tabel", "code", "omschrijving", "schatting",
                                    "ondergrens_95", "bovengrens_95",
                                    "niet_te_onderscheiden_van_nul"]]
    for section in found:
        for row in section.rows:
            rows.append([section.title, row.code, row.label, row.estimate, row.lower,
                         row.upper, "ja" if row.includes_zero else "nee"])
    return rows


def _floor(value: float) -> int:
    return int(value // 1)


def _ceil(value: float) -> int:
    return -int(-value // 1)


__all__ = ["MARGIN_NL", "TOTAL_CODE", "FigureRow", "FigureSection", "flat_rows",
           "month_sections", "sections"]
