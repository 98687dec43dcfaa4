"""Exact aggregation: raw signals in, exact counts over the full public key grid out.

This module and the registry are the only places that read raw signals. What it returns, an
:class:`ExactTable`, holds exact counts and must only be handed to ``privacy.noise``; nothing
else may show, store or log it.

The work does not depend on how many signals match. Whoever asks for a release sees how long
it takes; when SQL applied the filters, every matching signal cost 3 to 4 microseconds more,
so timing a few queries gave away the very counts the noise hides. Therefore:

* SQL runs the same statement with the same parameters for every spec over the same data
  years: every signal of the calendar years the period touches (the years a query is charged
  to), always with the same columns: period, unit, organisation, case, id, every single-code
  field, and the categories and impact codes as one bit mask each (bit i = the i-th taxonomy
  code), so that no row per category crosses into Python.
* In polars and numpy every filter (months, organisation, unit, single-code fields, categories)
  is a boolean mask over all rows, evaluated also when the spec does not filter on the field,
  and counting adds weights of 0 or 1 over all rows. No step drops a row.

What the time still depends on is public (the spec: its data years, table shape and cells) or
the number of signals in those whole years, never a count under a filter. The measurement is in
docs/assurance.md, "Release time does not depend on the data" (bench/bench_release_timing.py).

The steps, over the rows in (case, id) order:

1. categories: keep the first C set bits per signal (``contributions.keep_lowest_bits``), and
   the first two impact codes;
2. match: the conjunction of every filter mask; a category filter looks at the kept categories
   (a signal passes when one of them is in the filter); a unit outside the structure never
   matches;
3. contacts: of a case's matching contacts, the K with the smallest ids count (the bound of
   ``contributions``); filters come before the bound;
4. units: every unit maps to the unit it is released under (``coarsening.coarsen_map``);
5. count into the public grid by flat cell number (``numpy.bincount`` with 0/1 weights), so
   every key is there, zeros included; for the "cases" measure each (cell, case) pair counts
   once.

Loading rows and counting in memory was measured against a plain SQL GROUP BY over the
signal/category join on SQLite (bench/bench_release.py): SQLite sorts for GROUP BY and looks up
every category row, while the rows it returns here are narrow and the counting is vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, Engine, Select, String, case, cast, func, select

from privacy.coarsening import DEFAULT_THRESHOLD, coarsen_map
from privacy.contributions import (
    IMPACTS_PER_SIGNAL,
    ContributionBounds,
    Sensitivity,
    keep_lowest_bits,
    table_sensitivity,
)
from privacy.kinds import Measure
from privacy.specs import QuerySpec
from privacy.tables import KeyGrid, key_grid
from registry.db import Database
from registry.fields import SINGLE_CODE_FIELDS
from registry.models import Signal, SignalCategory, SignalImpact
from registry.organisations import OrgStructure
from registry.periods import Month, bucket, month_range
from registry.taxonomy import Taxonomy

# Every release fetches exactly these columns, whatever its spec needs.
SIGNAL_COLUMNS = ("period", "unit", "organisation", "case", "id", *SINGLE_CODE_FIELDS, "mask",
                  "imask")
# Categories ("mask") and impact codes ("imask") travel as one int64 bit mask per signal.
MAX_CATEGORY_BITS = 62
# The multi-valued dimensions and their taxonomy fields, in the order of the bit masks.
TAXONOMY_NAMES = {"category": "categories", "impact": "impact"}
FETCH_BATCH = 100_000
# Between the packed columns of a signal row: no code, id or pseudonym contains it.
SEPARATOR = "\x1f"


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
    sens = table_sensitivity(spec.measure, spec.group_by, grid.size("category"),
                             grid.size("impact"), bounds)
    return ExactTable(spec, grid, counts, sens, bounds, threshold)


def count_rows(
    signals: pl.DataFrame,
    spec: QuerySpec,
    grid: KeyGrid,
    taxonomy: Taxonomy,
    org: OrgStructure,
    threshold: int,
    bounds: ContributionBounds,
) -> np.ndarray:
    """Match, bound, coarsen and count raw rows into the flat cell vector of ``grid``.

    ``signals`` has one row per signal with ``period, unit, case, id`` and, where present,
    ``organisation`` (else the unit's organisation in ``org``), the single-code fields (a
    missing one is null: it passes no filter and falls in no key), ``mask`` and ``imask`` (bit
    i set when the signal has the i-th taxonomy category or impact code; missing means none).
    The rows need not match the spec: every filter is applied here, as a mask over all rows,
    so the same operations run over the same number of rows whatever matches.
    """
    # A case's rows together, smallest id first; each lone signal is a block of its own.
    frame = _complete(signals, org).sort(["case", "id"])
    case_column = pl.col("case")
    new_block = frame.select(case_column.is_null() | case_column.shift(1).is_null()
                             | case_column.ne_missing(case_column.shift(1)))
    n_categories = len(taxonomy.codes("categories"))
    masks = keep_lowest_bits(frame["mask"].to_numpy(), bounds.categories_per_signal,
                             n_categories)
    imasks = keep_lowest_bits(frame["imask"].to_numpy(), IMPACTS_PER_SIGNAL,
                              len(taxonomy.codes("impact")))
    released = frame["unit"].replace_strict(coarsen_map(org, threshold), default=None,
                                            return_dtype=pl.String)
    match = _matches(frame, masks, spec, taxonomy, org)
    match &= released.is_not_null().to_numpy()
    kept, block = _kept_contacts(new_block.to_series().to_numpy(), match,
                                 bounds.contacts_per_case)
    base = _base_cells(frame.with_columns(released.alias("unit")), spec, grid)
    cell = np.where(base >= 0, base, 0)
    # Multi-valued dimensions: a signal adds to the cell of every kept code it carries (of
    # every pair of codes when grouped by both category and impact). Each part is one code
    # (pair) with its own offset in the grid, so cells of different parts never coincide.
    parts: list[tuple[np.ndarray, int]] = [(kept & (base >= 0), 0)]
    for name, bits in (("category", masks), ("impact", imasks)):
        if name not in spec.group_by:
            continue
        rank = {code: i for i, code in enumerate(taxonomy.codes(TAXONOMY_NAMES[name]))}
        position = grid.names.index(name)
        stride = grid.strides()[position]
        parts = [(hit & (((bits >> rank[code]) & 1) == 1), offset + j * stride)
                 for hit, offset in parts
                 for j, code in enumerate(grid.dimensions[position].codes)]
    if spec.measure is Measure.CASES:
        parts, cell = _once_per_case(parts, cell, base, block, kept, bounds.contacts_per_case)
    counts = np.zeros(grid.n_cells, dtype=np.int64)
    for hit, offset in parts:
        counts += np.bincount(cell + offset, weights=hit, minlength=grid.n_cells).astype(np.int64)
    return counts



def _complete(signals: pl.DataFrame, org: OrgStructure) -> pl.DataFrame:
    """Every column of SIGNAL_COLUMNS, with null masks as 0 (a signal without codes)."""
    added: list[pl.Expr] = []
    if "organisation" not in signals.columns:
        organisation = {u.code: u.organisation for u in org.units}
        added.append(pl.col("unit").replace_strict(organisation, default=None,
                                                   return_dtype=pl.String).alias("organisation"))
    added += [pl.lit(None, dtype=pl.String).alias(name)
              for name in SINGLE_CODE_FIELDS if name not in signals.columns]
    added += [pl.lit(0, dtype=pl.Int64).alias(name)
              for name in ("mask", "imask") if name not in signals.columns]
    return signals.with_columns(added).with_columns(
        pl.col("mask", "imask").cast(pl.Int64).fill_null(0))


def _matches(frame: pl.DataFrame, masks: np.ndarray, spec: QuerySpec, taxonomy: Taxonomy,
             org: OrgStructure) -> np.ndarray:
    """One boolean per row: does it pass every filter of ``spec``?

    A field the spec does not filter on is tested all the same, against all its codes, and the
    outcome then overruled: so the work is the same for every spec, with or without filters.
    """
    everything = {
        "organisation": [u.code for u in org.organisations],
        "unit": [u.code for u in org.units],
        **{name: taxonomy.codes(name) for name in SINGLE_CODE_FIELDS},
    }
    wanted: dict[str, list[str]] = {name: list(codes) for name, codes in spec.filters.items()}
    if "unit" in wanted:
        wanted["unit"] = sorted({code for top in wanted["unit"] for code in org.subtree(top)})
    tests = frame.select(
        pl.col("period").is_between(pl.lit(str(spec.start)), pl.lit(str(spec.end))).fill_null(False),
        *(pl.col(name).is_in(wanted.get(name, codes)).fill_null(False)
          for name, codes in everything.items()),
    )
    match = np.ones(frame.height, dtype=bool)
    for name, column in zip(["period", *everything], tests.iter_columns(), strict=True):
        match &= column.to_numpy() | (name != "period" and name not in spec.filters)
    rank = {code: i for i, code in enumerate(taxonomy.codes("categories"))}
    categories = spec.filters.get("category", tuple(rank))
    wanted_bits = sum(1 << rank[code] for code in categories)
    match &= ((masks & wanted_bits) != 0) | ("category" not in spec.filters)
    return match


def _kept_contacts(new: np.ndarray, match: np.ndarray, limit: int,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The K bound as a mask, and a block number per row (one block per case or lone signal).

    Rows come in (case, id) order and ``new`` marks the first row of every block, so a case
    is one run of rows with the smallest id first. A matching row is kept when fewer than
    ``limit`` matching rows of its case come before it: cumulative sums over all rows, instead
    of grouping only the matching ones.
    """
    n = match.size
    block = np.cumsum(new) - 1
    start = np.maximum.accumulate(np.where(new, np.arange(n), 0))
    matched = np.cumsum(match)
    rank = matched - (matched[start] - match[start])  # 1-based among the block's matches
    return match & (rank <= limit), block


