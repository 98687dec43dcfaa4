"""Exact case-mass counts for the planned tables, and their Gaussian noise.

Reads raw signals (with ``privacy.aggregate``, the only other reader of raw signals for
output). What :func:`exact_plan_table` returns must only go to :func:`noisy_plan_table`.

The work does not depend on the data: one scan of every signal of the data year (the same rows
and columns whatever the table), then vectorised counting over the table's full public grid.

Each case spreads mass 1 evenly over the distinct cells of its contacts (``privacy.plan``), so
the L2 sensitivity of every table is 1. The sums are floats; a case's contribution is computed
in double precision, whose rounding is far below the margin added to the sensitivity
(``D_IN``), so OpenDP's privacy map is applied to a bound that holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import String, case, cast, func, select
from sqlalchemy.engine import Engine

from privacy.aggregate import _fetch
from privacy.plan import (
    NO_IMPACT,
    RIJK,
    SELF_REPORT_CHANNEL,
    Dimension,
    Level,
    Part,
    PlanTable,
    Source,
    dg_cells,
    directie_cells,
    level_units,
    period_labels,
    period_of,
)
from privacy.released import PlanCell, PlanTablePayload
from registry.models import Signal, SignalCategory, SignalImpact
from registry.organisations import OrgStructure
from registry.outcome_models import CaseOutcome
from registry.periods import Month
from registry.taxonomy import Taxonomy
from registry.taxonomy.outcomes import NOT_RECORDED, OUTCOME_FIELDS, load_outcome_codes

# The L2 sensitivity the noise is calibrated for: 1, plus room for float rounding in the sums.
D_IN = 1.0 + 1e-9
# Per outcome field, a bit mask of the codes recorded for the signal's case (null: none).
OUTCOME_COLUMNS = [f"o_{name}" for name in OUTCOME_FIELDS]
SIGNAL_COLUMNS = ["id", "period", "organisation", "unit", "case", "channel", "implicated_party",
                  "reporter_role", "follow_up", "mask", "imask", *OUTCOME_COLUMNS]


@dataclass(frozen=True)
class PlanGrid:
    """The public cells of one planned table: rows x periods x codes, in that order."""

    rows: tuple[str, ...]
    periods: tuple[str, ...]
    """() for a year table."""
    codes: tuple[str, ...]

    @property
    def n_cells(self) -> int:
        return len(self.rows) * max(1, len(self.periods)) * len(self.codes)

    def keys(self) -> list[tuple[str, str, str]]:
        periods = self.periods or ("",)
        return [(r, p, c) for r in self.rows for p in periods for c in self.codes]


def dimension_codes(dimension: Dimension, taxonomy: Taxonomy) -> tuple[str, ...]:
    if dimension is Dimension.TOTAL:
        return ("total",)
    if dimension is Dimension.CATEGORY:
        return tuple(taxonomy.codes("categories"))
    if dimension is Dimension.IMPACT:
        return (*taxonomy.codes("impact"), NO_IMPACT)
    if dimension.is_outcome:
        return (*load_outcome_codes().codes(dimension.value), NOT_RECORDED)
    return tuple(taxonomy.codes(dimension.value))


def plan_grid(table: PlanTable, year: int, taxonomy: Taxonomy, org: OrgStructure,
              period: str | None = None) -> PlanGrid:
    """The table's cells; a periodic table's for one ``period`` (all periods of the year if
    None)."""
    periods = period_labels(table.part, year)
    if period is not None and table.part is not Part.YEAR:
        if period not in periods:
            raise ValueError(f"{period} is not a {table.part} of {year}")
        periods = (period,)
    return PlanGrid(level_units(table.level, org), periods,
                    dimension_codes(table.dimension, taxonomy))


@dataclass(frozen=True, eq=False)
class ExactPlanTable:
    """Exact case mass per cell. For :func:`noisy_plan_table` only: never release this."""

    table: PlanTable
    grid: PlanGrid
    mass: np.ndarray

    def __post_init__(self) -> None:
        if self.mass.shape != (self.grid.n_cells,):
            raise ValueError("mass must have one entry per cell")
        self.mass.setflags(write=False)

    def __repr__(self) -> str:  # never print the counts by accident
        return f"ExactPlanTable({self.table.name}, cells={self.grid.n_cells})"


def load_year(engine: Engine, year: int, taxonomy: Taxonomy) -> pl.DataFrame:
    """Every signal of the data year, with every column any planned table needs."""
    signals, links, impacts = (Signal.__table__, SignalCategory.__table__,
                               SignalImpact.__table__)
    bit = case({c: 1 << i for i, c in enumerate(taxonomy.codes("categories"))},
               value=links.c.category, else_=0)
    ibit = case({c: 1 << i for i, c in enumerate(taxonomy.codes("impact"))},
                value=impacts.c.impact, else_=0)
    masks = (select(links.c.signal_id, func.sum(bit).label("mask"))
             .group_by(links.c.signal_id).subquery())
    imasks = (select(impacts.c.signal_id, func.sum(ibit).label("imask"))
              .group_by(impacts.c.signal_id).subquery())
    joined = (signals.outerjoin(masks, masks.c.signal_id == signals.c.id)
              .outerjoin(imasks, imasks.c.signal_id == signals.c.id))
    outcome_masks = []
    for name, column in zip(OUTCOME_FIELDS, OUTCOME_COLUMNS, strict=True):
        recorded = _outcome_masks(name)
        joined = joined.outerjoin(recorded, recorded.c.case_pseudonym == signals.c.case_pseudonym)
        # As text: the shared fetch types only mask and imask as integers; cast back below.
        outcome_masks.append(cast(recorded.c.mask, String).label(column))
    statement = (
        select(signals.c.id, signals.c.period, signals.c.organisation, signals.c.unit,
               signals.c.case_pseudonym, signals.c.channel, signals.c.implicated_party,
               signals.c.reporter_role, signals.c.follow_up, masks.c.mask, imasks.c.imask,
               *outcome_masks)
        .select_from(joined)
        .where(signals.c.period.between(f"{year}-01", f"{year}-12"))
    )
    with engine.connect() as conn:
        frame = _fetch(conn, statement, SIGNAL_COLUMNS)
    return frame.with_columns(pl.col(c).cast(pl.Int64) for c in OUTCOME_COLUMNS)


def _outcome_masks(name: str) -> Any:
    """Per case pseudonym, the bit mask of the codes recorded for one outcome field."""
    outcomes = CaseOutcome.__table__
    bit = case({c: 1 << i for i, c in enumerate(load_outcome_codes().codes(name))},
               value=outcomes.c.code, else_=0)
    return (select(outcomes.c.case_pseudonym, func.sum(bit).label("mask"))
            .where(outcomes.c.field == name).group_by(outcomes.c.case_pseudonym)
            .subquery(f"outcome_{name}"))


def exact_plan_table(signals: pl.DataFrame, table: PlanTable, year: int, taxonomy: Taxonomy,
                     org: OrgStructure, *, period: str | None = None) -> ExactPlanTable:
    """Case mass per cell of ``table`` for ``year`` (a periodic table: for one ``period``).

    ``signals`` is :func:`load_year` of the data year: every signal, whatever the table.
    """
    grid = plan_grid(table, year, taxonomy, org, period)
    self_report = pl.col("channel") == SELF_REPORT_CHANNEL
    signals = signals.filter(self_report if table.source is Source.MELDKNOP else ~self_report)
    frame = signals.with_columns(
        pl.coalesce(pl.col("case"), pl.lit("s:") + pl.col("id")).alias("_case"))
    if table.part is not Part.YEAR:
        # Cells of other periods fall outside the grid below and are dropped there, after the
        # mass is spread: a case's mass is decided by its anchor period alone.
        frame = _anchored(frame, table.part)
    frame = frame.with_columns(_row_expression(table.level, org).alias("_row"))
    frame = frame.filter(pl.col("_row").is_not_null())
    frame = _with_codes(frame, table.dimension, taxonomy)
    period_column = pl.col("_period") if table.part is not Part.YEAR else pl.lit("")
    cells = frame.select(pl.col("_case"), pl.col("_row"), period_column.alias("_p"),
                         pl.col("_code")).unique()
    cells = cells.with_columns((1.0 / pl.len().over("_case")).alias("_w"))
    index = {key: i for i, key in enumerate(grid.keys())}
    keyed = cells.with_columns(
        pl.concat_str(["_row", "_p", "_code"], separator="\x1f")
        .replace_strict({"\x1f".join(k): i for k, i in index.items()}, default=-1,
                        return_dtype=pl.Int64).alias("_cell"))
    keyed = keyed.filter(pl.col("_cell") >= 0)
    mass = np.bincount(keyed["_cell"].to_numpy(), weights=keyed["_w"].to_numpy(),
                       minlength=grid.n_cells).astype(np.float64)
    return ExactPlanTable(table, grid, mass)


def _anchored(frame: pl.DataFrame, part: Part) -> pl.DataFrame:
    """Keep each case's contacts in the period of its first contact; label that period."""
    labels = {m: period_of(part, Month.parse(m)) for m in frame["period"].unique().to_list()}
    frame = frame.with_columns(
        pl.col("period").replace_strict(labels, return_dtype=pl.String).alias("_period"))
    first = pl.col("period").min().over("_case")
    anchor = first.replace_strict(labels, return_dtype=pl.String)
    return frame.filter(pl.col("_period") == anchor)


