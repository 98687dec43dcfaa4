"""Outcome shares for the works council and the PDCA view: from noisy numerator and denominator,
with intervals, never outside 0-100%, "te onzeker" when the margin is too wide."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.outcomes import MAX_HALF_WIDTH, outcome_fields
from analytics.plan import PlanRelease, PlanTableReading, PlanYear
from privacy.plan import RIJK, Dimension, Part, plan_table
from registry.organisations import parse_org_csv
from registry.taxonomy.outcomes import NOT_RECORDED, OUTCOME_FIELDS, load_outcome_codes

CODES = load_outcome_codes()
ORG = parse_org_csv("""code,name,parent,organisation,headcount
MIN-A,Ministerie A,,MIN-A,5000
MIN-B,Ministerie B,,MIN-B,800
""")
SIGMA = plan_table("org_feedback_3m").sigma  # about 15.8 cases per cell


def year(cells: dict[str, dict[str, float]], sigma: float = SIGMA) -> PlanYear:
    """A data year whose only tables are the outcome tables, with the given estimates."""
    tables = {}
    for field in OUTCOME_FIELDS:
        codes = [*CODES.codes(field), NOT_RECORDED]
        tables[f"org_{field}"] = PlanTableReading(
            f"org_{field}", Part.YEAR, Dimension(field), sigma,
            {(org, "", code): cells.get(org, {}).get(code, 0.0)
             for org in ("MIN-A", "MIN-B") for code in codes})
    release = PlanRelease("r1", 2025, Part.YEAR, "2025", tables)
    return PlanYear(2025, ORG, (release,))


def feedback(unit: str, py: PlanYear):  # type: ignore[no-untyped-def]
    return next(f for f in outcome_fields(py, unit, CODES) if f.field == "feedback_3m")


def test_a_clear_share_is_shown_with_its_interval():
    py = year({"MIN-A": {"ja": 900.0, "nee": 250.0, "onbekend": 50.0, NOT_RECORDED: 400.0}})
    field = feedback("MIN-A", py)
    assert field.label == "Terugkoppeling binnen 3 maanden"
    assert field.recorded.value == 1200
    ja = field.headline
    assert ja is not None and ja.label == "Ja"
    assert math.isclose(ja.percent.value, 75.0)
    assert not ja.percent.too_uncertain
    assert 0 < ja.percent.lower < 75 < ja.percent.upper < 100
    assert ja.percent.text.startswith("75% (tussen ")
    assert [r.code for r in field.rows] == ["ja", "nee", "onbekend"]


def test_a_small_basis_is_too_uncertain_and_never_outside_0_to_100():
    py = year({"MIN-B": {"ja": 6.0, "nee": -4.0, NOT_RECORDED: 30.0}})
    field = feedback("MIN-B", py)
    assert field.recorded.too_uncertain
    for row in field.rows:
        assert row.percent.too_uncertain
        assert row.percent.text.startswith("te onzeker: tussen 0 en 100")
        assert 0 <= row.percent.lower <= row.percent.upper <= 100


def test_a_share_whose_margin_is_too_wide_says_te_onzeker():
    # 60 cases recorded: clear as a count, but the share's margin is far wider than 25 points.
    py = year({"MIN-A": {"ja": 30.0, "nee": 30.0}})
    ja = feedback("MIN-A", py).headline
    assert ja is not None
    assert ja.percent.half_width > MAX_HALF_WIDTH
    assert ja.percent.too_uncertain and ja.percent.text.startswith("te onzeker: tussen ")


def test_the_rijk_sums_the_organisations_and_multi_code_fields_share_their_cases():
    py = year({"MIN-A": {"gesprek": 500.0, "waarschuwing": 500.0, NOT_RECORDED: 10.0},
               "MIN-B": {"gesprek": 1000.0}})
    measures = next(f for f in outcome_fields(py, RIJK, CODES) if f.field == "measures")
    assert measures.recorded.value == 2000
    shares = {r.code: r.percent.value for r in measures.rows}
    assert math.isclose(shares["gesprek"], 75.0) and math.isclose(shares["waarschuwing"], 25.0)
    assert measures.headline is None  # no yes/no field


def test_a_year_without_outcome_tables_has_no_outcome_fields():
    release = PlanRelease("r0", 2024, Part.YEAR, "2024", {})
    assert outcome_fields(PlanYear(2024, ORG, (release,)), "MIN-A", CODES) == ()


estimates = st.floats(-200, 3000, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(ja=estimates, nee=estimates, onbekend=estimates,
       sigma=st.floats(0.5, 40, allow_nan=False))
def test_every_share_shown_lies_within_0_and_100_and_wide_margins_are_too_uncertain(
        ja, nee, onbekend, sigma):
    py = year({"MIN-A": {"ja": ja, "nee": nee, "onbekend": onbekend}}, sigma)
    for field in outcome_fields(py, "MIN-A", CODES):
        for row in field.rows:
            reading = row.percent
            assert 0 <= reading.lower <= reading.value <= reading.upper <= 100
            if not reading.too_uncertain:
                assert reading.half_width <= MAX_HALF_WIDTH
                assert reading.half_width <= reading.value
                assert not field.recorded.too_uncertain
