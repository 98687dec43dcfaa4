"""A stored release as the researcher sees it: the figures of one page of its table, labelled.

Only what the release holds is shown (its noisy estimates and their intervals); nothing here
counts anything. A table can have up to 200,000 cells, so the page shows it in pages and the
downloads carry the whole release.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboards.research.labels import Labels
from privacy.asked import AskedQuery
from privacy.kinds import TAXONOMY_FIELDS
from privacy.released import ReleasedTable
from registry.organisations import OrgStructure

ROWS_PER_PAGE = 250


@dataclass(frozen=True)
class ResultRow:
    keys: tuple[str, ...]
    estimate: int
    low: int
    high: int
    joint_low: int
    joint_high: int


@dataclass(frozen=True)
class ResultTable:
    columns: tuple[str, ...]
    rows: tuple[ResultRow, ...]
    page: int
    pages: int
    total_rows: int
    first_row: int


@dataclass(frozen=True)
class ReleaseSummary:
    """One line in the list of past releases, and the heading facts of a release page."""

    id: str
    release_date: str
    measure: str
    group_by: tuple[str, ...]
    start: str
    end: str
    grain: str
    mechanism: str
    budget_unit: str
    spent: str
    query: AskedQuery
    filters: tuple[tuple[str, str], ...] = ()
    """(field name, its chosen values by name): "Organisatie: Ministerie van ..."."""


def summarise(release_id: str, release_date: str, spent: str, query: AskedQuery,
              labels: Labels, unit: str = "rho") -> ReleaseSummary:
    """``unit`` is what ``spent`` is in: rho, or epsilon for a release made before the cap."""
    return ReleaseSummary(
        id=release_id, release_date=release_date,
        measure=labels("measure", query.measure),
        group_by=tuple(labels("dimension", d) for d in query.group_by),
        start=query.start, end=query.end, grain=labels("grain", query.grain),
        mechanism=labels("mechanism", query.mechanism.value), budget_unit=unit,
        spent=spent, query=query,
        filters=tuple((labels("dimension", name), ", ".join(labels.code(name, c) for c in codes))
                      for name, codes in query.filters.items()),
    )


def result_table(result: ReleasedTable, labels: Labels, org: OrgStructure,
                 page: int) -> ResultTable:
    group_by, cells = result.group_by, result.cells
    pages = max(1, -(-len(cells) // ROWS_PER_PAGE))
    page = min(max(page, 1), pages)
    first = (page - 1) * ROWS_PER_PAGE
    joint = int(result.simultaneous_ci95_halfwidth or 0)  # not recorded before the cap
    rows = tuple(
        ResultRow(tuple(_code_label(name, code, labels, org)
                        for name, code in zip(group_by, cell.key, strict=True)),
                  cell.estimate, int(cell.ci95[0]), int(cell.ci95[1]),
                  cell.estimate - joint, cell.estimate + joint)
        for cell in cells[first:first + ROWS_PER_PAGE]
    )
    return ResultTable(tuple(labels("dimension", name) for name in group_by), rows, page, pages,
                       len(cells), first + 1)


def _code_label(dimension: str, code: str, labels: Labels, org: OrgStructure) -> str:
    if dimension == "unit":
        return f"{org.get(code).name} ({code})" if code in org else code
    field = TAXONOMY_FIELDS.get(dimension)
    if field is not None:
        try:
            return labels.taxonomy.label(field, code, labels.locale)
        except KeyError:
            # A code of an older taxonomy version: its code is still its name.
            return code
    return code
