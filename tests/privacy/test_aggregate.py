"""Exact aggregation on both database backends, against a hand-computed truth, and the
completeness of the public key grid over random specs and structures."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.aggregate import ExactTable, count_rows, exact_table
from privacy.coarsening import released_units
from privacy.contributions import ContributionBounds
from privacy.kinds import DIMENSIONS
from privacy.pseudonyms import new_case_token
from privacy.specs import QuerySpec
from privacy.tables import key_grid
from registry.organisations import OrgStructure, OrgUnit, parse_org_csv
from registry.periods import Month
from registry.records import SignalRecord
from registry.taxonomy import load_taxonomy

FIXTURES = Path(__file__).parent.parent / "fixtures"
TAXONOMY = load_taxonomy()
ORG_SMALL = parse_org_csv((FIXTURES / "org-small.csv").read_text())
TODAY = Month(2026, 1)


def record(period: str, unit: str, categories: list[str], channel: str = "vp_intern",
           case: str | None = None) -> SignalRecord:
    order = TAXONOMY.codes("categories")
    return SignalRecord(
        period=Month.parse(period), unit=unit, organisation=ORG_SMALL.get(unit).organisation,
        channel=channel, categories=tuple(sorted(categories, key=order.index)),
        implicated_party="collega", reporter_role="medewerker", follow_up="advies",
        case_token=case,
    )


@pytest.fixture
def stored(services: Any) -> Any:
    """Eleven signals whose bounded counts are worked out by hand in the tests below."""
    case_x, case_y = new_case_token(), new_case_token()
    records = [
        record("2025-01", "MIN-A-DG1-D1", ["pesten"], channel="bmw"),
        record("2025-01", "MIN-A-DG1-D2-T1", ["pesten", "intimidatie"]),  # 30 FTE -> D2
        record("2025-02", "MIN-B-D2", ["werkdruk"], channel="bmw"),  # 40 FTE -> MIN-B
        *[record("2025-03", "MIN-A-DG2", ["conflict_collega"], case=case_x) for _ in range(5)],
        record("2025-04", "MIN-A", ["pesten", "intimidatie", "seksuele_intimidatie",
                                    "agressie_intern"]),
        record("2025-01", "MIN-A-DG1-D1", ["pesten"], case=case_y),
        record("2025-02", "MIN-A-DG1-D1", ["pesten"], case=case_y),
        record("2024-12", "MIN-A-DG1-D1", ["pesten"]),  # outside every range below
    ]
    services.signals.store_many(records, receipts=False)
    return services


def table(services: Any, bounds: ContributionBounds | None = None, **json: Any) -> ExactTable:
    data = {"measure": "contacts", "from": "2025-01", "to": "2025-04", "epsilon": "1", **json}
    spec = QuerySpec.from_json(data, TAXONOMY, services.org(), TODAY)
    return exact_table(services.db, spec, TAXONOMY, services.org(), threshold=50, bounds=bounds)


def as_dict(exact: ExactTable) -> dict[tuple[str, ...], int]:
    keys = list(itertools.product(*(d.codes for d in exact.grid.dimensions)))
    return {key: int(value) for key, value in zip(keys, exact.counts, strict=True) if value}


def test_total_contacts_caps_a_case_at_k(stored: Any) -> None:
    # 1 + 1 + 1 + min(5, 3) + 1 + 2
    assert table(stored).counts.tolist() == [9]
    assert table(stored, ContributionBounds(contacts_per_case=5)).counts.tolist() == [11]


def test_total_cases_counts_each_case_once(stored: Any) -> None:
    assert table(stored, measure="cases").counts.tolist() == [6]


def test_small_units_are_counted_with_the_unit_they_merge_into(stored: Any) -> None:
    exact = table(stored, group_by=["unit"])
    assert exact.grid.dimension("unit").codes == released_units(stored.org(), 50)
    assert as_dict(exact) == {("MIN-A",): 1, ("MIN-A-DG1-D1",): 3, ("MIN-A-DG1-D2",): 1,
                              ("MIN-A-DG2",): 3, ("MIN-B",): 1}


def test_categories_beyond_c_do_not_count(stored: Any) -> None:
    exact = table(stored, group_by=["category"])
    assert as_dict(exact) == {("pesten",): 5, ("intimidatie",): 2,
                              ("seksuele_intimidatie",): 1, ("werkdruk",): 1,
                              ("conflict_collega",): 3}
    assert exact.sensitivity.l1 == 9
    wide = table(stored, ContributionBounds(categories_per_signal=4), group_by=["category"])
    assert as_dict(wide)[("agressie_intern",)] == 1


def test_cases_count_once_per_cell_they_touch(stored: Any) -> None:
    exact = table(stored, measure="cases", group_by=["period"])
    assert as_dict(exact) == {("2025-01",): 3, ("2025-02",): 2, ("2025-03",): 1, ("2025-04",): 1}


def test_period_buckets_follow_the_grain(stored: Any) -> None:
    assert as_dict(table(stored, group_by=["period"], grain="quarter")) == {
        ("2025-Q1",): 8, ("2025-Q2",): 1}
    assert as_dict(table(stored, group_by=["period"], grain="year",
                         **{"from": "2024-12"})) == {("2024",): 1, ("2025",): 9}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"organisation": ["MIN-B"]}, 1),
        ({"unit": ["MIN-A-DG1"]}, 4),
        ({"channel": ["bmw"]}, 2),
        ({"category": ["intimidatie"]}, 2),
        ({"category": ["intimidatie", "conflict_collega"]}, 5),
    ],
)
def test_filters_select_rows(stored: Any, filters: dict[str, list[str]], expected: int) -> None:
    assert table(stored, filters=filters).counts.tolist() == [expected]


def test_category_filter_looks_at_counted_categories_only(stored: Any) -> None:
    # With C = 1 both intimidatie signals count only as pesten, the first in taxonomy order.
    narrow = ContributionBounds(categories_per_signal=1)
    assert table(stored, narrow, filters={"category": ["intimidatie"]}).counts.tolist() == [0]


def test_unit_filter_narrows_the_unit_keys_to_its_subtree(stored: Any) -> None:
    exact = table(stored, group_by=["unit"], filters={"unit": ["MIN-A-DG1"]})
    assert exact.grid.dimension("unit").codes == ("MIN-A-DG1", "MIN-A-DG1-D1", "MIN-A-DG1-D2")
    assert exact.counts.tolist() == [0, 3, 1]


def test_every_key_of_the_grid_is_present_zeros_included(stored: Any) -> None:
    exact = table(stored, group_by=["period", "unit", "category", "channel"])
    grid = exact.grid
    categories, channels = len(TAXONOMY.codes("categories")), len(TAXONOMY.codes("channel"))
    assert grid.shape == (4, 7, categories, channels)
    assert exact.counts.shape == (4 * 7 * categories * channels,)
    assert int(exact.counts.sum()) == 1 + 2 + 1 + 3 + 3 + 2
    keys = pl.DataFrame(grid.key_columns())
    assert keys.unique().height == grid.n_cells
    expected = list(itertools.product(*(d.codes for d in grid.dimensions)))
    assert list(keys.iter_rows()) == expected


def test_an_empty_registry_gives_a_full_grid_of_zeros(services: Any) -> None:
    exact = table(services, group_by=["unit", "category"])
    assert exact.counts.shape == (7 * len(TAXONOMY.codes("categories")),)
    assert not exact.counts.any()


def test_exact_counts_are_read_only_and_not_printed(stored: Any) -> None:
    exact = table(stored)
    with pytest.raises(ValueError):
        exact.counts[0] = 0
    assert "9" not in repr(exact).replace(exact.spec.canonical_json(), "")


@st.composite
def org_structures(draw: st.DrawFn) -> OrgStructure:
    """Random valid structures: a parent's headcount covers the sum of its children."""
    units: list[OrgUnit] = []
    for o in range(draw(st.integers(1, 2))):
        root = f"O{o}"

        def grow(code: str, parent: str | None, depth: int, root: str = root) -> int:
            n_children = draw(st.integers(0, 3)) if depth < 2 else 0
            children = [grow(f"{code}.{i}", code, depth + 1, root) for i in range(n_children)]
            headcount = max(1, draw(st.integers(0, 150)) + sum(children))
            units.append(OrgUnit(code, code, parent, root, headcount))
            return headcount

        grow(root, None, 0)
    return OrgStructure(tuple(units))