def _row_expression(level: Level, org: OrgStructure) -> pl.Expr:
    if level is Level.RIJK:
        known = [u.code for u in org.organisations]
        return pl.when(pl.col("organisation").is_in(known)).then(pl.lit(RIJK)).otherwise(None)
    if level is Level.ORGANISATION:
        codes = {u.code: u.code for u in org.organisations}
        return pl.col("organisation").replace_strict(codes, default=None,
                                                     return_dtype=pl.String)
    rows = dg_cells(org) if level is Level.DG else directie_cells(org)
    return pl.col("unit").replace_strict(rows, default=None, return_dtype=pl.String)


def _with_codes(frame: pl.DataFrame, dimension: Dimension, taxonomy: Taxonomy) -> pl.DataFrame:
    """One row per (signal, code of the dimension) in column ``_code``."""
    if dimension is Dimension.TOTAL:
        return frame.with_columns(pl.lit("total").alias("_code"))
    if dimension in (Dimension.CATEGORY, Dimension.IMPACT) or dimension.is_outcome:
        if dimension.is_outcome:
            column, codes = f"o_{dimension.value}", load_outcome_codes().codes(dimension.value)
            empty = NOT_RECORDED  # a case without this outcome counts whole here
        else:
            column = "mask" if dimension is Dimension.CATEGORY else "imask"
            codes = taxonomy.codes("categories" if dimension is Dimension.CATEGORY else "impact")
            empty = NO_IMPACT if dimension is Dimension.IMPACT else ""
        bits = pl.col(column).cast(pl.Int64).fill_null(0)
        exploded = frame.with_columns(pl.concat_list([
            pl.when((bits & (1 << i)) != 0).then(pl.lit(code)).otherwise(None)
            for i, code in enumerate(codes)]).list.drop_nulls().alias("_code"))
        if empty:
            exploded = exploded.with_columns(
                pl.when(pl.col("_code").list.len() == 0).then(pl.lit([empty]))
                .otherwise(pl.col("_code")).alias("_code"))
        return exploded.explode("_code").drop_nulls("_code")
    return frame.with_columns(pl.col(dimension.value).alias("_code"))


