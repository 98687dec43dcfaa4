"""What a consumer may ask for: one frozen, validated query specification.

A :class:`QuerySpec` names a measure, the public dimensions to group by, filters on public codes,
a month range, a time grain and a privacy budget. It never names anything that depends on the
data: every key of the released table follows from the spec and the public structure alone.
Its closed sets (measures, dimensions, grains, mechanisms) are in ``privacy.kinds``; its budget
is an exact decimal within a fixed range (``privacy.budgets``).

``mechanism`` decides the unit of the budget: "laplace" spends ``epsilon`` (pure DP, discrete
Laplace noise); "gaussian" spends ``rho`` (zero-concentrated DP, discrete Gaussian noise). The
two are different currencies; a spec carries exactly one of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from privacy.budgets import check_budget, decimal_text, parse_budget
from privacy.coarsening import DEFAULT_THRESHOLD, released_units
from privacy.kinds import (
    BUDGET_FIELD,
    DIMENSIONS,
    FILTER_FIELDS,
    GRAINS,
    MEASURES,
    MECHANISMS,
    TAXONOMY_FIELDS,
    BudgetUnit,
    Grain,
    Measure,
    Mechanism,
)
from privacy.tables import dimension_codes
from registry.errors import FieldError, ValidationFailed
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.records import past_month
from registry.taxonomy import Taxonomy

# Noise costs about 12 microseconds a cell; 200,000 cells is a few seconds and far more than
# any dashboard shows.
MAX_CELLS = 200_000
JSON_FIELDS = ("measure", "group_by", "filters", "from", "to", "grain", "mechanism",
               "epsilon", "rho")


@dataclass(frozen=True)
class QuerySpec:
    """One question to the registry; build it from user input with :meth:`from_json`."""

    measure: Measure
    """What is counted; a plain code ("cases") is read as its enum, as are grain and mechanism."""
    group_by: tuple[str, ...]
    """Dimensions of the table, a subset of DIMENSIONS in canonical order; () is one total."""
    filters: Mapping[str, tuple[str, ...]]
    """field -> allowed codes; a row passes when its code is one of them (for categories: when
    one of its counted categories is)."""
    start: Month
    """First month, inclusive ("from" in JSON)."""
    end: Month
    """Last month, inclusive ("to" in JSON)."""
    grain: Grain = Grain.MONTH
    """Width of a period bucket."""
    mechanism: Mechanism = Mechanism.LAPLACE
    """Laplace (pure epsilon-DP) or Gaussian (rho-zCDP) noise."""
    epsilon: Fraction | None = None
    """Budget of a laplace spec; None for gaussian."""
    rho: Fraction | None = None
    """Budget of a gaussian spec; None for laplace."""
    _canonical: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ValueError(f"measure must be one of {MEASURES}, got {self.measure!r}")
        object.__setattr__(self, "measure", Measure(self.measure))
        if not isinstance(self.group_by, tuple):
            raise ValueError("group_by must be a tuple")
        if len(set(self.group_by)) != len(self.group_by):
            raise ValueError("group_by must not repeat a dimension")
        unknown = [d for d in self.group_by if d not in DIMENSIONS]
        if unknown:
            raise ValueError(f"unknown dimensions in group_by: {unknown}")
        if self.group_by != tuple(d for d in DIMENSIONS if d in self.group_by):
            raise ValueError(f"group_by must follow the canonical order {DIMENSIONS}")
        filters: dict[str, tuple[str, ...]] = {}
        for name in sorted(self.filters):
            codes = self.filters[name]
            if name not in FILTER_FIELDS:
                raise ValueError(f"cannot filter on {name!r}; fields are {FILTER_FIELDS}")
            if not isinstance(codes, tuple) or not codes:
                raise ValueError(f"filter {name!r} must be a non-empty tuple of codes")
            if len(set(codes)) != len(codes):
                raise ValueError(f"filter {name!r} repeats a code")
            filters[name] = codes
        object.__setattr__(self, "filters", MappingProxyType(filters))
        if self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        if self.grain not in GRAINS:
            raise ValueError(f"grain must be one of {GRAINS}, got {self.grain!r}")
        if self.mechanism not in MECHANISMS:
            raise ValueError(f"mechanism must be one of {MECHANISMS}, got {self.mechanism!r}")
        object.__setattr__(self, "grain", Grain(self.grain))
        object.__setattr__(self, "mechanism", Mechanism(self.mechanism))
        laplace = self.mechanism is Mechanism.LAPLACE
        budget, other = (self.epsilon, self.rho) if laplace else (self.rho, self.epsilon)
        if other is not None:
            raise ValueError(f"a {self.mechanism} spec spends {self.budget_unit} only")
        check_budget(budget, self.budget_unit)
        object.__setattr__(self, "_canonical", json.dumps(self.as_json(), sort_keys=True,
                                                          separators=(",", ":")))

    @property
    def budget(self) -> Fraction:
        """The amount spent, in :attr:`budget_unit`."""
        value = self.epsilon if self.mechanism is Mechanism.LAPLACE else self.rho
        assert value is not None  # checked in __post_init__
        return value

    @property
    def budget_unit(self) -> BudgetUnit:
        """Epsilon for laplace, rho for gaussian."""
        return self.mechanism.budget_unit

    def as_json(self) -> dict[str, Any]:
        """The JSON shape that :meth:`from_json` reads back."""
        return {
            "measure": self.measure.value,
            "group_by": list(self.group_by),
            "filters": {name: list(codes) for name, codes in self.filters.items()},
            "from": str(self.start),
            "to": str(self.end),
            "grain": self.grain.value,
            "mechanism": self.mechanism.value,
            self.budget_unit.value: decimal_text(self.budget),
        }

    def canonical_json(self) -> str:
        """Stable text: equal questions give equal text ("release once, share many").

        Keys are sorted, group_by is in canonical order and filter codes are in public order
        (taxonomy or organisation order) when the spec comes from :meth:`from_json`.
        """
        return self._canonical

    def __hash__(self) -> int:
        return hash(self._canonical)

    @classmethod
    def from_json(
        cls,
        data: Any,
        taxonomy: Taxonomy,
        org: OrgStructure,
        today: Month,
        *,
        threshold: int = DEFAULT_THRESHOLD,
    ) -> QuerySpec:
        """Validate user input; raise ValidationFailed with one FieldError per bad field.

        ``threshold`` is the coarsening threshold: a unit filter may only name units that are
        released on their own, so that no filter ever singles out a small unit.
        """
        if not isinstance(data, Mapping):
            raise ValidationFailed(errors=[FieldError("", "Verwacht een JSON-object.")])
        errors: list[FieldError] = [
            FieldError(str(name)[:64], "Onbekend veld.")
            for name in sorted(map(str, data)) if name not in JSON_FIELDS
        ]
        measure = _choice(data, "measure", MEASURES, None, errors)
        group_by = _group_by(data.get("group_by", []), errors)
        filters = _filters(data.get("filters", {}), taxonomy, org, threshold, errors)
        start, end = _period(data, today, errors)
        grain = _choice(data, "grain", GRAINS, Grain.MONTH, errors)
        mechanism = _choice(data, "mechanism", MECHANISMS, Mechanism.LAPLACE, errors)
        budget = _budget(data, mechanism, errors) if mechanism is not None else None
        if not errors and group_by is not None and start is not None and end is not None:
            assert grain is not None
            cells = _cell_count(group_by, filters or {}, start, end, Grain(grain), taxonomy,
                                org, threshold)
            if cells > MAX_CELLS:
                errors.append(FieldError("group_by", _too_many_cells(cells)))
        if errors:
            raise ValidationFailed(errors=errors)
        assert measure and group_by is not None and filters is not None
        assert start and end and grain and mechanism and budget is not None
        laplace = mechanism == Mechanism.LAPLACE
        return cls(
            measure=Measure(measure), group_by=group_by, filters=filters, start=start, end=end,
            grain=Grain(grain), mechanism=Mechanism(mechanism),
            epsilon=budget if laplace else None, rho=None if laplace else budget,
        )


def _period(data: Mapping[str, Any], today: Month,
            errors: list[FieldError]) -> tuple[Month | None, Month | None]:
    """The months "from" and "to", each in the past, the first not after the second."""
    start = _month(data, "from", today, errors)
    end = _month(data, "to", today, errors)
    if start is not None and end is not None and start > end:
        errors.append(FieldError("from", "De beginmaand ligt na de eindmaand."))
        start = None
    return start, end


def _budget(data: Mapping[str, Any], mechanism: str, errors: list[FieldError]) -> Fraction | None:
    """The budget in the mechanism's own unit (epsilon or rho); the other unit is refused."""
    unit = BUDGET_FIELD[mechanism]
    wrong = next(other for other in BUDGET_FIELD.values() if other != unit)
    if wrong in data:
        errors.append(FieldError(wrong, f"Bij mechanisme {mechanism} hoort {unit}."))
    return parse_budget(data.get(unit), unit, errors)


