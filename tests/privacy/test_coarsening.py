"""Coarsening: small units merge upward, decided from the public structure alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.coarsening import coarsen_map, is_released, released_parent, released_units
from registry.organisations import OrgStructure, OrgUnit, parse_org_csv

FIXTURES = Path(__file__).parent.parent / "fixtures"
ORG = parse_org_csv((FIXTURES / "org-small.csv").read_text())


def test_small_units_merge_into_their_parent() -> None:
    mapping = coarsen_map(ORG, 50)
    assert mapping["MIN-A-DG1-D2-T1"] == "MIN-A-DG1-D2"  # 30 FTE
    assert mapping["MIN-B-D2"] == "MIN-B"  # 40 FTE
    assert mapping["MIN-A-DG1-D1"] == "MIN-A-DG1-D1"
    assert released_units(ORG, 50) == (
        "MIN-A", "MIN-A-DG1", "MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG2", "MIN-B", "MIN-B-D1")


def test_merging_climbs_until_a_large_enough_ancestor() -> None:
    mapping = coarsen_map(ORG, 400)
    assert mapping["MIN-A-DG1-D2-T1"] == "MIN-A-DG1"  # D2 (250) is too small as well
    assert mapping["MIN-B-D1"] == "MIN-B"
    assert released_units(ORG, 400) == ("MIN-A", "MIN-A-DG1", "MIN-A-DG2", "MIN-B")


def test_an_organisation_is_released_whatever_its_size() -> None:
    assert coarsen_map(ORG, 10_000) == {u.code: u.organisation for u in ORG.units}
    assert released_units(ORG, 10_000) == ("MIN-A", "MIN-B")


def test_threshold_zero_releases_every_unit() -> None:
    assert released_units(ORG, 0) == tuple(u.code for u in ORG.units)


def test_released_parent_of_a_small_unit_is_an_error() -> None:
    with pytest.raises(ValueError, match="not released"):
        released_parent(ORG, "MIN-B-D2", 50)
    assert released_parent(ORG, "MIN-B-D1", 50) == "MIN-B"
    assert released_parent(ORG, "MIN-B", 50) is None


@pytest.mark.parametrize("threshold", [-1, 1.5, True, "50"])
def test_threshold_must_be_a_non_negative_integer(threshold: object) -> None:
    with pytest.raises(ValueError, match="threshold must be a non-negative integer"):
        coarsen_map(ORG, threshold)  # type: ignore[arg-type]


@st.composite
def org_structures(draw: st.DrawFn) -> OrgStructure:
    """Random valid structures: a parent's headcount covers the sum of its children."""
    n_orgs = draw(st.integers(1, 3))
    units: list[OrgUnit] = []
    for o in range(n_orgs):
        root = f"O{o}"

        def grow(code: str, parent: str | None, depth: int, root: str = root) -> int:
            n_children = draw(st.integers(0, 3)) if depth < 3 else 0
            children = [grow(f"{code}.{i}", code, depth + 1, root) for i in range(n_children)]
            own = draw(st.integers(1 if not children else 0, 200))
            headcount = max(1, own + sum(children))
            units.append(OrgUnit(code, code, parent, root, headcount))
            return headcount

        grow(root, None, 0)
    return OrgStructure(tuple(units))


@settings(max_examples=150, deadline=None)
@given(org=org_structures(), threshold=st.integers(0, 300))
def test_no_unit_below_the_threshold_is_ever_released(org: OrgStructure, threshold: int) -> None:
    released = set(released_units(org, threshold))
    mapping = coarsen_map(org, threshold)
    for unit in org.units:
        target = mapping[unit.code]
        assert target in released
        assert target in org.ancestors(unit.code)
        # The target is the nearest released ancestor: nothing released lies in between.
        between = org.ancestors(unit.code)[: org.ancestors(unit.code).index(target)]
        assert not released & set(between)
    for code in released:
        unit = org.get(code)
        assert unit.parent is None or unit.headcount >= threshold
        assert mapping[code] == code
        # Released units are closed upward, so every released unit hangs under a released one.
        parent = released_parent(org, code, threshold)
        assert parent is None or (parent == unit.parent and parent in released)
    assert {u.code for u in org.units if is_released(org, u.code, threshold)} == released