# -- noise ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoisyPlanTable:
    """A releasable planned table: public keys, unbiased estimates and the noise's spread."""

    table: PlanTable
    grid: PlanGrid
    estimates: np.ndarray
    sigma: float
    rho_certified: float

    def payload(self) -> PlanTablePayload:
        """The table as released (``privacy.released``): rounding the estimates is
        post-processing."""
        periods = bool(self.grid.periods)
        cells = tuple(PlanCell(row, code, round(float(value), 3), period if periods else None)
                      for (row, period, code), value in zip(self.grid.keys(), self.estimates,
                                                            strict=True))
        return PlanTablePayload(
            part=self.table.part, level=self.table.level, dimension=self.table.dimension,
            rho=self.table.rho, standard_deviation=self.sigma,
            privacy_loss_rho=self.rho_certified, cells=cells, source=self.table.source)

    def as_json(self) -> dict[str, object]:
        return self.payload().to_json()


def _measurement(scale: float) -> object:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    domain = dp.vector_domain(dp.atom_domain(T=float, nan=False))
    return dp.m.make_gaussian(domain, dp.l2_distance(T=float), scale=scale)


def calibrate_sigma(rho: Fraction) -> tuple[float, float]:
    """The smallest scale (to float precision) whose OpenDP rho at D_IN is within ``rho``."""
    scale = D_IN / math.sqrt(2 * float(rho))
    for _ in range(64):
        loss = _measurement(scale).map(D_IN)  # type: ignore[attr-defined]
        if Fraction(loss) <= rho:
            return scale, float(loss)
        scale = math.nextafter(scale, math.inf)
    raise RuntimeError("could not calibrate the noise scale")  # pragma: no cover


def noisy_plan_table(exact: ExactPlanTable) -> NoisyPlanTable:
    """Gaussian noise from OpenDP's sampler on the whole vector; rounding is post-processing."""
    scale, loss = calibrate_sigma(exact.table.rho)
    measurement = _measurement(scale)
    values = np.asarray(measurement(exact.mass.astype(np.float64).tolist()),  # type: ignore[operator]
                        dtype=np.float64)
    return NoisyPlanTable(exact.table, exact.grid, values, scale, loss)