@settings(max_examples=80, deadline=None)
@given(
    org=org_structures(),
    threshold=st.integers(0, 200),
    group_by=st.lists(st.sampled_from(DIMENSIONS), unique=True, max_size=3),
    grain=st.sampled_from(["month", "quarter", "year"]),
    span=st.integers(0, 14),
    measure=st.sampled_from(["contacts", "cases"]),
    data=st.data(),
)
def test_every_table_holds_every_public_key_and_no_small_unit(
    org: OrgStructure, threshold: int, group_by: list[str], grain: str, span: int, measure: str,
    data: st.DataObject,
) -> None:
    released = released_units(org, threshold)
    filters: dict[str, list[str]] = {}
    if data.draw(st.booleans()):
        filters["unit"] = [data.draw(st.sampled_from(released))]
    spec = QuerySpec.from_json(
        {"measure": measure, "group_by": group_by, "filters": filters, "grain": grain,
         "from": str(TODAY.add(-span)), "to": str(TODAY), "epsilon": "1"},
        TAXONOMY, org, TODAY, threshold=threshold,
    )
    grid = key_grid(spec, TAXONOMY, org, threshold)
    n_rows = data.draw(st.integers(0, 30))
    units = [u.code for u in org.units]
    rows = pl.DataFrame(
        {
            "period": [str(TODAY.add(-data.draw(st.integers(0, 20)))) for _ in range(n_rows)],
            "unit": [data.draw(st.sampled_from(units)) for _ in range(n_rows)],
            "case": [data.draw(st.sampled_from([None, "a", "b"])) for _ in range(n_rows)],
            "id": [f"{i:032x}" for i in range(n_rows)],
            "mask": [data.draw(st.integers(1, 2**18 - 1)) for _ in range(n_rows)],
            **{name: [data.draw(st.sampled_from(TAXONOMY.codes(name))) for _ in range(n_rows)]
               for name in ("channel", "implicated_party", "reporter_role", "follow_up")},
        },
        schema={"period": pl.String, "unit": pl.String, "case": pl.String, "id": pl.String,
                "mask": pl.Int64, "channel": pl.String, "implicated_party": pl.String,
                "reporter_role": pl.String, "follow_up": pl.String},
    )
    counts = count_rows(rows, spec, grid, TAXONOMY, org, threshold, ContributionBounds())
    assert counts.shape == (grid.n_cells,)
    assert (counts >= 0).all()
    keys = pl.DataFrame(grid.key_columns()) if grid.dimensions else pl.DataFrame()
    if grid.dimensions:
        assert keys.unique().height == grid.n_cells
    if "unit" in group_by:
        shown = set(keys["unit"])
        assert shown <= set(released)
        assert all(org.get(u).parent is None or org.get(u).headcount >= threshold for u in shown)
        if not filters:
            assert shown == set(released)
    if "period" in group_by:
        assert len(set(keys["period"])) == len(grid.dimension("period").codes)
    assert np.issubdtype(counts.dtype, np.integer)