def _once_per_case(
    parts: list[tuple[np.ndarray, int]], cell: np.ndarray, base: np.ndarray, block: np.ndarray,
    kept: np.ndarray, limit: int,
) -> tuple[list[tuple[np.ndarray, int]], np.ndarray]:
    """Per part, drop the hits that repeat a cell already counted for the same case.

    The kept rows are moved to the front in their order (a stable partition computed with
    cumulative sums, the same work whatever is kept); a case then has at most ``limit`` kept
    rows in a row, so a hit repeats its case's cell exactly when one of the ``limit - 1`` rows
    before it is of the same block, has the same base cell and is a hit in the same part.
    """
    n = kept.size
    position = np.where(kept, np.cumsum(kept) - 1, int(kept.sum()) + np.cumsum(~kept) - 1)
    order = np.empty(n, dtype=np.int64)
    order[position] = np.arange(n)
    block, base = block[order], base[order]
    same = []
    for shift in range(1, limit):
        repeat = np.zeros(n, dtype=bool)
        repeat[shift:] = (block[shift:] == block[:-shift]) & (base[shift:] == base[:-shift])
        same.append(repeat)
    firsts = []
    for hit, offset in parts:
        hit = hit[order]
        first = hit.copy()
        for shift, repeat in enumerate(same, start=1):
            first[shift:] &= ~(repeat[shift:] & hit[:-shift])
        firsts.append((first, offset))
    return firsts, cell[order]