def _too_many_cells(cells: int) -> str:
    return (f"Deze tabel heeft {cells} cellen; het maximum is {MAX_CELLS}. Kies minder "
            "dimensies, een grovere periode of filters.")


def _choice(
    data: Mapping[str, Any], name: str, options: tuple[str, ...], default: str | None,
    errors: list[FieldError],
) -> str | None:
    value = data.get(name, default)
    if value is None:
        errors.append(FieldError(name, f"Kies een van: {', '.join(options)}."))
        return None
    if not isinstance(value, str) or value not in options:
        errors.append(FieldError(name, f"Onbekende waarde; kies een van: {', '.join(options)}."))
        return None
    return value


def _group_by(value: Any, errors: list[FieldError]) -> tuple[str, ...] | None:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.append(FieldError("group_by", "Geef een lijst dimensies."))
        return None
    unknown = [v for v in value if v not in DIMENSIONS]
    if unknown:
        errors.append(FieldError(
            "group_by", f"Onbekende dimensie {unknown[0]!r}; kies uit: {', '.join(DIMENSIONS)}."))
        return None
    if len(set(value)) != len(value):
        errors.append(FieldError("group_by", "Een dimensie staat dubbel."))
        return None
    return tuple(d for d in DIMENSIONS if d in value)


def _filters(
    value: Any, taxonomy: Taxonomy, org: OrgStructure, threshold: int, errors: list[FieldError]
) -> dict[str, tuple[str, ...]] | None:
    if not isinstance(value, Mapping):
        errors.append(FieldError("filters", "Geef filters als object: veld -> lijst codes."))
        return None
    released = set(released_units(org, threshold))
    out: dict[str, tuple[str, ...]] = {}
    problems: list[str] = []
    for name, codes in value.items():
        if name == "period":
            problems.append("kies de periode met from en to, niet met een filter")
            continue
        if name not in FILTER_FIELDS:
            problems.append(f"onbekend filterveld {str(name)[:64]!r}")
            continue
        if (not isinstance(codes, list | tuple) or not codes
                or not all(isinstance(c, str) for c in codes)):
            problems.append(f"{name}: geef een niet-lege lijst codes")
            continue
        if len(set(codes)) != len(codes):
            problems.append(f"{name}: een code staat dubbel")
            continue
        order = _public_order(name, taxonomy, org)
        unknown = [c for c in codes if c not in order]
        if unknown:
            problems.append(f"{name}: onbekende code {unknown[0][:64]!r}")
            continue
        if name == "unit":
            small = [c for c in codes if c not in released]
            if small:
                problems.append(
                    f"unit: {small[0]} is kleiner dan {threshold} fte en wordt alleen "
                    "samen met een hoger onderdeel getoond")
                continue
        out[name] = tuple(sorted(codes, key=order.__getitem__))
    if "unit" in out and "organisation" in out:
        outside = [u for u in out["unit"] if org.get(u).organisation not in out["organisation"]]
        if outside:
            problems.append(f"unit: {outside[0]} hoort niet bij de gekozen organisaties")
    if problems:
        errors.append(FieldError("filters", "Filters: " + "; ".join(problems) + "."))
        return None
    return out


def _public_order(name: str, taxonomy: Taxonomy, org: OrgStructure) -> dict[str, int]:
    if name == "organisation":
        return {u.code: i for i, u in enumerate(org.organisations)}
    if name == "unit":
        return {u.code: i for i, u in enumerate(org.units)}
    return {code: i for i, code in enumerate(taxonomy.codes(TAXONOMY_FIELDS[name]))}


def _month(data: Mapping[str, Any], name: str, today: Month,
           errors: list[FieldError]) -> Month | None:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        errors.append(FieldError(name, "Vul een maand in (JJJJ-MM)."))
        return None
    return past_month(value, today, name, errors)


def _cell_count(
    group_by: tuple[str, ...], filters: Mapping[str, tuple[str, ...]], start: Month, end: Month,
    grain: Grain, taxonomy: Taxonomy, org: OrgStructure, threshold: int,
) -> int:
    cells = 1
    for name in group_by:
        cells *= len(dimension_codes(name, filters, start, end, grain, taxonomy, org, threshold))
    return cells
