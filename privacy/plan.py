"""The release plan: the tables measured for each data year, declared once.

Works councils, the annual report, the Rijk-wide view and the prevention officer ask known
questions. Each is measured directly, at the level it is asked, instead of being added up from
fine monthly cells (whose noise would add up too). Every table is released with Gaussian noise
under zCDP and counts **cases**.

The case as a unit of mass
    A case (one case token within a data year, or a signal without a token) carries mass 1. In a
    table it is spread evenly over the distinct cells its contacts fall in: a case about pesten
    and intimidatie counts 1/2 in each, a case seen by two channels 1/2 at each. So every table's
    cells add up to the number of cases, and adding or removing one case moves a table's count
    vector by a vector of non-negative entries summing to 1, whose L2 norm is at most 1 (equal
    to 1 only when all its mass is in one cell). The L2 sensitivity of every table is therefore
    Delta2 = 1, whatever the number of contacts or categories of a case: no truncation needed.
    Gaussian noise of scale sigma then costs rho = Delta2^2 / (2 sigma^2) = 1 / (2 sigma^2).

Parts and time (continual release)
    ``year`` tables are released once the data year is over. ``month``, ``quarter`` and
    ``half`` tables are released as each period closes. In those, a case counts only in the
    period of its **first contact** in the data year (its anchor), with the cells of its contacts
    within that period. A case is therefore in at most one release of a series: however many
    months are released, the series together costs its rho once (zCDP composes by adding each
    release's ||contribution||^2 / (2 sigma^2), and the squares of one case's contributions
    over the series add up to at most 1). The ledger is charged the whole series' rho with its
    first release, so the stated loss is never behind the truth.

Levels
    ``rijk`` is one cell per code for all organisations together; ``organisation`` one row per
    organisation; ``dg`` one row per directorate-general of at least ``DG_MIN_FTE`` FTE, plus one
    row per organisation (coded with the organisation's own code) for the rest of its staff, so
    the DG rows of an organisation add up to the organisation; ``directie`` one row per directie
    of at least ``DIRECTIE_MIN_FTE`` FTE (smaller ones have none), for the hotspot checks.

Sources
    Every table counts what advisers log (all channels but the meldknop's). The meldknop's
    anonymous self-reports are counted apart, in ``org_meldknop_category``, and never in a
    figure or a finding of the other tables. Measuring every level lets
    readers combine them by weighted least squares (``analytics.plan``): an organisation's
    figure is never worse than its own direct measurement.

Follow-up outcomes
    Outcomes are added to a case later, by its token (``registry.outcomes``), and belong to the
    data year of its first contact. Each outcome field has a year table per organisation: a
    case's mass 1 is spread over the codes recorded for it (measures and aftercare may hold
    several), or lies whole in ``niet_vastgelegd`` when nothing is recorded, so these tables
    too have sensitivity 1 and add up to the organisation's cases. Their rho (6 x 0.002) was
    taken from tables with room to spare (the meldknop's table, DG x category per half year and
    the quarterly totals, each also measured another way), so the plan's total did not grow.

The rho per table (``PLAN_TABLES``) adds up to ``PLAN_RHO`` = 0.226 per data year, within the
default cap of rho 0.311064 (epsilon 4 at delta 1e-6), leaving 0.085 for the allocations of the
works councils, the prevention officers and research projects. The half-widths that follow
(95%, before combining levels) are in docs/privacy-guarantee.md and measured by
bench/bench_accuracy.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from registry.organisations import OrgStructure
from registry.periods import Month

DG_MIN_FTE = 2000
DIRECTIE_MIN_FTE = 500
RIJK = "RIJK"
# The meldknop's channel: anonymous self-reports, counted apart from what advisers log.
SELF_REPORT_CHANNEL = "meldpunt"
NO_IMPACT = "geen"
PLAN_KIND = "release-plan"
PLAN_VERSION = 3
PLAN_CONSUMER = "plan"


class Part(StrEnum):
    """When a table is released: after the year, or as each month, quarter or half closes."""

    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"


class Level(StrEnum):
    RIJK = "rijk"
    ORGANISATION = "organisation"
    DG = "dg"
    DIRECTIE = "directie"


class Source(StrEnum):
    """Which signals a table counts. The meldknop is anonymous and can be abused, so its
    self-reports are counted apart and never count towards a figure advisers' contacts make."""

    ADVISERS = "advisers"
    """Every channel but the meldknop's."""
    MELDKNOP = "meldknop"
    """Only the meldknop's self-reports."""