def _base_cells(signals: pl.DataFrame, spec: QuerySpec, grid: KeyGrid) -> np.ndarray:
    """The flat cell number without the multi-valued part; -1 when a key is outside the grid."""
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


def _signal_columns(spec: QuerySpec) -> list[str]:
    """The columns of :func:`_signal_query`: the same for every spec."""
    del spec  # kept in the signature for the benchmarks that call it
    return list(SIGNAL_COLUMNS)


def _signal_query(
    spec: QuerySpec, org: OrgStructure, categories: list[str], impacts: list[str], dialect: str
) -> Select[Any]:
    """One row per signal of the data years ``spec`` touches, every column, no filter.

    Only the years of the spec's first and last month reach the statement, so every spec of
    the same years runs the same statement with the same parameters (``org`` is not used; it
    stays in the signature for the benchmarks that call this). The columns of
    :data:`SIGNAL_COLUMNS` come packed into one text per row, split again by :func:`_fetch`:
    building a Python object per value was a third of the load time (bench_release_timing).
    On SQLite the masks are correlated subqueries (the code tables are clustered on signal id,
    so each lookup is a short range read); on PostgreSQL grouped joins, which it hashes.
    """
    del org
    signals = Signal.__table__
    columns: list[Any] = [
        signals.c.period, signals.c.unit, signals.c.organisation,
        func.coalesce(signals.c.case_pseudonym, ""), signals.c.id,
        *(signals.c[name] for name in SINGLE_CODE_FIELDS),
    ]
    source: Any = signals
    for table, name, codes in ((SignalCategory.__table__, "category", categories),
                               (SignalImpact.__table__, "impact", impacts)):
        bit = case({code: 1 << i for i, code in enumerate(codes)}, value=table.c[name], else_=0)
        if dialect == "sqlite":
            mask: Any = (select(func.sum(bit)).where(table.c.signal_id == signals.c.id)
                         .scalar_subquery())
        else:
            masks = (select(table.c.signal_id, func.sum(bit).label("mask"))
                     .group_by(table.c.signal_id).subquery())
            source = source.outerjoin(masks, masks.c.signal_id == signals.c.id)
            mask = masks.c.mask
        columns.append(cast(func.coalesce(mask, 0), String))
    packed = columns[0]
    for column in columns[1:]:
        packed = packed.concat(SEPARATOR).concat(column)
    period: Any = signals.c.period
    if dialect == "sqlite":
        # A full scan in id order: through the (organisation, period) index every row costs a
        # random primary-key lookup and the mask lookups turn random too; for a year on a
        # million signals the scan took about half the time (bench/bench_release.py).
        # ("x || ''" is SQLite's documented way to keep a term off an index.)
        period = period.concat("")
    first, last = Month(spec.start.year, 1), Month(spec.end.year, 12)
    return (select(packed.label("packed")).select_from(source)
            .where(period.between(str(first), str(last))))


