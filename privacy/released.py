"""What a release of published figures holds, typed: written and read through this module only.

Two kinds of release carry the figures that pages, reports and the API read: the release plan
(``privacy.plan_service``: :class:`PlanSpec`, :class:`PlanResult` of :class:`PlanTablePayload`)
and the earlier design's monthly publication (``privacy.publication``, typed in
``privacy.released_monthly``), whose tables are :class:`ReleasedTable` values, as is a
researcher's query answer (``privacy.queries``).

``to_json`` gives the exact document that is hashed, signed and stored (canonical JSON sorts the
keys); ``from_json`` reads a stored one back, or raises :class:`MalformedRelease` (a
``ValueError``). Writers build these values and readers (``analytics.plan``,
``analytics.published``, the indexes) take them, so no key of a release's spec or result is
looked up anywhere else. Fields that older releases lack are optional (``None``) and left out
again by ``to_json``: a stored document reads back to the same document, and a reader never sees
a default presented as a recorded fact (a plan table without ``source`` is not "advisers").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from privacy.exact import format_epsilon, parse_epsilon
from privacy.plan import PLAN_KIND, PLAN_VERSION, Dimension, Level, Part, Source
from privacy.releases import Release

BUDGET_UNITS = ("epsilon", "rho")  # the keys a released table's cost may stand under

Json = dict[str, Any]


class MalformedRelease(ValueError):
    """A stored spec or result that is not of the shape its kind says."""


@contextmanager
def reading(what: str) -> Iterator[None]:
    """Turn a missing key or a wrong type while reading ``what`` into :class:`MalformedRelease`."""
    try:
        yield
    except MalformedRelease:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedRelease(f"{what}: {type(exc).__name__} {exc}") from exc


def kind_of(spec: Any) -> str | None:
    """A stored spec's ``kind`` (plan, monthly publication, query), or None."""
    return spec.get("kind") if isinstance(spec, Mapping) else None


def _recorded(**fields: Any) -> Json:
    """The fields that are recorded: an optional field that is None is left out."""
    return {key: value for key, value in fields.items() if value is not None}


def _number(value: Any) -> float:
    """A JSON number as it was stored: an int stays an int (``12``, not ``12.0``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedRelease(f"not a number: {value!r}")
    return value


def _optional(value: Any, kind: Callable[[Any], Any]) -> Any:
    return None if value is None else kind(value)


# -- the release plan --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanCell:
    """One cell of a planned table: a row (unit), a code and, in periodic tables, a period."""

    unit: str
    code: str
    estimate: float
    period: str | None = None

    def to_json(self) -> Json:
        return _recorded(unit=self.unit, code=self.code, estimate=self.estimate,
                         period=self.period)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanCell:
        return cls(str(data["unit"]), str(data["code"]), float(data["estimate"]),
                   _optional(data.get("period"), str))


@dataclass(frozen=True)
class PlanTablePayload:
    """A released planned table: its public cells, unbiased estimates and the noise's spread."""

    part: Part
    level: Level
    dimension: Dimension
    rho: Fraction
    """What the table (its whole series, for a periodic one) costs."""
    standard_deviation: float
    privacy_loss_rho: float
    """The loss OpenDP certified for the noise scale used (at most ``rho``)."""
    cells: tuple[PlanCell, ...]
    source: Source | None = None
    """None in releases made before the meldknop was counted apart."""
    measure: str = "cases"
    mechanism: str = "gaussian"
    l2_sensitivity: int = 1

    def to_json(self) -> Json:
        return _recorded(
            part=self.part.value, level=self.level.value, dimension=self.dimension.value,
            measure=self.measure, rho=format_epsilon(self.rho), mechanism=self.mechanism,
            l2_sensitivity=self.l2_sensitivity, standard_deviation=self.standard_deviation,
            privacy_loss_rho=self.privacy_loss_rho, cells=[c.to_json() for c in self.cells],
            source=self.source.value if self.source is not None else None)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanTablePayload:
        with reading("plan table"):
            return cls(
                part=Part(data["part"]), level=Level(data["level"]),
                dimension=Dimension(data["dimension"]), rho=parse_epsilon(str(data["rho"])),
                standard_deviation=float(data["standard_deviation"]),
                privacy_loss_rho=float(data["privacy_loss_rho"]),
                cells=tuple(PlanCell.from_json(c) for c in data["cells"]),
                source=_optional(data.get("source"), Source), measure=str(data["measure"]),
                mechanism=str(data["mechanism"]), l2_sensitivity=int(data["l2_sensitivity"]))


