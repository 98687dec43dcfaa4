"""Consistent tables: non-negative integers, children and own cell add up to the parent."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.coarsening import released_parent, released_units
from privacy.consistency import largest_remainder, make_consistent
from privacy.contributions import Sensitivity
from privacy.noise import NoisyTable, accuracy_for, calibrate
from privacy.specs import QuerySpec
from privacy.tables import key_grid
from registry.organisations import OrgStructure, OrgUnit, parse_org_csv
from registry.periods import Month
from registry.taxonomy import load_taxonomy

FIXTURES = Path(__file__).parent.parent / "fixtures"
TAXONOMY = load_taxonomy()
ORG_SMALL = parse_org_csv((FIXTURES / "org-small.csv").read_text())
TODAY = Month(2026, 1)


def noisy_table(org: OrgStructure, estimates: list[int] | np.ndarray, threshold: int = 50,
                **json: object) -> NoisyTable:
    data = {"measure": "contacts", "from": "2025-01", "to": "2025-01", "epsilon": "1", **json}
    spec = QuerySpec.from_json(data, TAXONOMY, org, TODAY, threshold=threshold)
    grid = key_grid(spec, TAXONOMY, org, threshold)
    sens = Sensitivity(3, 9)
    calibration = calibrate("laplace", Fraction(1), sens)
    return NoisyTable(spec, grid, np.asarray(estimates, dtype=np.int64), sens, calibration,
                      accuracy_for(calibration, grid.n_cells, 0.95))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_largest_remainder_splits_exactly_and_fairly(data: st.DataObject) -> None:
    parts = data.draw(st.integers(1, 6))
    rows = data.draw(st.integers(1, 5))
    totals = np.array(data.draw(st.lists(st.integers(0, 10**6), min_size=rows, max_size=rows)))
    weights = np.array([data.draw(st.lists(st.integers(0, 10**6), min_size=parts,
                                           max_size=parts)) for _ in range(rows)])
    shares = largest_remainder(totals, weights)
    assert (shares >= 0).all()
    assert (shares.sum(axis=1) == totals).all()
    for total, row_weights, row in zip(totals, weights, shares, strict=True):
        w = row_weights if row_weights.sum() else np.ones_like(row_weights)
        quotas = [Fraction(int(total) * int(x), int(w.sum())) for x in w]
        for quota, share in zip(quotas, row, strict=True):
            assert quota - 1 < share < quota + 1  # floor or ceiling of its quota


def test_largest_remainder_gives_ties_to_the_first_part() -> None:
    assert largest_remainder(np.array([1]), np.array([[0, 0, 0]])).tolist() == [[1, 0, 0]]
    assert largest_remainder(np.array([5]), np.array([[1, 1]])).tolist() == [[3, 2]]


def test_negative_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        largest_remainder(np.array([-1]), np.array([[1]]))


def test_small_structure_by_hand() -> None:
    # Released units: MIN-A, DG1, D1, D2, DG2, MIN-B, MIN-B-D1 (see test_coarsening).
    noisy = noisy_table(ORG_SMALL, [5, -2, 10, 3, 4, 7, -1], group_by=["unit"])
    consistent = make_consistent(noisy, ORG_SMALL, 50)
    total = dict(zip(released_units(ORG_SMALL, 50), consistent.total.tolist(), strict=True))
    count = dict(zip(released_units(ORG_SMALL, 50), consistent.count.tolist(), strict=True))
    # MIN-A: 5 - 2 + 10 + 3 + 4 = 20, MIN-B: 7 - 1 = 6.
    assert total["MIN-A"] == 20 and total["MIN-B"] == 6
    # MIN-B splits 6 over own (7) and D1 (clamped to 0).
    assert (count["MIN-B"], total["MIN-B-D1"]) == (6, 0)
    for code in released_units(ORG_SMALL, 50):
        children = [c for c in released_units(ORG_SMALL, 50)
                    if released_parent(ORG_SMALL, c, 50) == code]
        assert total[code] == count[code] + sum(total[c] for c in children)


def test_tables_without_units_are_clamped_at_zero() -> None:
    categories = len(load_taxonomy().codes("categories"))
    values = [x - categories // 2 for x in range(categories)]  # negative and positive noise
    noisy = noisy_table(ORG_SMALL, values, group_by=["category"])
    consistent = make_consistent(noisy, ORG_SMALL, 50)
    assert consistent.count.tolist() == [max(0, x) for x in values]
    assert consistent.total.tolist() == consistent.count.tolist()


@st.composite
def org_structures(draw: st.DrawFn) -> OrgStructure:
    """Random valid structures: a parent's headcount covers the sum of its children."""
    units: list[OrgUnit] = []
    for o in range(draw(st.integers(1, 2))):
        root = f"O{o}"

        def grow(code: str, parent: str | None, depth: int, root: str = root) -> int:
            n_children = draw(st.integers(0, 3)) if depth < 3 else 0
            children = [grow(f"{code}.{i}", code, depth + 1, root) for i in range(n_children)]
            headcount = max(1, draw(st.integers(0, 150)) + sum(children))
            units.append(OrgUnit(code, code, parent, root, headcount))
            return headcount

        grow(root, None, 0)
    return OrgStructure(tuple(units))