class Dimension(StrEnum):
    """What a table's columns are; TOTAL is a single column."""

    TOTAL = "total"
    CATEGORY = "category"
    CHANNEL = "channel"
    IMPLICATED_PARTY = "implicated_party"
    REPORTER_ROLE = "reporter_role"
    FOLLOW_UP = "follow_up"
    IMPACT = "impact"
    # Follow-up outcomes added to a case later (registry.outcomes), one table per field.
    ACKNOWLEDGED_7D = "acknowledged_7d"
    FEEDBACK_3M = "feedback_3m"
    EMPLOYER_ACTED = "employer_acted"
    OUTCOME = "outcome"
    MEASURES = "measures"
    AFTERCARE = "aftercare"

    @property
    def is_outcome(self) -> bool:
        return self in OUTCOME_DIMENSIONS


OUTCOME_DIMENSIONS = frozenset({
    Dimension.ACKNOWLEDGED_7D, Dimension.FEEDBACK_3M, Dimension.EMPLOYER_ACTED, Dimension.OUTCOME,
    Dimension.MEASURES, Dimension.AFTERCARE})


@dataclass(frozen=True)
class PlanTable:
    """One planned table: what it measures, when it is released and what it costs."""

    name: str
    part: Part
    level: Level
    dimension: Dimension
    rho: Fraction
    """zCDP cost of the table (of the whole series for a periodic table); Delta2 = 1."""
    source: Source = Source.ADVISERS

    def __post_init__(self) -> None:
        if not 0 < self.rho < 1:
            raise ValueError(f"{self.name}: rho must be between 0 and 1")

    @property
    def sigma(self) -> float:
        """Standard deviation of each cell's noise: 1 / sqrt(2 rho)."""
        return 1 / math.sqrt(2 * float(self.rho))


PLAN_TABLES: tuple[PlanTable, ...] = (
    PlanTable("rijk_category", Part.YEAR, Level.RIJK, Dimension.CATEGORY, Fraction("0.02")),
    PlanTable("org_total", Part.YEAR, Level.ORGANISATION, Dimension.TOTAL, Fraction("0.008")),
    PlanTable("org_category", Part.YEAR, Level.ORGANISATION, Dimension.CATEGORY,
              Fraction("0.02")),
    PlanTable("dg_category", Part.YEAR, Level.DG, Dimension.CATEGORY, Fraction("0.015")),
    PlanTable("directie_category", Part.YEAR, Level.DIRECTIE, Dimension.CATEGORY,
              Fraction("0.015")),
    PlanTable("org_meldknop_category", Part.YEAR, Level.ORGANISATION, Dimension.CATEGORY,
              Fraction("0.006"), Source.MELDKNOP),
    PlanTable("org_channel", Part.YEAR, Level.ORGANISATION, Dimension.CHANNEL, Fraction("0.02")),
    PlanTable("org_implicated_party", Part.YEAR, Level.ORGANISATION, Dimension.IMPLICATED_PARTY,
              Fraction("0.02")),
    PlanTable("org_reporter_role", Part.YEAR, Level.ORGANISATION, Dimension.REPORTER_ROLE,
              Fraction("0.02")),
    PlanTable("org_follow_up", Part.YEAR, Level.ORGANISATION, Dimension.FOLLOW_UP,
              Fraction("0.02")),
    PlanTable("org_impact", Part.YEAR, Level.ORGANISATION, Dimension.IMPACT, Fraction("0.02")),
    *(PlanTable(f"org_{d.value}", Part.YEAR, Level.ORGANISATION, d, Fraction("0.002"))
      for d in (Dimension.ACKNOWLEDGED_7D, Dimension.FEEDBACK_3M, Dimension.EMPLOYER_ACTED,
                Dimension.OUTCOME, Dimension.MEASURES, Dimension.AFTERCARE)),
    PlanTable("dg_category_half", Part.HALF, Level.DG, Dimension.CATEGORY, Fraction("0.014")),
    PlanTable("org_total_quarter", Part.QUARTER, Level.ORGANISATION, Dimension.TOTAL,
              Fraction("0.004")),
    PlanTable("org_total_month", Part.MONTH, Level.ORGANISATION, Dimension.TOTAL,
              Fraction("0.012")),
)
PLAN_RHO: Fraction = sum((t.rho for t in PLAN_TABLES), Fraction(0))