@dataclass(frozen=True)
class PlanTableSpec:
    """What a planned table is, as its release's spec names it (its cells are in the result)."""

    level: Level
    dimension: Dimension
    rho: Fraction
    source: Source | None = None

    def to_json(self) -> Json:
        return _recorded(level=self.level.value, dimension=self.dimension.value,
                         rho=format_epsilon(self.rho),
                         source=self.source.value if self.source is not None else None)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanTableSpec:
        return cls(Level(data["level"]), Dimension(data["dimension"]),
                   parse_epsilon(str(data["rho"])), _optional(data.get("source"), Source))


@dataclass(frozen=True)
class PlanBudget:
    """What a plan release cost and which release paid its series (``paid_by``, else itself)."""

    data_years: tuple[int, ...]
    rho: Fraction
    paid_by: str | None = None
    unit: str = "rho"

    def to_json(self) -> Json:
        return {"unit": self.unit, "data_years": list(self.data_years),
                "rho": format_epsilon(self.rho), "paid_by": self.paid_by}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanBudget:
        return cls(tuple(int(y) for y in data["data_years"]), parse_epsilon(str(data["rho"])),
                   _optional(data.get("paid_by"), str), str(data["unit"]))


@dataclass(frozen=True)
class PlanSpec:
    """What identifies a release of the plan; the revision makes a replacement a new question."""

    data_year: int
    part: Part
    period: str
    revision: int
    tables: Mapping[str, PlanTableSpec]
    budget: PlanBudget
    dg_min_fte: int
    taxonomy_version: str
    version: int = PLAN_VERSION

    def to_json(self) -> Json:
        return dict(
            kind=PLAN_KIND, version=self.version, data_year=self.data_year,
            part=self.part.value, period=self.period, revision=self.revision,
            tables={name: table.to_json() for name, table in self.tables.items()},
            budget=self.budget.to_json(), dg_min_fte=self.dg_min_fte,
            taxonomy_version=self.taxonomy_version)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanSpec:
        with reading("plan spec"):
            if data["kind"] != PLAN_KIND:
                raise MalformedRelease(f"not a release of the plan: {data['kind']!r}")
            return cls(
                data_year=int(data["data_year"]), part=Part(data["part"]),
                period=str(data["period"]), revision=int(data.get("revision", 1)),
                tables={str(n): PlanTableSpec.from_json(t) for n, t in data["tables"].items()},
                budget=PlanBudget.from_json(data["budget"]),
                dg_min_fte=int(data["dg_min_fte"]),
                taxonomy_version=str(data["taxonomy_version"]), version=int(data["version"]))

    @classmethod
    def read(cls, spec: Any) -> PlanSpec | None:
        """The spec as a plan release's, or None when it is of another kind (for indexes)."""
        return cls.from_json(spec) if kind_of(spec) == PLAN_KIND else None


