"""Contribution bounds: truncation per case and per signal, and the sensitivity they give."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.aggregate import count_rows
from privacy.contributions import (
    ContributionBounds,
    Sensitivity,
    cap_contacts,
    cells_per_signal,
    keep_lowest_bits,
    sensitivity,
)
from privacy.specs import QuerySpec
from privacy.tables import key_grid
from registry.organisations import parse_org_csv
from registry.periods import Month
from registry.taxonomy import load_taxonomy

FIXTURES = Path(__file__).parent.parent / "fixtures"
TAXONOMY = load_taxonomy()
ORG = parse_org_csv((FIXTURES / "org-small.csv").read_text())
CATEGORIES = TAXONOMY.codes("categories")


@pytest.mark.parametrize(
    ("measure", "c", "l1", "l2_squared"),
    [("contacts", 1, 3, 9), ("contacts", 3, 9, 27), ("cases", 1, 3, 3), ("cases", 3, 9, 9)],
)
def test_sensitivity_follows_the_derivation(measure: str, c: int, l1: int, l2_squared: int,
                                            ) -> None:
    assert sensitivity(measure, c, ContributionBounds()) == Sensitivity(l1, l2_squared)


def test_cells_per_signal_is_bounded_by_the_category_codes_in_the_table() -> None:
    bounds = ContributionBounds(contacts_per_case=3, categories_per_signal=3)
    assert cells_per_signal(False, 0, bounds) == 1
    assert cells_per_signal(True, 18, bounds) == 3
    assert cells_per_signal(True, 2, bounds) == 2


def test_l2_is_rounded_up_never_down() -> None:
    for squared in range(1, 2000):
        assert Sensitivity(squared, squared).l2 ** 2 >= squared
        assert Fraction(Sensitivity(squared, squared).l2) >= Fraction(math.isqrt(squared))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"contacts_per_case": 0}, "contacts_per_case must be an integer from 1 to 100, got 0"),
     ({"categories_per_signal": 2.0}, "categories_per_signal must be an integer from 1 to 100, "
                                      "got 2.0"),
     ({"contacts_per_case": True}, "contacts_per_case must be an integer from 1 to 100, got True")],
)
def test_bounds_are_validated(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        ContributionBounds(**kwargs)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_sensitivity_l2_cannot_exceed_l1() -> None:
    with pytest.raises(ValueError, match="l2 cannot exceed l1"):
        Sensitivity(l1=2, l2_squared=5)


@settings(max_examples=200, deadline=None)
@given(masks=st.lists(st.integers(0, 2**18 - 1), min_size=1, max_size=50),
       limit=st.integers(1, 5))
def test_keep_lowest_bits_keeps_the_first_categories_in_taxonomy_order(
    masks: list[int], limit: int
) -> None:
    kept = keep_lowest_bits(np.array(masks, dtype=np.int64), limit, 18)
    for mask, result in zip(masks, kept.tolist(), strict=True):
        bits = [b for b in range(18) if mask >> b & 1]
        assert result == sum(1 << b for b in bits[:limit])


@st.composite
def case_rows(draw: st.DrawFn) -> pl.DataFrame:
    n_cases = draw(st.integers(0, 6))
    sizes = [draw(st.integers(1, 8)) for _ in range(n_cases)]
    n_lone = draw(st.integers(0, 5))
    total = sum(sizes) + n_lone
    ids = draw(st.lists(st.integers(0, 2**64), min_size=total, max_size=total, unique=True))
    cases: list[str | None] = [f"v1:case:2025:{i}" for i, size in enumerate(sizes)
                               for _ in range(size)]
    cases += [None] * n_lone
    return pl.DataFrame({"id": [f"{i:032x}" for i in ids], "case": cases},
                        schema={"id": pl.String, "case": pl.String})


@settings(max_examples=200, deadline=None)
@given(rows=case_rows(), limit=st.integers(1, 4))
def test_cap_contacts_keeps_at_most_k_per_case_with_the_smallest_ids(
    rows: pl.DataFrame, limit: int
) -> None:
    kept = cap_contacts(rows, limit)
    assert kept.height <= rows.height
    lone = rows.filter(pl.col("case").is_null())
    assert sorted(kept.filter(pl.col("case").is_null())["id"]) == sorted(lone["id"])
    for (case,), group in rows.filter(pl.col("case").is_not_null()).group_by("case"):
        expected = sorted(group["id"])[:limit]
        assert sorted(kept.filter(pl.col("case") == case)["id"]) == expected


def _signal(draw: st.DrawFn, case: str | None, ident: int) -> dict[str, object]:
    picked = draw(st.lists(st.integers(0, len(CATEGORIES) - 1), min_size=1, max_size=5,
                           unique=True))
    return {
        "period": f"2025-{draw(st.integers(1, 4)):02d}",
        "unit": draw(st.sampled_from([u.code for u in ORG.units])),
        "case": case,
        "id": f"{ident:032x}",
        "channel": draw(st.sampled_from(["bmw", "vp_intern"])),
        "mask": sum(1 << b for b in picked),
    }


@st.composite
def datasets(draw: st.DrawFn) -> tuple[pl.DataFrame, str]:
    """Rows of several cases plus one target case (or lone signal) to add or remove."""
    rows, ident = [], 0
    for c in range(draw(st.integers(0, 5))):
        for _ in range(draw(st.integers(1, 6))):
            ident += 1
            rows.append(_signal(draw, f"case-{c}", ident))
    for _ in range(draw(st.integers(0, 4))):
        ident += 1
        rows.append(_signal(draw, None, ident))
    target_is_case = draw(st.booleans())
    for _ in range(draw(st.integers(1, 9)) if target_is_case else 1):
        ident += 1
        row = _signal(draw, "target" if target_is_case else None, ident)
        row["target"] = True
        rows.append(row)
    schema = {"period": pl.String, "unit": pl.String, "case": pl.String, "id": pl.String,
              "channel": pl.String, "mask": pl.Int64, "target": pl.Boolean}
    frame = pl.DataFrame(rows, schema=schema).with_columns(pl.col("target").fill_null(False))
    return frame, "target"


@settings(max_examples=150, deadline=None)
@given(
    data=datasets(),
    measure=st.sampled_from(["contacts", "cases"]),
    group_by=st.lists(st.sampled_from(["period", "unit", "category", "channel"]), unique=True),
    grain=st.sampled_from(["month", "quarter"]),
    category_filter=st.one_of(st.none(), st.lists(st.sampled_from(CATEGORIES[:6]), min_size=1,
                                                   max_size=3, unique=True)),
    k=st.integers(1, 4),
    c=st.integers(1, 4),
)
def test_one_case_never_moves_a_table_more_than_its_sensitivity(
    data: tuple[pl.DataFrame, str], measure: str, group_by: list[str], grain: str,
    category_filter: list[str] | None, k: int, c: int,
) -> None:
    frame, flag = data
    json: dict[str, object] = {"measure": measure, "group_by": group_by, "from": "2025-01",
                               "to": "2025-04", "grain": grain, "epsilon": "1"}
    if category_filter:
        json["filters"] = {"category": category_filter}
    spec = QuerySpec.from_json(json, TAXONOMY, ORG, Month(2025, 12))
    bounds = ContributionBounds(contacts_per_case=k, categories_per_signal=c)
    grid = key_grid(spec, TAXONOMY, ORG)
    columns = ["period", "unit", "case", "id", "mask"] + (["channel"] if "channel" in group_by
                                                          else [])
    with_target = count_rows(frame.select(columns), spec, grid, TAXONOMY, ORG, 50, bounds)
    without = count_rows(frame.filter(~pl.col(flag)).select(columns), spec, grid, TAXONOMY,
                         ORG, 50, bounds)
    category_cells = len(grid.dimension("category").codes) if "category" in group_by else 0
    bound = sensitivity(measure, cells_per_signal("category" in group_by, category_cells, bounds),
                        bounds)
    change = with_target - without
    assert (change >= 0).all()
    assert int(change.sum()) <= bound.l1
    assert int((change**2).sum()) <= bound.l2_squared
    assert with_target.shape == (grid.n_cells,)
