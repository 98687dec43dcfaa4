"""The typed contract of a release's spec and result (privacy/released.py): what the writer
stores reads back as the same value, through the canonical JSON that is signed."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.plan import PLAN_KIND, Dimension, Level, Part, Source
from privacy.released import (
    MalformedRelease,
    PlanBudget,
    PlanCell,
    PlanResult,
    PlanSpec,
    PlanTablePayload,
    PlanTableSpec,
    ReleasedCell,
    ReleasedTable,
)
from privacy.released_monthly import PublicationResult, PublicationSpec, PublicationTableSpec
from privacy.signing import canonical_json
from registry.periods import Month

codes = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
names = st.from_regex(r"[a-z][a-z_]{0,20}", fullmatch=True)
floats = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(0, 1e6, allow_nan=False, allow_infinity=False)
fractions = st.fractions(min_value=Fraction(0), max_value=Fraction(100), max_denominator=10**6)
months = st.builds(Month, st.integers(1900, 2100), st.integers(1, 12))
ints = st.integers(-10**9, 10**9)


def stored(value: Any) -> Any:
    """What a reader gets back: the canonical JSON that is signed and stored, parsed."""
    return json.loads(canonical_json(value.to_json()))


plan_cells = st.builds(PlanCell, codes, codes, floats, st.none() | codes)
plan_tables = st.builds(
    PlanTablePayload, st.sampled_from(Part), st.sampled_from(Level), st.sampled_from(Dimension),
    fractions, positive, positive, st.lists(plan_cells, max_size=6).map(tuple),
    st.none() | st.sampled_from(Source))
plan_table_specs = st.builds(PlanTableSpec, st.sampled_from(Level), st.sampled_from(Dimension),
                             fractions, st.none() | st.sampled_from(Source))
plan_specs = st.builds(
    PlanSpec, st.integers(2000, 2100), st.sampled_from(Part), codes, st.integers(1, 99),
    st.dictionaries(names, plan_table_specs, max_size=4),
    st.builds(PlanBudget, st.lists(st.integers(2000, 2100), min_size=1, max_size=2).map(tuple),
              fractions, st.none() | codes),
    st.integers(0, 10**6), codes)
plan_results = st.builds(PlanResult, st.integers(2000, 2100), st.sampled_from(Part), codes,
                         st.dictionaries(names, plan_tables, max_size=3))


@st.composite
def released_tables(draw: st.DrawFn) -> ReleasedTable:
    group_by = tuple(draw(st.lists(names.filter(lambda n: n not in ReleasedCell.__annotations__),
                                   max_size=3, unique=True)))
    cells = draw(st.lists(st.builds(
        ReleasedCell, st.tuples(*(codes for _ in group_by)), ints,
        st.tuples(ints | floats, ints | floats),
        st.none() | ints, st.none() | ints), max_size=5))
    maybe = st.none() | positive
    unit = draw(st.none() | st.sampled_from(("epsilon", "rho")))
    return ReleasedTable(
        measure=draw(names), group_by=group_by, cells=tuple(cells),
        ci95_halfwidth=draw(ints | positive),
        mechanism=draw(st.sampled_from(("laplace", "gaussian"))), budget_unit=unit,
        budget=draw(fractions) if unit is not None else None, noise_scale=draw(maybe),
        standard_deviation=draw(maybe), simultaneous_ci95_halfwidth=draw(st.none() | ints),
        confidence=draw(st.none() | st.floats(0.01, 0.99)),
        l1_sensitivity=draw(st.none() | st.integers(1, 100)),
        l2_sensitivity=draw(st.none() | st.floats(1, 100)),
        coarsening_threshold=draw(st.none() | st.integers(0, 500)),
        contacts_per_case=draw(st.none() | st.integers(1, 10)),
        categories_per_signal=draw(st.none() | st.integers(1, 10)))


publication_specs = st.builds(
    PublicationSpec, codes, months, st.integers(1, 99),
    st.dictionaries(names, st.builds(PublicationTableSpec, names,
                                     st.lists(names, max_size=3).map(tuple), fractions),
                    max_size=4),
    fractions, st.integers(0, 500), st.integers(1, 10), st.integers(1, 10), codes)
publication_results = st.builds(PublicationResult, codes, months,
                                st.dictionaries(names, released_tables(), max_size=3))


@settings(max_examples=150, deadline=None)
@given(value=plan_specs)
def test_a_plan_spec_reads_back_as_written(value: PlanSpec) -> None:
    assert PlanSpec.from_json(stored(value)) == value
    assert PlanSpec.read(stored(value)) == value


@settings(max_examples=100, deadline=None)
@given(value=plan_results)
def test_a_plan_result_reads_back_as_written(value: PlanResult) -> None:
    assert PlanResult.from_json(stored(value)) == value


@settings(max_examples=150, deadline=None)
@given(value=publication_specs)
def test_a_publication_spec_reads_back_as_written(value: PublicationSpec) -> None:
    assert PublicationSpec.from_json(stored(value)) == value
    assert PublicationSpec.read(stored(value)) == value


@settings(max_examples=100, deadline=None)
@given(value=publication_results)
def test_a_publication_result_reads_back_as_written(value: PublicationResult) -> None:
    assert PublicationResult.from_json(stored(value)) == value


@settings(max_examples=100, deadline=None)
@given(value=released_tables())
def test_a_released_table_reads_back_and_writes_the_same_document(value: ReleasedTable) -> None:
    document = stored(value)
    again = ReleasedTable.from_json(document)
    assert again == value
    assert json.loads(canonical_json(again.to_json())) == document


def test_a_plan_release_made_before_sources_reads_back_to_the_same_document() -> None:
    spec = {"kind": PLAN_KIND, "version": 2, "data_year": 2025, "part": "year",
            "period": "2025", "revision": 1,
            "tables": {"org_total": {"level": "organisation", "dimension": "total",
                                     "rho": "0.008"}},
            "budget": {"unit": "rho", "data_years": [2025], "rho": "0.008", "paid_by": None},
            "dg_min_fte": 2000, "taxonomy_version": "1"}
    typed = PlanSpec.from_json(spec)
    assert typed.tables["org_total"].source is None
    assert typed.to_json() == spec


def test_an_answer_from_before_the_cap_reads_back_to_the_same_document() -> None:
    result = {"measure": "contacts", "group_by": ["category"], "mechanism": "laplace",
              "ci95_halfwidth": 12.3, "cells": [
                  {"category": "pesten", "estimate": -3, "ci95": [-15.3, 9.3]},
                  {"category": "werkdruk", "estimate": 25, "ci95": [12, 38]}]}
    table = ReleasedTable.from_json(result)
    assert table.noise_scale is None and table.budget is None
    assert table.cells[1].ci95 == (12, 38) and isinstance(table.cells[1].ci95[0], int)
    assert table.to_json() == result


def test_other_kinds_are_not_read_and_broken_documents_are_refused() -> None:
    assert PlanSpec.read({"kind": "standard-monthly"}) is None
    assert PublicationSpec.read({"kind": PLAN_KIND}) is None
    assert PlanSpec.read("a plain key") is None
    with pytest.raises(MalformedRelease, match="plan spec"):
        PlanSpec.from_json({"kind": PLAN_KIND, "data_year": 2025})
    with pytest.raises(MalformedRelease, match="released table"):
        ReleasedTable.from_json({"group_by": ["unit"], "cells": []})
    with pytest.raises(MalformedRelease, match="not a monthly publication"):
        PublicationSpec.from_json({"kind": PLAN_KIND})