@dataclass(frozen=True)
class PlanResult:
    """Every table of one part (and period) of a data year."""

    data_year: int
    part: Part
    period: str
    tables: Mapping[str, PlanTablePayload]

    def to_json(self) -> Json:
        return {"data_year": self.data_year, "part": self.part.value, "period": self.period,
                "tables": {name: table.to_json() for name, table in self.tables.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanResult:
        with reading("plan result"):
            return cls(int(data["data_year"]), Part(data["part"]), str(data["period"]),
                       {str(n): PlanTablePayload.from_json(t)
                        for n, t in data["tables"].items()})


def plan_result(release: Release) -> PlanResult:
    """The tables of a release of the plan; :class:`MalformedRelease` for any other release."""
    PlanSpec.from_json(release.spec)
    return PlanResult.from_json(release.result)


# -- the earlier design's monthly publication (and a researcher's query answer) ---------------


@dataclass(frozen=True)
class ReleasedCell:
    """One public key of a released table: its unbiased estimate, interval and display count."""

    key: tuple[str, ...]
    """The key's codes, in the table's ``group_by`` order."""
    estimate: int
    ci95: tuple[float, float]
    consistent: int | None = None
    """Non-negative display count (post-processed); None in releases made before it existed."""
    consistent_total: int | None = None

    def to_json(self, group_by: tuple[str, ...]) -> Json:
        return {**dict(zip(group_by, self.key, strict=True)),
                **_recorded(estimate=self.estimate, ci95=list(self.ci95),
                            consistent=self.consistent, consistent_total=self.consistent_total)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], group_by: tuple[str, ...]) -> ReleasedCell:
        low, high = data["ci95"]
        return cls(tuple(str(data[d]) for d in group_by), int(data["estimate"]),
                   (_number(low), _number(high)), _optional(data.get("consistent"), int),
                   _optional(data.get("consistent_total"), int))


@dataclass(frozen=True)
class ReleasedTable:
    """A differentially private table over its full public key grid, as released.

    What describes the noise and the bounds is None in releases made before the capped ledger
    (a council's or researcher's early answers): they recorded the cells and the margin only."""

    measure: str
    group_by: tuple[str, ...]
    cells: tuple[ReleasedCell, ...]
    ci95_halfwidth: float
    mechanism: str = "laplace"
    budget_unit: str | None = None
    """"epsilon" (laplace) or "rho" (gaussian): the key the cost stands under."""
    budget: Fraction | None = None
    noise_scale: float | None = None
    standard_deviation: float | None = None
    simultaneous_ci95_halfwidth: float | None = None
    confidence: float | None = None
    l1_sensitivity: int | None = None
    l2_sensitivity: float | None = None
    coarsening_threshold: int | None = None
    contacts_per_case: int | None = None
    categories_per_signal: int | None = None

    def __post_init__(self) -> None:
        if (self.budget_unit is None) != (self.budget is None) or (
                self.budget_unit is not None and self.budget_unit not in BUDGET_UNITS):
            raise MalformedRelease(f"a cost needs a budget unit of {BUDGET_UNITS}")

    def to_json(self) -> Json:
        cost = ({self.budget_unit: format_epsilon(self.budget)}
                if self.budget_unit is not None and self.budget is not None else {})
        return {**_recorded(
            measure=self.measure, group_by=list(self.group_by), mechanism=self.mechanism,
            noise_scale=self.noise_scale, standard_deviation=self.standard_deviation,
            ci95_halfwidth=self.ci95_halfwidth,
            simultaneous_ci95_halfwidth=self.simultaneous_ci95_halfwidth,
            confidence=self.confidence,
            sensitivity=_recorded(l1=self.l1_sensitivity, l2=self.l2_sensitivity) or None,
            coarsening_threshold=self.coarsening_threshold,
            contribution_bound=_recorded(contacts_per_case=self.contacts_per_case,
                                         categories_per_signal=self.categories_per_signal)
            or None,
            cells=[cell.to_json(self.group_by) for cell in self.cells]), **cost}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReleasedTable:
        with reading("released table"):
            group_by = tuple(str(d) for d in data["group_by"])
            unit = next((u for u in BUDGET_UNITS if u in data), None)
            sensitivity = data.get("sensitivity", {})
            bound = data.get("contribution_bound", {})
            return cls(
                measure=str(data["measure"]), group_by=group_by,
                cells=tuple(ReleasedCell.from_json(c, group_by) for c in data["cells"]),
                ci95_halfwidth=_number(data["ci95_halfwidth"]),
                # Releases made before Gaussian noise was offered were all Laplace.
                mechanism=str(data.get("mechanism", "laplace")), budget_unit=unit,
                budget=parse_epsilon(str(data[unit])) if unit is not None else None,
                noise_scale=_optional(data.get("noise_scale"), _number),
                standard_deviation=_optional(data.get("standard_deviation"), _number),
                simultaneous_ci95_halfwidth=_optional(
                    data.get("simultaneous_ci95_halfwidth"), _number),
                confidence=_optional(data.get("confidence"), float),
                l1_sensitivity=_optional(sensitivity.get("l1"), int),
                l2_sensitivity=_optional(sensitivity.get("l2"), float),
                coarsening_threshold=_optional(data.get("coarsening_threshold"), int),
                contacts_per_case=_optional(bound.get("contacts_per_case"), int),
                categories_per_signal=_optional(bound.get("categories_per_signal"), int))