def _fetch(conn: Connection, statement: Select[Any], names: list[str]) -> pl.DataFrame:
    """Run ``statement`` and build a frame with one column per name.

    Rows come straight from the DBAPI cursor (SQLAlchemy's Row objects cost about a fifth of
    the load time for a million rows and are not needed for plain columns), in batches: a
    million rows as Python tuples take about 450 MB, a batch of 100,000 a tenth of that. A
    statement of one column for several names is packed (:func:`_signal_query`): its text is
    split at SEPARATOR, an empty case is null and ``mask`` and ``imask`` become integers.
    """
    schema = {name: (pl.Int64 if name in ("mask", "imask") else pl.String) for name in names}
    packed = len(statement.selected_columns) == 1 < len(names)
    frames = []
    result = conn.execute(statement)
    try:
        cursor = result.cursor
        while cursor is not None and (rows := cursor.fetchmany(FETCH_BATCH)):
            frames.append(_unpack([row[0] for row in rows], schema) if packed
                          else pl.DataFrame(rows, schema=schema, orient="row"))
    finally:
        result.close()
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames, rechunk=True)


def _unpack(texts: list[str], schema: dict[str, Any]) -> pl.DataFrame:
    fields = (pl.Series("packed", texts, dtype=pl.String)
              .str.split_exact(SEPARATOR, len(schema) - 1).struct.rename_fields(list(schema))
              .struct.unnest())
    return fields.with_columns(
        pl.col(name).cast(dtype) if dtype != pl.String
        else pl.when(pl.col(name) != "").then(pl.col(name)).alias(name)
        for name, dtype in schema.items() if dtype != pl.String or name == "case")