@settings(max_examples=120, deadline=None)
@given(org=org_structures(), threshold=st.integers(0, 200), data=st.data(),
       group_by=st.sampled_from([["unit"], ["period", "unit"], ["unit", "channel"]]),
       unit_filter=st.booleans())
def test_children_and_own_cell_add_up_to_the_parent(
    org: OrgStructure, threshold: int, data: st.DataObject, group_by: list[str],
    unit_filter: bool,
) -> None:
    released = released_units(org, threshold)
    json: dict[str, object] = {"group_by": group_by, "to": "2025-03"}
    if unit_filter:
        json["filters"] = {"unit": [data.draw(st.sampled_from(released))]}
    spec = QuerySpec.from_json({"measure": "contacts", "from": "2025-01", "epsilon": "1", **json},
                               TAXONOMY, org, TODAY, threshold=threshold)
    n_cells = key_grid(spec, TAXONOMY, org, threshold).n_cells
    estimates = data.draw(st.lists(st.integers(-50, 200), min_size=n_cells, max_size=n_cells))
    noisy = noisy_table(org, estimates, threshold, **json)
    consistent = make_consistent(noisy, org, threshold)
    for values in (consistent.count, consistent.total):
        assert values.dtype.kind == "i" and (values >= 0).all()
    axis = noisy.grid.names.index("unit")
    units = noisy.grid.dimensions[axis].codes
    count = np.moveaxis(consistent.count.reshape(noisy.grid.shape), axis, -1)
    total = np.moveaxis(consistent.total.reshape(noisy.grid.shape), axis, -1)
    raw = np.moveaxis(noisy.estimates.reshape(noisy.grid.shape), axis, -1)
    index = {code: i for i, code in enumerate(units)}
    for code in units:
        children = [index[c] for c in units if released_parent(org, c, threshold) == code]
        expected = count[..., index[code]] + sum((total[..., c] for c in children),
                                                 np.zeros_like(count[..., 0]))
        assert (total[..., index[code]] == expected).all()
        parent = released_parent(org, code, threshold)
        if parent not in index:  # a top of the table: its total is the clamped noisy sum
            inside = [index[c] for c in units if code in org.ancestors(c)]
            assert (total[..., index[code]] == np.maximum(raw[..., inside].sum(axis=-1), 0)).all()


@settings(max_examples=60, deadline=None)
@given(org=org_structures(), data=st.data())
def test_non_negative_estimates_come_back_unchanged(org: OrgStructure, data: st.DataObject,
                                                    ) -> None:
    spec = QuerySpec.from_json({"measure": "contacts", "from": "2025-01", "to": "2025-02",
                                "epsilon": "1", "group_by": ["period", "unit"]},
                               TAXONOMY, org, TODAY, threshold=50)
    n_cells = key_grid(spec, TAXONOMY, org, 50).n_cells
    estimates = data.draw(st.lists(st.integers(0, 500), min_size=n_cells, max_size=n_cells))
    consistent = make_consistent(
        noisy_table(org, estimates, 50, group_by=["period", "unit"], to="2025-02"), org, 50)
    assert consistent.count.tolist() == estimates
