"""Which DG rows the unit filter shows: the published figures go no finer than a DG row.

Categories (and so rates per category) are published per DG row: each directorate-general of
at least 2000 FTE, and one row for the rest of the organisation. A chosen unit is therefore
shown as the DG rows inside it, or, for a unit inside one row, as that whole row, with a
sentence that says so: never as a figure for the unit itself, which is not published.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _

from registry.organisations import OrgStructure


@dataclass(frozen=True)
class RowChoice:
    rows: tuple[str, ...]
    """The DG rows shown (the organisation's code is its rest row), in the order given."""
    note: str | None = None
    """Why a row wider than the chosen unit is shown, or none at all; None when not needed."""


def unit_label(org: OrgStructure, code: str) -> str:
    # Names need not be unique in an organisation chart; the code makes the label unique.
    return f"{org.get(code).name} ({code})"


def rows_for_unit(org: OrgStructure, organisation: str, rows: Iterable[str],
                  unit: str | None) -> RowChoice:
    """The rows that show ``unit`` (None: the whole organisation, every row)."""
    rows = tuple(rows)
    if unit is None or unit not in org:
        return RowChoice(rows)
    # A DG row at or below the unit: the unit is those rows together.
    inside = tuple(r for r in rows if r != organisation and unit in org.ancestors(r))
    if inside:
        return RowChoice(inside)
    name = unit_label(org, unit)
    around = [r for r in rows if r != organisation and r in org.ancestors(unit)]
    if around:
        return RowChoice((around[0],), _(
            "Cijfers per categorie zijn er per DG van minstens 2000 fte, niet per kleinere "
            "eenheid. %(unit)s hoort bij %(row)s: u ziet de cijfers van die hele DG.",
            unit=name, row=unit_label(org, around[0])))
    if organisation in rows:
        return RowChoice((organisation,), _(
            "Cijfers per categorie zijn er per DG van minstens 2000 fte, niet per kleinere "
            "eenheid. %(unit)s valt buiten die DG's: u ziet de rij met de rest van de "
            "organisatie, waar deze eenheid bij hoort.", unit=name))
    return RowChoice((), _("Voor %(unit)s is in deze periode geen rij gepubliceerd.",
                           unit=name))