def plan_table(name: str) -> PlanTable:
    for table in PLAN_TABLES:
        if table.name == name:
            return table
    raise KeyError(name)


def tables_of(part: Part) -> tuple[PlanTable, ...]:
    return tuple(t for t in PLAN_TABLES if t.part is part)


def dg_cells(org: OrgStructure) -> dict[str, str]:
    """Every unit -> the DG row it counts in: its directorate-general of at least DG_MIN_FTE
    FTE, or else its organisation (the organisation's row holds the rest of its staff)."""
    out: dict[str, str] = {}
    for unit in org.units:
        chain = list(reversed(org.ancestors(unit.code)))  # the organisation first
        big_dg = len(chain) > 1 and org.get(chain[1]).headcount >= DG_MIN_FTE
        out[unit.code] = chain[1] if big_dg else unit.organisation
    return out


def directie_cells(org: OrgStructure) -> dict[str, str]:
    """Every unit inside a directie of at least DIRECTIE_MIN_FTE FTE -> that directie (a unit
    two levels below its organisation). Units elsewhere have no directie row."""
    out: dict[str, str] = {}
    for unit in org.units:
        chain = list(reversed(org.ancestors(unit.code)))  # the organisation first
        if len(chain) > 2 and org.get(chain[2]).headcount >= DIRECTIE_MIN_FTE:
            out[unit.code] = chain[2]
    return out


def level_units(level: Level, org: OrgStructure) -> tuple[str, ...]:
    """The public rows of a level, in structure order."""
    if level is Level.RIJK:
        return (RIJK,)
    if level is Level.ORGANISATION:
        return tuple(u.code for u in org.organisations)
    if level is Level.DIRECTIE:
        rows = set(directie_cells(org).values())
        return tuple(u.code for u in org.units if u.code in rows)
    rows = set(dg_cells(org).values())
    organisations = {u.code: i for i, u in enumerate(org.organisations)}
    position = {u.code: i for i, u in enumerate(org.units)}

    def order(code: str) -> tuple[int, int]:
        unit = org.get(code)
        # An organisation's DGs first, then its own row for the rest of its staff.
        return organisations[unit.organisation], position[code] if unit.parent else len(position)

    return tuple(sorted(rows, key=order))


def period_labels(part: Part, year: int) -> tuple[str, ...]:
    """The periods of a periodic part within a data year; () for the year part."""
    if part is Part.YEAR:
        return ()
    if part is Part.MONTH:
        return tuple(str(Month(year, m)) for m in range(1, 13))
    if part is Part.QUARTER:
        return tuple(f"{year}-Q{q}" for q in range(1, 5))
    return (f"{year}-H1", f"{year}-H2")


def period_of(part: Part, month: Month) -> str:
    """The label of the ``part`` period that ``month`` falls in."""
    if part is Part.MONTH:
        return str(month)
    if part is Part.QUARTER:
        return f"{month.year}-Q{(month.month - 1) // 3 + 1}"
    if part is Part.HALF:
        return f"{month.year}-H{1 if month.month <= 6 else 2}"
    return str(month.year)


def period_end(part: Part, label: str) -> Month:
    """The last month of a period label of ``part``."""
    if part is Part.MONTH:
        return Month.parse(label)
    year_text, _, rest = label.partition("-")
    year = int(year_text)
    if part is Part.QUARTER:
        return Month(year, int(rest[1:]) * 3)
    if part is Part.HALF:
        return Month(year, 6 if rest == "H1" else 12)
    return Month(year, 12)


def closed_periods(part: Part, year: int, last_closed: Month) -> tuple[str, ...]:
    """The periods of ``part`` in ``year`` whose last month is at or before ``last_closed``."""
    if part is Part.YEAR:
        return (str(year),) if Month(year, 12) <= last_closed else ()
    return tuple(p for p in period_labels(part, year) if period_end(part, p) <= last_closed)
