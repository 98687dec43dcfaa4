"""What a consumer may ask for: one frozen, validated query specification.

A :class:`QuerySpec` names a measure, the public dimensions to group by, filters on public codes,
a month range, a time grain and a privacy budget. It never names anything that depends on the
data: every key of the released table follows from the spec and the public structure alone.

The budget is exact. ``epsilon`` (pure DP, discrete Laplace noise) or ``rho`` (zero-concentrated
DP, discrete Gaussian noise) is a :class:`fractions.Fraction` parsed from a decimal string or an
integer with at most six decimal places. A JSON float is refused: ``0.1`` as a binary float is
not one tenth, and budgets that are added up over a year must not drift. One query's budget
lies in a fixed range, from MIN_EPSILON to MAX_EPSILON or from MIN_RHO to MAX_RHO.

``mechanism`` decides the unit of the budget: "laplace" spends ``epsilon``; "gaussian" spends
``rho`` (zCDP). The two are different currencies; a spec carries exactly one of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from privacy.coarsening import DEFAULT_THRESHOLD, released_units
from registry.errors import FieldError, ValidationFailed
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.taxonomy import Taxonomy

MEASURES = ("contacts", "cases")
# Canonical order of the dimensions; group_by is always kept in this order.
DIMENSIONS = (
    "period", "unit", "category", "channel", "implicated_party", "reporter_role", "follow_up",
    "impact",
)
# Multi-valued dimensions: a signal can count in several of their codes (see contributions).
MULTI_VALUED = ("category", "impact")
# Filters on coded fields; the period is chosen with from/to, never with a filter.
FILTER_FIELDS = (
    "organisation", "unit", "category", "channel", "implicated_party", "reporter_role",
    "follow_up",
)
# Dimension name -> taxonomy field name, for the coded dimensions.
TAXONOMY_FIELDS = {
    "category": "categories",
    "channel": "channel",
    "implicated_party": "implicated_party",
    "reporter_role": "reporter_role",
    "follow_up": "follow_up",
    "impact": "impact",
}
GRAINS = ("month", "quarter", "year")
MECHANISMS = ("laplace", "gaussian")
BUDGET_FIELD = {"laplace": "epsilon", "gaussian": "rho"}
# The budget of one query, bounds included. The floor keeps out probing: ten million queries
# of a millionth each would add up to little per query but average the noise away bit by bit.
# The ceiling keeps out reconstruction: one query with a huge budget has almost no noise. The
# rho floor is what the smallest Laplace query costs (MIN_EPSILON**2 / 2); the rho ceiling is
# about a sixth of the default yearly cap (rho 0.311064), so one Gaussian query never takes
# most of a year.
MIN_EPSILON = Fraction(1, 100)
MAX_EPSILON = Fraction(1)
MIN_RHO = Fraction(5, 100_000)
MAX_RHO = Fraction(5, 100)
BUDGET_LIMITS = {"epsilon": (MIN_EPSILON, MAX_EPSILON), "rho": (MIN_RHO, MAX_RHO)}
MAX_DECIMALS = 6
# Noise costs about 12 microseconds a cell; 200,000 cells is a few seconds and far more than
# any dashboard shows.
MAX_CELLS = 200_000
JSON_FIELDS = ("measure", "group_by", "filters", "from", "to", "grain", "mechanism",
               "epsilon", "rho")
_DECIMAL_RE = re.compile(r"^\d{1,3}(\.\d{1,6})?$", re.ASCII)


@dataclass(frozen=True)
class QuerySpec:
    """One question to the registry; build it from user input with :meth:`from_json`."""

    measure: str
    """"contacts" counts signals; "cases" counts distinct cases (a signal without a case is one)."""
    group_by: tuple[str, ...]
    """Dimensions of the table, a subset of DIMENSIONS in canonical order; () is one total."""
    filters: Mapping[str, tuple[str, ...]]
    """field -> allowed codes; a row passes when its code is one of them (for categories: when
    one of its counted categories is)."""
    start: Month
    """First month, inclusive ("from" in JSON)."""
    end: Month
    """Last month, inclusive ("to" in JSON)."""
    grain: str = "month"
    """Width of a period bucket: month, quarter or year."""
    mechanism: str = "laplace"
    """"laplace" (pure epsilon-DP) or "gaussian" (rho-zCDP)."""
    epsilon: Fraction | None = None
    """Budget of a laplace spec; None for gaussian."""
    rho: Fraction | None = None
    """Budget of a gaussian spec; None for laplace."""
    _canonical: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ValueError(f"measure must be one of {MEASURES}, got {self.measure!r}")
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
        budget, other = (
            (self.epsilon, self.rho) if self.mechanism == "laplace" else (self.rho, self.epsilon)
        )
        unit = BUDGET_FIELD[self.mechanism]
        if other is not None:
            raise ValueError(f"a {self.mechanism} spec spends {unit} only")
        if not isinstance(budget, Fraction):
            raise ValueError(f"{unit} must be a Fraction, got {budget!r}")
        low, high = BUDGET_LIMITS[unit]
        if not low <= budget <= high:
            raise ValueError(f"{unit} must be from {decimal_text(low)} to {decimal_text(high)}, "
                             f"got {budget}")
        if (10**MAX_DECIMALS) % budget.denominator:
            raise ValueError(f"{unit} must be a decimal with at most {MAX_DECIMALS} places")
        object.__setattr__(self, "_canonical", json.dumps(self.as_json(), sort_keys=True,
                                                          separators=(",", ":")))

    @property
    def budget(self) -> Fraction:
        """The amount spent, in :attr:`budget_unit`."""
        value = self.epsilon if self.mechanism == "laplace" else self.rho
        assert value is not None  # checked in __post_init__
        return value

    @property
    def budget_unit(self) -> str:
        """"epsilon" for laplace, "rho" for gaussian."""
        return BUDGET_FIELD[self.mechanism]

    def as_json(self) -> dict[str, Any]:
        """The JSON shape that :meth:`from_json` reads back."""
        return {
            "measure": self.measure,
            "group_by": list(self.group_by),
            "filters": {name: list(codes) for name, codes in self.filters.items()},
            "from": str(self.start),
            "to": str(self.end),
            "grain": self.grain,
            "mechanism": self.mechanism,
            self.budget_unit: decimal_text(self.budget),
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
        start = _month(data, "from", today, errors)
        end = _month(data, "to", today, errors)
        if start is not None and end is not None and start > end:
            errors.append(FieldError("from", "De beginmaand ligt na de eindmaand."))
            start = None
        grain = _choice(data, "grain", GRAINS, "month", errors)
        mechanism = _choice(data, "mechanism", MECHANISMS, "laplace", errors)
        budget = None
        if mechanism is not None:
            unit = BUDGET_FIELD[mechanism]
            wrong = BUDGET_FIELD["gaussian" if mechanism == "laplace" else "laplace"]
            if wrong in data:
                errors.append(FieldError(wrong, f"Bij mechanisme {mechanism} hoort {unit}."))
            budget = _budget(data.get(unit), unit, errors)
        if not errors and group_by is not None and start is not None and end is not None:
            assert grain is not None
            cells = _cell_count(group_by, filters or {}, start, end, grain, taxonomy, org,
                                threshold)
            if cells > MAX_CELLS:
                errors.append(FieldError(
                    "group_by",
                    f"Deze tabel heeft {cells} cellen; het maximum is {MAX_CELLS}. Kies minder "
                    "dimensies, een grovere periode of filters.",
                ))
        if errors:
            raise ValidationFailed(errors=errors)
        assert measure and group_by is not None and filters is not None
        assert start and end and grain and mechanism and budget is not None
        return cls(
            measure=measure, group_by=group_by, filters=filters, start=start, end=end,
            grain=grain, mechanism=mechanism,
            epsilon=budget if mechanism == "laplace" else None,
            rho=budget if mechanism == "gaussian" else None,
        )


def decimal_text(value: Fraction) -> str:
    """A Fraction with at most six decimal places as plain decimal text: "0.25", "3"."""
    scaled = value * 10**MAX_DECIMALS
    if scaled.denominator != 1:
        raise ValueError(f"{value} has more than {MAX_DECIMALS} decimal places")
    whole, frac = divmod(scaled.numerator, 10**MAX_DECIMALS)
    return f"{whole}.{frac:06d}".rstrip("0").rstrip(".")


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
    try:
        month = Month.parse(value)
    except ValueError as exc:
        errors.append(FieldError(name, str(exc)))
        return None
    if month > today:
        errors.append(FieldError(name, "De maand mag niet in de toekomst liggen."))
        return None
    return month


def _budget(value: Any, unit: str, errors: list[FieldError]) -> Fraction | None:
    if value is None:
        errors.append(FieldError(unit, f"Vul {unit} in, bijvoorbeeld \"0.5\"."))
        return None
    if isinstance(value, bool):
        errors.append(FieldError(unit, f"{unit} moet een getal zijn."))
        return None
    if isinstance(value, float):
        errors.append(FieldError(
            unit, f"Geef {unit} als tekst (\"0.5\") of geheel getal, niet als kommagetal: "
            "een binair kommagetal is niet exact."))
        return None
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        errors.append(FieldError(unit, f"{unit} moet een getal als tekst zijn."))
        return None
    if not _DECIMAL_RE.match(text):
        errors.append(FieldError(
            unit, f"{unit} moet een decimaal getal zijn met hoogstens {MAX_DECIMALS} "
            "cijfers achter de punt, bijvoorbeeld \"0.25\"."))
        return None
    budget = Fraction(text)
    low, high = BUDGET_LIMITS[unit]
    if not low <= budget <= high:
        errors.append(FieldError(unit, budget_range_message(unit)))
        return None
    return budget


def budget_range_message(unit: str) -> str:
    """The Dutch message for a budget outside its range, naming the range."""
    low, high = (decimal_text(limit) for limit in BUDGET_LIMITS[unit])
    return (f"{unit} moet per vraag tussen {low} en {high} liggen (grenzen inbegrepen): kleiner "
            "maakt aftasten met heel veel vragen mogelijk, groter laat één vraag de cijfers "
            "bijna zonder ruis zien.")


def _cell_count(
    group_by: tuple[str, ...], filters: Mapping[str, tuple[str, ...]], start: Month, end: Month,
    grain: str, taxonomy: Taxonomy, org: OrgStructure, threshold: int,
) -> int:
    from privacy.tables import dimension_codes  # tables imports this module

    cells = 1
    for name in group_by:
        cells *= len(dimension_codes(name, filters, start, end, grain, taxonomy, org, threshold))
    return cells
