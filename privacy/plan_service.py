"""Publishing the release plan: one signed release per data year and part (and period).

Each release holds the planned tables of one part (``privacy.plan``): the year tables once the
data year is over, the month, quarter and half-year tables as each period closes. All are paid
from the plan's share (consumer ``plan``) of the data year's cap; the plan's share is allocated
the first time the year is published. A periodic series is charged its whole rho with its first
release; the later releases of the series are stored with cost 0 and name the release that paid
(``paid_by`` in their spec), so a reader can check that the ledger is never behind the truth.

A period is published once; ``replace=True`` after a correction makes a new revision, paid in
full again (fresh noise on the same data composes). Readers take the latest revision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import polars as pl

from privacy.ledger import BudgetLedger
from privacy.plan import (
    DG_MIN_FTE,
    PLAN_CONSUMER,
    PLAN_RHO,
    PLAN_TABLES,
    Part,
    closed_periods,
    tables_of,
)
from privacy.plan_counts import exact_plan_table, load_year, noisy_plan_table
from privacy.released import PlanBudget, PlanResult, PlanSpec, PlanTableSpec
from privacy.releases import Release, ReleaseService
from registry.db import Database
from registry.errors import Conflict, FieldError, ValidationFailed
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.taxonomy import Taxonomy

PLAN_SCOPE = "plan"
PARTS_IN_ORDER = (Part.MONTH, Part.QUARTER, Part.HALF, Part.YEAR)


@dataclass(frozen=True)
class PlanEntry:
    """The latest revision of one published part, without its tables."""

    release_id: str
    year: int
    part: Part
    period: str
    revision: int


@dataclass
class PlanService:
    db: Database
    releases: ReleaseService
    ledger: BudgetLedger
    org: OrgStructure
    taxonomy: Taxonomy
    today: Callable[[], Month] = Month.current

    # -- reading ---------------------------------------------------------------------------

    def index(self, year: int | None = None) -> list[PlanEntry]:
        """The latest revision of every published part, read from the specs only."""
        latest: dict[tuple[int, Part, str], PlanEntry] = {}
        for release_id, raw in self.releases.specs_for(PLAN_SCOPE):
            spec = PlanSpec.read(raw)
            if spec is None:
                continue
            entry = PlanEntry(release_id, spec.data_year, spec.part, spec.period, spec.revision)
            if year is not None and entry.year != year:
                continue
            key = (entry.year, entry.part, entry.period)
            if key not in latest or entry.revision > latest[key].revision:
                latest[key] = entry
        return sorted(latest.values(), key=lambda e: (e.year, PARTS_IN_ORDER.index(e.part),
                                                      e.period))

    def years(self) -> list[int]:
        return sorted({e.year for e in self.index()})

    def latest(self, year: int, part: Part, period: str) -> PlanEntry | None:
        for entry in self.index(year):
            if entry.part is part and entry.period == period:
                return entry
        return None

    # -- publishing ------------------------------------------------------------------------

    def publish(self, year: int, part: Part, period: str, *, replace: bool = False,
                signals: pl.DataFrame | None = None) -> Release:
        """Make (and pay for) the release of one closed period of the plan."""
        self._check(year, part, period)
        previous = self.latest(year, part, period)
        if previous is not None and not replace:
            raise Conflict(
                f"{period} ({part.value}) van het releaseplan is al gepubliceerd (release "
                f"{previous.release_id}). Gebruik vervangen alleen na een correctie.",
                [FieldError("period", f"Al gepubliceerd in release {previous.release_id}.")])
        revision = previous.revision + 1 if previous is not None else 1
        tables = self.spec(year, part, period, revision, None).tables
        paid_by = None if replace else self._series_payer(year, part, tables)
        cost = sum((t.rho for t in tables_of(part)), Fraction(0))
        self._ensure_share(year, part, Fraction(0) if paid_by is not None else cost)
        spec = self.spec(year, part, period, revision, paid_by)
        loaded = signals

        def compute() -> Mapping[str, object]:
            frame = loaded if loaded is not None else load_year(self.db.engine, year,
                                                                 self.taxonomy)
            return self.compute(frame, year, part, period).to_json()

        result = self.releases.release(
            PLAN_CONSUMER, PLAN_SCOPE, year, spec.to_json(), cost, compute,
            replaces=previous.release_id if previous is not None else None,
            prepaid=paid_by is not None)
        return result.release

    def publish_due(self, years: Iterable[int] | None = None,
                    echo: Callable[[str], None] = lambda _line: None) -> list[Release]:
        """Publish every closed period of ``years`` (default: last year and this one) that is
        not published yet; a second call publishes nothing."""
        last_closed = self.today().add(-1)
        wanted = list(years) if years is not None else [last_closed.year - 1, last_closed.year]
        done = {(e.year, e.part, e.period) for e in self.index()}
        made = []
        for year in sorted(set(wanted)):
            frame = None
            for part in PARTS_IN_ORDER:
                for period in closed_periods(part, year, last_closed):
                    if (year, part, period) in done:
                        continue
                    if frame is None:
                        frame = load_year(self.db.engine, year, self.taxonomy)
                    made.append(self.publish(year, part, period, signals=frame))
                    echo(f"  published plan {year} {part.value} {period}")
        return made

    def spec(self, year: int, part: Part, period: str, revision: int,
             paid_by: str | None) -> PlanSpec:
        """What identifies a release of the plan; the revision makes a replacement new."""
        tables = tables_of(part)
        return PlanSpec(
            data_year=year, part=part, period=period, revision=revision,
            tables={t.name: PlanTableSpec(t.level, t.dimension, t.rho, t.source)
                    for t in tables},
            budget=PlanBudget((year,), sum((t.rho for t in tables), Fraction(0)), paid_by),
            dg_min_fte=DG_MIN_FTE, taxonomy_version=self.taxonomy.version,
        )

    def compute(self, signals: pl.DataFrame, year: int, part: Part,
                period: str) -> PlanResult:
        """Every table of the part: exact case mass, then noise; the exact mass stays here."""
        tables = {}
        for table in tables_of(part):
            exact = exact_plan_table(signals, table, year, self.taxonomy, self.org,
                                     period=None if part is Part.YEAR else period)
            noisy = noisy_plan_table(exact)
            del exact  # nothing below may see the exact mass
            tables[table.name] = noisy.payload()
        return PlanResult(year, part, period, tables)

    def _ensure_share(self, year: int, part: Part, cost: Fraction) -> None:
        """The plan's share must hold what it spent, this release, and every part of the year
        not yet paid for: a replacement is paid in full again, so the share grows by its cost
        (within the cap; past it the ledger refuses, and the operator decides)."""
        spent = self.ledger.status(PLAN_CONSUMER, year).spent
        paid = {e.part for e in self.index(year)}
        outstanding = sum((t.rho for t in PLAN_TABLES
                           if t.part not in paid and t.part is not part), Fraction(0))
        self.ledger.ensure_budget(PLAN_CONSUMER, year, max(PLAN_RHO, spent + cost + outstanding))

    def _series_payer(self, year: int, part: Part,
                      tables: Mapping[str, PlanTableSpec]) -> str | None:
        """The release that paid a periodic series, if an earlier period of it was published
        with the same tables. A series whose tables changed (another rho, level or source) is
        another series and pays again: the paid one covers only what it measured."""
        if part is Part.YEAR:
            return None
        for entry in self.index(year):
            if entry.part is not part:
                continue
            first = PlanSpec.from_json(self.releases.get(entry.release_id).spec)
            if first.tables == tables:
                return first.budget.paid_by or entry.release_id
        return None

    def _check(self, year: int, part: Part, period: str) -> None:
        closed = closed_periods(part, year, self.today().add(-1))
        if period not in closed:
            message = (f"{period} is geen afgesloten periode van {year}: alleen voorbije "
                       "perioden worden gepubliceerd.")
            raise ValidationFailed(message, [FieldError("period", message)])
