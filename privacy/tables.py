"""The public key grid of a table: every cell that will be released, known before any data.

A table's keys are the cartesian product of its dimensions' public codes: the period buckets of
the requested range, the released units (after coarsening) and the taxonomy codes, each narrowed
only by the spec's filters. A key is never added or dropped because the data has or lacks it, so
the shape of a release says nothing about the signals. Cells are numbered row-major, in the
order of ``spec.group_by`` and of each dimension's codes; counts are flat vectors in that order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl

from privacy.coarsening import DEFAULT_THRESHOLD, released_units
from privacy.kinds import TAXONOMY_FIELDS, Grain
from registry.organisations import OrgStructure
from registry.periods import Month, bucket, month_range
from registry.taxonomy import Taxonomy


class GridQuestion(Protocol):
    """What a grid depends on: the public parts of a spec (``privacy.specs.QuerySpec``)."""

    @property
    def group_by(self) -> tuple[str, ...]: ...
    @property
    def filters(self) -> Mapping[str, tuple[str, ...]]: ...
    @property
    def start(self) -> Month: ...
    @property
    def end(self) -> Month: ...
    @property
    def grain(self) -> Grain: ...


@dataclass(frozen=True)
class Dimension:
    """One axis of a table: its name and its public codes in release order."""

    name: str
    codes: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.codes:
            raise ValueError(f"dimension {self.name!r} has no codes")
        if len(set(self.codes)) != len(self.codes):
            raise ValueError(f"dimension {self.name!r} repeats a code")

    def index(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.codes)}


@dataclass(frozen=True)
class KeyGrid:
    """The dimensions of a table; () is a single total cell."""

    dimensions: tuple[Dimension, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(d.codes) for d in self.dimensions)

    @property
    def n_cells(self) -> int:
        return math.prod(self.shape)

    def dimension(self, name: str) -> Dimension:
        for dim in self.dimensions:
            if dim.name == name:
                return dim
        raise KeyError(name)

    def size(self, name: str) -> int:
        """How many codes the dimension ``name`` has here; 0 when the table has no such axis."""
        return len(self.dimension(name).codes) if name in self.names else 0

    def strides(self) -> tuple[int, ...]:
        """How far the flat cell number moves for one step along each dimension."""
        out, step = [], 1
        for size in reversed(self.shape):
            out.append(step)
            step *= size
        return tuple(reversed(out))

    def key_columns(self) -> dict[str, pl.Series]:
        """One string column per dimension, one row per cell, in cell order."""
        columns: dict[str, pl.Series] = {}
        cells = np.arange(self.n_cells)
        for dim, stride in zip(self.dimensions, self.strides(), strict=True):
            positions = (cells // stride) % len(dim.codes)
            columns[dim.name] = pl.Series(dim.name, dim.codes, dtype=pl.String).gather(positions)
        return columns

    def keys(self) -> list[dict[str, str]]:
        """The keys as dictionaries, in cell order; [{}] for a total table."""
        if not self.dimensions:
            return [{}]
        return pl.DataFrame(self.key_columns()).to_dicts()


def period_buckets(start: Month, end: Month, grain: Grain) -> tuple[str, ...]:
    """The bucket labels of the months from ``start`` to ``end``, in time order."""
    labels: dict[str, None] = {}
    for month in month_range(start, end):
        labels[bucket(month, grain)] = None
    return tuple(labels)


def grid_units(
    filters: Mapping[str, tuple[str, ...]], org: OrgStructure, threshold: int
) -> tuple[str, ...]:
    """Released units within the organisation and unit filters, in structure order."""
    units = released_units(org, threshold)
    if "organisation" in filters:
        allowed = set(filters["organisation"])
        units = tuple(u for u in units if org.get(u).organisation in allowed)
    if "unit" in filters:
        inside = {code for top in filters["unit"] for code in org.subtree(top)}
        units = tuple(u for u in units if u in inside)
    return units


def dimension_codes(
    name: str,
    filters: Mapping[str, tuple[str, ...]],
    start: Month,
    end: Month,
    grain: Grain,
    taxonomy: Taxonomy,
    org: OrgStructure,
    threshold: int = DEFAULT_THRESHOLD,
) -> tuple[str, ...]:
    """The public codes of one dimension under a spec's filters."""
    if name == "period":
        return period_buckets(start, end, grain)
    if name == "unit":
        return grid_units(filters, org, threshold)
    if name in filters:
        return tuple(filters[name])
    return tuple(taxonomy.codes(TAXONOMY_FIELDS[name]))


def key_grid(
    spec: GridQuestion, taxonomy: Taxonomy, org: OrgStructure, threshold: int = DEFAULT_THRESHOLD
) -> KeyGrid:
    """The full public grid of ``spec``: every key, whether or not any signal falls in it."""
    return KeyGrid(tuple(
        Dimension(name, dimension_codes(name, spec.filters, spec.start, spec.end, spec.grain,
                                        taxonomy, org, threshold))
        for name in spec.group_by
    ))
