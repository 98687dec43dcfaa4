"""Consistent tables: non-negative integers that add up, made from the noisy estimates alone.

Noisy estimates are unbiased but can be negative, and a unit's children do not add up to it.
For reading (dashboards, yearly reports) this module post-processes them, TopDown in small (as
the US Census 2020, one level at a time):

1. Per slice of the other dimensions (a period, a category, ...), the organisation total is the
   sum of all noisy cells of its released units, clamped at zero.
2. Going down the tree of released units, a unit's total is split over its parts: its own cell
   (its own staff plus merged-in small units) and the totals of its released children, in
   proportion to their noisy estimates clamped at zero (equal shares when all are zero).
3. Shares are rounded to integers by largest remainder, so the parts add up to the parent
   exactly (ties go to the part listed first: own cell, then children in structure order).

Tables without a unit dimension have no hierarchy here; their cells are clamped at zero.
Categories are multi-valued (a signal can count in up to C categories), so category cells do
not add up to a contact total and no such constraint is imposed.

This is post-processing of released values: it costs no privacy. It does add bias, which the
unbiased estimates do not have: clamping at zero pushes small cells up (an empty cell comes out
at zero or above, never below), and since totals are kept, large cells are pulled down a little
to pay for it. Use the noisy estimates for analysis (means, trends, tests) and these tables for
display; label them as such.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from privacy.coarsening import DEFAULT_THRESHOLD, released_parent
from privacy.noise import NoisyTable
from privacy.tables import KeyGrid
from registry.organisations import OrgStructure


@dataclass(frozen=True, eq=False)
class ConsistentTable:
    """Non-negative integer counts per key, consistent over the unit tree."""

    grid: KeyGrid
    count: np.ndarray
    """Per key, the unit's own cell (signals of the unit and its merged-in small units)."""
    total: np.ndarray
    """Per key, the unit with all its released sub-units; equal to ``count`` without units."""

    def __post_init__(self) -> None:
        for values in (self.count, self.total):
            if values.shape != (self.grid.n_cells,):
                raise ValueError("one value per cell of the grid")
            values.setflags(write=False)

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame({
            **self.grid.key_columns(),
            "count": pl.Series("count", self.count, dtype=pl.Int64),
            "total": pl.Series("total", self.total, dtype=pl.Int64),
        })


def largest_remainder(totals: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split each row's total over its columns in proportion to the weights, in integers.

    ``totals`` has shape (S,), non-negative integers; ``weights`` (S, P), non-negative integers.
    Each row of the result adds up to its total exactly. A row of zero weights is split evenly.
    """
    totals = np.asarray(totals, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.int64).copy()
    if (totals < 0).any() or (weights < 0).any():
        raise ValueError("totals and weights must be non-negative")
    n_rows, n_parts = weights.shape
    if n_parts == 0:
        raise ValueError("at least one part")
    weights[weights.sum(axis=1) == 0] = 1
    sums = weights.sum(axis=1)[:, None]
    quotas = totals[:, None] * weights
    shares, remainders = quotas // sums, quotas % sums
    short = totals - shares.sum(axis=1)
    order = np.argsort(-remainders, axis=1, kind="stable")
    position = np.empty_like(order)
    np.put_along_axis(position, order, np.arange(n_parts)[None, :].repeat(n_rows, axis=0), 1)
    filled: np.ndarray = shares + (position < short[:, None])
    return filled


def make_consistent(
    noisy: NoisyTable, org: OrgStructure, threshold: int = DEFAULT_THRESHOLD
) -> ConsistentTable:
    """The display table of ``noisy``; see the module docstring for the method and its bias."""
    grid = noisy.grid
    estimates = noisy.estimates.astype(np.int64)
    if "unit" not in grid.names:
        clamped = np.maximum(estimates, 0)
        return ConsistentTable(grid, clamped, clamped.copy())
    axis = grid.names.index("unit")
    cube = np.moveaxis(estimates.reshape(grid.shape), axis, -1)
    slices = cube.reshape(-1, cube.shape[-1])  # (other cells, units)
    units = grid.dimensions[axis].codes
    count, total = _top_down(slices, units, org, threshold)

    def back(values: np.ndarray) -> np.ndarray:
        restored = np.moveaxis(values.reshape(cube.shape), -1, axis)
        return np.ascontiguousarray(restored).reshape(-1)

    return ConsistentTable(grid, back(count), back(total))


def _top_down(
    noisy: np.ndarray, units: tuple[str, ...], org: OrgStructure, threshold: int
) -> tuple[np.ndarray, np.ndarray]:
    position = {code: i for i, code in enumerate(units)}
    children: dict[str, list[str]] = {code: [] for code in units}
    roots = []
    for code in units:
        parent = released_parent(org, code, threshold)
        if parent in position:
            children[parent].append(code)
        else:
            roots.append(code)
    # Noisy subtree sums, children before parents (reverse of a pre-order walk).
    walk: list[str] = []
    stack = list(reversed(roots))
    while stack:
        code = stack.pop()
        walk.append(code)
        stack.extend(reversed(children[code]))
    subtree = noisy.copy()
    for code in reversed(walk):
        for child in children[code]:
            subtree[:, position[code]] += subtree[:, position[child]]
    count = np.zeros_like(noisy)
    total = np.zeros_like(noisy)
    for code in roots:
        total[:, position[code]] = np.maximum(subtree[:, position[code]], 0)
    for code in walk:
        here = position[code]
        parts = [here] + [position[child] for child in children[code]]
        weights = np.maximum(
            np.stack([noisy[:, here]] + [subtree[:, p] for p in parts[1:]], axis=1), 0
        )
        shares = largest_remainder(total[:, here], weights)
        count[:, here] = shares[:, 0]
        for i, p in enumerate(parts[1:], start=1):
            total[:, p] = shares[:, i]
    return count, total
