"""AskedQuery: a stored question read back as written, and never an error on a damaged one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from privacy.asked import AskedQuery
from privacy.kinds import BudgetUnit, Mechanism
from tests.privacy.test_specs import parse


def test_a_question_reads_back_as_its_release_records_it() -> None:
    spec = parse(group_by=["unit", "category"], grain="quarter",
                 filters={"organisation": ["MIN-A"], "category": ["pesten"]},
                 epsilon="0.25")
    asked = AskedQuery.of_release({"query": spec.as_json(), "coarsening_threshold": 100})
    assert asked == AskedQuery.of(spec)
    assert (asked.measure, asked.group_by, asked.start, asked.end, asked.grain) == (
        "contacts", spec.group_by, "2025-01", "2025-12", "quarter")
    assert dict(asked.filters) == {name: codes for name, codes in spec.filters.items()}
    assert (asked.mechanism, asked.budget_unit, asked.budget) == (
        Mechanism.LAPLACE, BudgetUnit.EPSILON, "0.25")


def test_a_gaussian_question_spent_rho() -> None:
    asked = AskedQuery.of(parse(mechanism="gaussian", epsilon=None, rho="0.01"))
    assert (asked.budget_unit, asked.budget) == (BudgetUnit.RHO, "0.01")


def test_a_question_under_an_older_code_list_is_still_read() -> None:
    # Not validated against today's taxonomy: a retired code stays what it was.
    asked = AskedQuery.from_json({"measure": "contacts", "group_by": ["category"],
                                  "filters": {"category": ["oude_code"]}, "from": "2019-01",
                                  "to": "2019-12", "grain": "year", "epsilon": "1"})
    assert asked.filters["category"] == ("oude_code",) and asked.budget == "1"


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
KEYS = st.sampled_from(["measure", "group_by", "filters", "from", "to", "grain", "mechanism",
                        "epsilon", "rho"])


@given(st.dictionaries(KEYS, JSON) | JSON)
def test_a_damaged_spec_reads_as_blanks_never_as_an_error(data: object) -> None:
    asked = AskedQuery.from_json(data)
    assert isinstance(asked.group_by, tuple) and isinstance(asked.mechanism, Mechanism)
    assert all(isinstance(codes, tuple) for codes in asked.filters.values())
    assert AskedQuery.of_release(data) is not None
