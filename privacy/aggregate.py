"""Exact aggregation: raw signals in, exact counts over the full public key grid out.

This module and the registry are the only places that read raw signals. What it returns, an
:class:`ExactTable`, holds exact counts and must only be handed to ``privacy.noise``; nothing
else may show, store or log it.

The work is one SQL query, one row per signal, with the filters that SQL can apply (period
range, organisation, units, single-code fields). The categories of a signal come along as one
bit mask (bit i = the i-th taxonomy category), so no row per category crosses into Python. Then,
in polars and numpy:

1. categories: keep the first C set bits per signal (``contributions.keep_lowest_bits``), then
   apply a category filter (a signal passes when one of its kept categories is in the filter);
2. units: map every unit to the unit it is released under (``coarsening.coarsen_map``);
3. contacts: keep at most K per case (``contributions.cap_contacts``);
4. count into the public grid by flat cell number (``numpy.bincount``), so every key is there,
   zeros included; for the "cases" measure each (cell, case) pair counts once.

Filters come before the K bound: of a case's contacts that match the question, K count.

Loading rows and counting in memory was measured against a plain SQL GROUP BY over the
signal/category join on SQLite (bench/bench_release.py): SQLite sorts for GROUP BY and looks up
every category row, while the rows it returns here are narrow and the counting is vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import ColumnElement, Connection, Engine, Select, case, func, select

from privacy.coarsening import DEFAULT_THRESHOLD, coarsen_map
from privacy.contributions import (
    IMPACTS_PER_SIGNAL,
    ContributionBounds,
    Sensitivity,
    cap_contacts,
    keep_lowest_bits,
    sensitivity,
    table_cells_per_signal,
)
from privacy.specs import QuerySpec
from privacy.tables import KeyGrid, key_grid
from registry.db import Database
from registry.models import Signal, SignalCategory, SignalImpact
from registry.organisations import OrgStructure
from registry.periods import bucket, month_range
from registry.taxonomy import Taxonomy

SINGLE_CODE_FIELDS = ("channel", "implicated_party", "reporter_role", "follow_up")
# Categories (and impact codes, column "imask") travel as one int64 bit mask per signal.
MAX_CATEGORY_BITS = 62
FETCH_BATCH = 100_000


@dataclass(frozen=True, eq=False)
class ExactTable:
    """Exact counts over a public grid. For ``privacy.noise`` only: never release this."""

    spec: QuerySpec
    grid: KeyGrid
    counts: np.ndarray
    """int64, one per cell in grid order; read-only."""
    sensitivity: Sensitivity
    bounds: ContributionBounds
    threshold: int

    def __post_init__(self) -> None:
        if self.counts.shape != (self.grid.n_cells,):
            raise ValueError("counts must have one entry per cell of the grid")
        self.counts.setflags(write=False)

    def __repr__(self) -> str:  # never print the counts by accident
        return f"ExactTable(spec={self.spec.canonical_json()}, cells={self.grid.n_cells})"


def exact_table(
    source: Database | Engine,
    spec: QuerySpec,
    taxonomy: Taxonomy,
    org: OrgStructure,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    bounds: ContributionBounds | None = None,
) -> ExactTable:
    """Count ``spec`` exactly, after coarsening and contribution bounds, over its full grid."""
    bounds = bounds or ContributionBounds()
    grid = key_grid(spec, taxonomy, org, threshold)
    engine = source.engine if isinstance(source, Database) else source
    categories = taxonomy.codes("categories")
    if len(categories) > MAX_CATEGORY_BITS:
        raise ValueError(f"at most {MAX_CATEGORY_BITS} categories fit in a bit mask")
    with engine.connect() as conn:
        statement = _signal_query(spec, org, categories, taxonomy.codes("impact"),
                                  conn.dialect.name)
        signals = _fetch(conn, statement, _signal_columns(spec))
    counts = count_rows(signals, spec, grid, taxonomy, org, threshold, bounds)
    category_cells = len(grid.dimension("category").codes) if "category" in grid.names else 0
    impact_cells = len(grid.dimension("impact").codes) if "impact" in grid.names else 0
    c = table_cells_per_signal(spec.group_by, category_cells, impact_cells, bounds)
    return ExactTable(spec, grid, counts, sensitivity(spec.measure, c, bounds), bounds, threshold)


def count_rows(
    signals: pl.DataFrame,
    spec: QuerySpec,
    grid: KeyGrid,
    taxonomy: Taxonomy,
    org: OrgStructure,
    threshold: int,
    bounds: ContributionBounds,
) -> np.ndarray:
    """Bound, coarsen and count raw rows into the flat cell vector of ``grid``.

    ``signals`` has ``period, unit, case, id`` (id may be null outside cases), ``mask`` (bit i
    set when the signal has the i-th taxonomy category; needed when categories are grouped or
    filtered), ``imask`` (the same for impact codes; grouped by impact, a missing column means
    no signal has an impact) and the grouped single-code fields, filtered on everything but
    categories.
    """
    rank = {code: i for i, code in enumerate(taxonomy.codes("categories"))}
    impact_rank = {code: i for i, code in enumerate(taxonomy.codes("impact"))}
    if "impact" in spec.group_by and "imask" not in signals.columns:
        signals = signals.with_columns(pl.lit(0, dtype=pl.Int64).alias("imask"))
    if "imask" in signals.columns:
        masks = signals["imask"].fill_null(0).to_numpy()
        kept = keep_lowest_bits(masks, IMPACTS_PER_SIGNAL, len(impact_rank))
        signals = signals.with_columns(pl.Series("imask", kept, dtype=pl.Int64))
    if "mask" in signals.columns:
        masks = signals["mask"].fill_null(0).to_numpy()
        kept = keep_lowest_bits(masks, bounds.categories_per_signal, len(rank))
        signals = signals.with_columns(pl.Series("mask", kept, dtype=pl.Int64))
        if "category" in spec.filters:
            wanted = sum(1 << rank[code] for code in spec.filters["category"])
            signals = signals.filter((pl.col("mask") & wanted) != 0)
    released = coarsen_map(org, threshold)
    signals = signals.with_columns(
        pl.col("unit").replace_strict(released, default=None, return_dtype=pl.String)
    ).drop_nulls("unit")
    signals = cap_contacts(signals, bounds.contacts_per_case)
    base = _base_cells(signals, spec, grid)
    valid = base >= 0
    unit_keys = _unit_keys(signals) if spec.measure == "cases" else None
    cells, units = [], []
    # Multi-valued dimensions: a signal adds to the cell of every kept code it carries (of
    # every pair of codes when grouped by both category and impact).
    parts: list[tuple[np.ndarray, int]] = [(valid, 0)]
    for name, column, ranks in (("category", "mask", rank), ("impact", "imask", impact_rank)):
        if name not in spec.group_by:
            continue
        masks = signals[column].to_numpy()
        position = grid.names.index(name)
        stride = grid.strides()[position]
        parts = [(hit & (((masks >> ranks[code]) & 1) == 1), offset + j * stride)
                 for hit, offset in parts
                 for j, code in enumerate(grid.dimensions[position].codes)]
    for hit, offset in parts:
        cells.append(base[hit] + offset)
        if unit_keys is not None:
            units.append(unit_keys[hit])
    flat = np.concatenate(cells)
    if unit_keys is not None:
        # A case counts once per cell: keep one of each (cell, unit) pair. Units are renumbered
        # densely first so that a pair fits in one int64.
        _, unit_index = np.unique(np.concatenate(units), return_inverse=True)
        n_units = int(unit_index.max()) + 1 if unit_index.size else 1
        flat = np.unique(flat * n_units + unit_index.ravel()) // n_units
    return np.bincount(flat, minlength=grid.n_cells).astype(np.int64)


def _base_cells(signals: pl.DataFrame, spec: QuerySpec, grid: KeyGrid) -> np.ndarray:
    """The flat cell number without the category part; -1 when a key is outside the grid."""
    expressions = []
    for dim, stride in zip(grid.dimensions, grid.strides(), strict=True):
        if dim.name in ("category", "impact"):
            continue
        if dim.name == "period":
            position = dim.index()
            mapping = {str(m): position[bucket(m, spec.grain)]
                       for m in month_range(spec.start, spec.end)}
        else:
            mapping = dim.index()
        expressions.append(
            pl.col(dim.name).replace_strict(mapping, default=None, return_dtype=pl.Int64) * stride
        )
    if not expressions:
        return np.zeros(signals.height, dtype=np.int64)
    cell = signals.select(pl.sum_horizontal(expressions).alias("cell"),
                          pl.any_horizontal([e.is_null() for e in expressions]).alias("out"))
    base = cell["cell"].to_numpy().astype(np.int64)
    base[cell["out"].to_numpy()] = -1
    return base


def _unit_keys(signals: pl.DataFrame) -> np.ndarray:
    """One integer per privacy unit: a 63-bit hash of the case (two colliding cases count as
    one, which can only lower a count), or a negative number unique to a lone signal."""
    hashed = signals.select((pl.col("case").hash() // 2).cast(pl.Int64).alias("h"))["h"]
    keys = hashed.to_numpy().copy()
    lone = signals["case"].is_null().to_numpy()
    keys[lone] = -1 - np.flatnonzero(lone)
    return keys


def _signal_columns(spec: QuerySpec) -> list[str]:
    names = ["period", "unit", "case", "id"]
    names += [name for name in SINGLE_CODE_FIELDS if name in spec.group_by]
    if _needs_categories(spec):
        names.append("mask")
    if "impact" in spec.group_by:
        names.append("imask")
    return names


def _needs_categories(spec: QuerySpec) -> bool:
    return "category" in spec.group_by or "category" in spec.filters


def _signal_query(
    spec: QuerySpec, org: OrgStructure, categories: list[str], impacts: list[str], dialect: str
) -> Select[Any]:
    """One row per signal that passes the SQL filters.

    The id is only fetched for signals in a case (it orders the contacts of a case); the
    categories come as one bit mask per signal, so no row per category crosses into Python.
    On SQLite the mask is a correlated subquery (the category table is clustered on signal id,
    so each lookup is a short range read); on PostgreSQL a grouped join, which it hashes.
    """
    signals, links = Signal.__table__, SignalCategory.__table__
    columns: list[Any] = [
        signals.c.period, signals.c.unit, signals.c.case_pseudonym,
        case((signals.c.case_pseudonym.is_not(None), signals.c.id), else_=None),
    ]
    columns += [signals.c[name] for name in SINGLE_CODE_FIELDS if name in spec.group_by]
    source: Any = signals
    if _needs_categories(spec):
        bit = case({code: 1 << i for i, code in enumerate(categories)},
                   value=links.c.category, else_=0)
        if dialect == "sqlite":
            columns.append(select(func.sum(bit)).where(links.c.signal_id == signals.c.id)
                           .scalar_subquery())
        else:
            masks = (select(links.c.signal_id, func.sum(bit).label("mask"))
                     .group_by(links.c.signal_id).subquery())
            source = signals.outerjoin(masks, masks.c.signal_id == signals.c.id)
            columns.append(masks.c.mask)
    if "impact" in spec.group_by:
        table = SignalImpact.__table__
        ibit = case({code: 1 << i for i, code in enumerate(impacts)},
                    value=table.c.impact, else_=0)
        if dialect == "sqlite":
            columns.append(select(func.sum(ibit)).where(table.c.signal_id == signals.c.id)
                           .scalar_subquery())
        else:
            imasks = (select(table.c.signal_id, func.sum(ibit).label("imask"))
                      .group_by(table.c.signal_id).subquery())
            source = source.outerjoin(imasks, imasks.c.signal_id == signals.c.id)
            columns.append(imasks.c.imask)
    return select(*columns).select_from(source).where(*_signal_conditions(spec, org, dialect))


def _signal_conditions(spec: QuerySpec, org: OrgStructure, dialect: str) -> list[Any]:
    table = Signal.__table__
    period: ColumnElement[str] = table.c.period
    organisation: ColumnElement[str] = table.c.organisation
    if dialect == "sqlite":
        # Keep SQLite off the (organisation, period) index: through it every row costs a random
        # primary-key lookup, and the rows come out of id order, which turns the category
        # lookups random too. For the year-long dashboard table on a million signals a full
        # scan in id order took about half the time (bench/bench_release.py). ("x || ''" is
        # SQLite's documented way to keep a term off an index.)
        period, organisation = period.concat(""), organisation.concat("")
    conditions: list[Any] = [period.between(str(spec.start), str(spec.end))]
    if "organisation" in spec.filters:
        conditions.append(organisation.in_(spec.filters["organisation"]))
    if "unit" in spec.filters:
        units = sorted({code for top in spec.filters["unit"] for code in org.subtree(top)})
        conditions.append(table.c.unit.in_(units))
    for name in SINGLE_CODE_FIELDS:
        if name in spec.filters:
            conditions.append(table.c[name].in_(spec.filters[name]))
    return conditions


def _fetch(conn: Connection, statement: Select[Any], names: list[str]) -> pl.DataFrame:
    """Run ``statement`` and build a frame with one column per name.

    Rows come straight from the DBAPI cursor (SQLAlchemy's Row objects cost about a fifth of
    the load time for a million rows and are not needed for plain columns), in batches: a
    million rows as Python tuples take about 450 MB, a batch of 100,000 a tenth of that.
    """
    schema = {name: (pl.Int64 if name in ("mask", "imask") else pl.String) for name in names}
    frames = []
    result = conn.execute(statement)
    try:
        cursor = result.cursor
        while cursor is not None and (rows := cursor.fetchmany(FETCH_BATCH)):
            frames.append(pl.DataFrame(rows, schema=schema, orient="row"))
    finally:
        result.close()
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames, rechunk=True)
