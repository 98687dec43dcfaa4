"""QuerySpec: parsing user JSON, exact budgets, canonical text."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.budgets import (
    BUDGET_LIMITS,
    MAX_EPSILON,
    MAX_RHO,
    MIN_EPSILON,
    MIN_RHO,
    budget_range_message,
    decimal_text,
)
from privacy.kinds import BUDGET_FIELD, DIMENSIONS
from privacy.specs import MAX_CELLS, QuerySpec
from registry.errors import ValidationFailed
from registry.organisations import parse_org_csv
from registry.periods import Month
from registry.taxonomy import load_taxonomy

FIXTURES = Path(__file__).parent.parent / "fixtures"
TAXONOMY = load_taxonomy()
ORG = parse_org_csv((FIXTURES / "org-small.csv").read_text())
TODAY = Month(2026, 3)
BASE = {"measure": "contacts", "from": "2025-01", "to": "2025-12", "epsilon": "1"}


def parse(**changes: object) -> QuerySpec:
    data = {**BASE, **changes}
    return QuerySpec.from_json({k: v for k, v in data.items() if v is not None},
                               TAXONOMY, ORG, TODAY)


def field_errors(**changes: object) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        parse(**changes)
    return {error.field: error.message for error in caught.value.errors}


def test_minimal_spec_has_defaults_and_no_dimensions() -> None:
    spec = parse()
    assert spec.group_by == ()
    assert dict(spec.filters) == {}
    assert (spec.start, spec.end, spec.grain) == (Month(2025, 1), Month(2025, 12), "month")
    assert spec.mechanism == "laplace"
    assert spec.epsilon == Fraction(1) and spec.rho is None
    assert (spec.budget, spec.budget_unit) == (Fraction(1), "epsilon")


def test_group_by_is_put_in_canonical_order() -> None:
    spec = parse(group_by=["category", "unit", "period"])
    assert spec.group_by == ("period", "unit", "category")


def test_equal_questions_have_equal_canonical_json() -> None:
    one = parse(group_by=["unit", "period"], filters={"channel": ["bmw", "vp_intern"]})
    two = QuerySpec.from_json(
        {"epsilon": 1, "to": "2025-12", "filters": {"channel": ["vp_intern", "bmw"]},
         "from": "2025-01", "group_by": ["period", "unit"], "measure": "contacts",
         "grain": "month", "mechanism": "laplace"},
        TAXONOMY, ORG, TODAY,
    )
    assert one == two
    assert hash(one) == hash(two)
    assert one.canonical_json() == two.canonical_json()
    assert one.canonical_json() == (
        '{"epsilon":"1","filters":{"channel":["vp_intern","bmw"]},"from":"2025-01",'
        '"grain":"month","group_by":["period","unit"],"measure":"contacts",'
        '"mechanism":"laplace","to":"2025-12"}'
    )


def test_different_budgets_are_different_questions() -> None:
    assert parse(epsilon="0.5").canonical_json() != parse(epsilon="0.50001").canonical_json()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.1", Fraction(1, 10)), ("1", Fraction(1)), (1, Fraction(1)), ("0.01", Fraction(1, 100)),
     ("0.123456", Fraction(123456, 10**6)), (" 0.25 ", Fraction(1, 4))],
)
def test_epsilon_is_exact(value: object, expected: Fraction) -> None:
    assert parse(epsilon=value).epsilon == expected


EPSILON_RANGE = ("epsilon moet per vraag tussen 0.01 en 1 liggen (grenzen inbegrepen): kleiner "
                 "maakt aftasten met heel veel vragen mogelijk, groter laat één vraag de cijfers "
                 "bijna zonder ruis zien.")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0.5, "Geef epsilon als tekst (\"0.5\") of geheel getal, niet als kommagetal: "
              "een binair kommagetal is niet exact."),
        (True, "epsilon moet een getal zijn."),
        ("0", EPSILON_RANGE),
        ("0.009999", EPSILON_RANGE),
        ("1.000001", EPSILON_RANGE),
        (2, EPSILON_RANGE),
        (-1, "epsilon moet een decimaal getal zijn met hoogstens 6 cijfers achter de punt, "
             "bijvoorbeeld \"0.25\"."),
        ("1e-3", "epsilon moet een decimaal getal zijn met hoogstens 6 cijfers achter de punt, "
                 "bijvoorbeeld \"0.25\"."),
        ("0.0000001", "epsilon moet een decimaal getal zijn met hoogstens 6 cijfers achter de "
                      "punt, bijvoorbeeld \"0.25\"."),
        ("1/3", "epsilon moet een decimaal getal zijn met hoogstens 6 cijfers achter de punt, "
                "bijvoorbeeld \"0.25\"."),
        ([1], "epsilon moet een getal als tekst zijn."),
        (None, "Vul epsilon in, bijvoorbeeld \"0.5\"."),
    ],
)
def test_bad_epsilon_is_refused_with_a_message(value: object, message: str) -> None:
    assert field_errors(epsilon=value) == {"epsilon": message}


def test_gaussian_spends_rho_not_epsilon() -> None:
    spec = parse(mechanism="gaussian", epsilon=None, rho="0.03125")
    assert (spec.rho, spec.epsilon) == (Fraction(1, 32), None)
    assert (spec.budget, spec.budget_unit) == (Fraction(1, 32), "rho")
    assert '"rho":"0.03125"' in spec.canonical_json()
    assert "epsilon" not in spec.canonical_json()


def test_gaussian_with_epsilon_is_refused() -> None:
    errors = field_errors(mechanism="gaussian")
    assert errors == {"epsilon": "Bij mechanisme gaussian hoort rho.",
                      "rho": "Vul rho in, bijvoorbeeld \"0.5\"."}


def test_laplace_with_rho_is_refused() -> None:
    assert field_errors(rho="0.05") == {"rho": "Bij mechanisme laplace hoort epsilon."}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"measure": None}, "measure", "Kies een van: contacts, cases."),
        ({"measure": "people"}, "measure", "Onbekende waarde; kies een van: contacts, cases."),
        ({"grain": "week"}, "grain", "Onbekende waarde; kies een van: month, quarter, year."),
        ({"mechanism": "exponential"}, "mechanism",
         "Onbekende waarde; kies een van: laplace, gaussian."),
        ({"group_by": "unit"}, "group_by", "Geef een lijst dimensies."),
        ({"group_by": ["unit", "unit"]}, "group_by", "Een dimensie staat dubbel."),
        ({"group_by": ["organisation"]}, "group_by",
         "Onbekende dimensie 'organisation'; kies uit: " + ", ".join(DIMENSIONS) + "."),
        ({"from": "2025-13"}, "from", "De maand moet tussen 01 en 12 liggen."),
        ({"from": None}, "from", "Vul een maand in (JJJJ-MM)."),
        ({"to": "2026-04"}, "to", "De maand mag niet in de toekomst liggen."),
        ({"from": "2025-06", "to": "2025-05"}, "from", "De beginmaand ligt na de eindmaand."),
        ({"colour": "red"}, "colour", "Onbekend veld."),
        ({"filters": []}, "filters", "Geef filters als object: veld -> lijst codes."),
        ({"filters": {"period": ["2025-01"]}}, "filters",
         "Filters: kies de periode met from en to, niet met een filter."),
        ({"filters": {"colour": ["red"]}}, "filters", "Filters: onbekend filterveld 'colour'."),
        ({"filters": {"channel": []}}, "filters", "Filters: channel: geef een niet-lege lijst codes."),
        ({"filters": {"channel": ["bmw", "bmw"]}}, "filters",
         "Filters: channel: een code staat dubbel."),
        ({"filters": {"category": ["pesten", "nope"]}}, "filters",
         "Filters: category: onbekende code 'nope'."),
        ({"filters": {"organisation": ["MIN-A-DG1"]}}, "filters",
         "Filters: organisation: onbekende code 'MIN-A-DG1'."),
        ({"filters": {"unit": ["MIN-A-DG1-D2-T1"]}}, "filters",
         "Filters: unit: MIN-A-DG1-D2-T1 is kleiner dan 50 fte en wordt alleen samen met een "
         "hoger onderdeel getoond."),
        ({"filters": {"unit": ["MIN-B-D1"], "organisation": ["MIN-A"]}}, "filters",
         "Filters: unit: MIN-B-D1 hoort niet bij de gekozen organisaties."),
    ],
)
def test_bad_field_is_reported_by_its_json_name(
    changes: dict[str, object], field: str, message: str
) -> None:
    assert field_errors(**changes) == {field: message}


def test_every_bad_field_is_reported_at_once() -> None:
    errors = field_errors(measure="x", grain="x", epsilon="0", to="2030-01")
    assert set(errors) == {"measure", "grain", "epsilon", "to"}


def test_not_an_object_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        QuerySpec.from_json(["measure"], TAXONOMY, ORG, TODAY)
    assert caught.value.errors[0].message == "Verwacht een JSON-object."


def test_table_larger_than_the_maximum_is_refused() -> None:
    errors = field_errors(group_by=list(DIMENSIONS), **{"from": "2016-01"})
    assert set(errors) == {"group_by"}
    assert f"het maximum is {MAX_CELLS}" in errors["group_by"]


def test_unit_filter_accepts_a_released_unit() -> None:
    spec = parse(filters={"unit": ["MIN-A-DG1-D2"], "organisation": ["MIN-A"]})
    assert dict(spec.filters) == {"organisation": ("MIN-A",), "unit": ("MIN-A-DG1-D2",)}


def test_filters_cannot_be_changed_after_construction() -> None:
    spec = parse(filters={"channel": ["bmw"]})
    with pytest.raises(TypeError):
        spec.filters["channel"] = ("vp_intern",)  # type: ignore[index]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"measure": "x"}, "measure must be one of ('contacts', 'cases'), got 'x'"),
        ({"group_by": ("unit", "period")},
         f"group_by must follow the canonical order {DIMENSIONS}"),
        ({"group_by": ("unit", "unit")}, "group_by must not repeat a dimension"),
        ({"filters": {"channel": ()}}, "filter 'channel' must be a non-empty tuple of codes"),
        ({"start": Month(2026, 1)}, "start 2026-01 is after end 2025-12"),
        ({"epsilon": 0.5}, "epsilon must be a Fraction, got 0.5"),
        ({"epsilon": Fraction(1, 3)}, "epsilon must be a decimal with at most 6 places"),
        ({"epsilon": Fraction(11)}, "epsilon must be from 0.01 to 1, got 11"),
        ({"epsilon": Fraction(1, 1000)}, "epsilon must be from 0.01 to 1, got 1/1000"),
        ({"mechanism": "gaussian", "epsilon": None, "rho": Fraction(1, 10)},
         "rho must be from 0.00005 to 0.05, got 1/10"),
        ({"rho": Fraction(1, 100)}, "a laplace spec spends epsilon only"),
    ],
)
def test_direct_construction_checks_invariants(changes: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "measure": "contacts", "group_by": (), "filters": {}, "start": Month(2025, 1),
        "end": Month(2025, 12), "epsilon": Fraction(1),
    }
    values.update(changes)
    with pytest.raises(ValueError) as caught:
        QuerySpec(**values)  # type: ignore[arg-type]
    assert str(caught.value) == message


def budgets_inside(unit: str) -> st.SearchStrategy[Fraction]:
    """Every six-decimal budget from the unit's minimum to its maximum, bounds included."""
    low, high = BUDGET_LIMITS[unit]
    return st.integers(int(low * 10**6), int(high * 10**6)).map(lambda n: Fraction(n, 10**6))


def budgets_outside(unit: str) -> st.SearchStrategy[Fraction]:
    """Six-decimal budgets below the minimum (0 included) or above the maximum, up to the
    largest number the decimal format takes (999.999999)."""
    low, high = BUDGET_LIMITS[unit]
    return st.one_of(st.integers(0, int(low * 10**6) - 1),
                     st.integers(int(high * 10**6) + 1, 10**9 - 1)
                     ).map(lambda n: Fraction(n, 10**6))


def direct_spec(mechanism: str, budget: Fraction) -> QuerySpec:
    return QuerySpec("contacts", (), {}, Month(2025, 1), Month(2025, 12), mechanism=mechanism,
                     epsilon=budget if mechanism == "laplace" else None,
                     rho=budget if mechanism == "gaussian" else None)


def test_the_limits_are_the_documented_ones() -> None:
    assert BUDGET_LIMITS == {"epsilon": (MIN_EPSILON, MAX_EPSILON), "rho": (MIN_RHO, MAX_RHO)}
    assert [decimal_text(limit) for limit in (MIN_EPSILON, MAX_EPSILON, MIN_RHO, MAX_RHO)] == [
        "0.01", "1", "0.00005", "0.05"]
    assert MIN_EPSILON**2 / 2 == MIN_RHO  # the cost of the smallest Laplace query


@settings(max_examples=200, deadline=None)
@given(mechanism=st.sampled_from(["laplace", "gaussian"]), data=st.data())
def test_any_budget_inside_the_range_is_accepted(mechanism: str, data: st.DataObject) -> None:
    unit = BUDGET_FIELD[mechanism]
    budget = data.draw(budgets_inside(unit))
    spec = parse(**{"mechanism": mechanism, "epsilon": None, unit: decimal_text(budget)})
    assert (spec.budget, spec.budget_unit) == (budget, unit)
    direct = direct_spec(mechanism, budget)
    assert direct == spec


@settings(max_examples=200, deadline=None)
@given(mechanism=st.sampled_from(["laplace", "gaussian"]), data=st.data(),
       as_int=st.booleans())
def test_any_budget_outside_the_range_is_refused_naming_the_field(
    mechanism: str, data: st.DataObject, as_int: bool,
) -> None:
    unit = BUDGET_FIELD[mechanism]
    budget = data.draw(budgets_outside(unit))
    value: object = decimal_text(budget)
    if as_int and budget.denominator == 1:
        value = budget.numerator  # a JSON integer is read the same way
    assert field_errors(**{"mechanism": mechanism, "epsilon": None, unit: value}) == {
        unit: budget_range_message(unit)}
    low, high = BUDGET_LIMITS[unit]
    assert f"tussen {decimal_text(low)} en {decimal_text(high)}" in budget_range_message(unit)
    with pytest.raises(ValueError, match=f"^{unit} must be from "):
        direct_spec(mechanism, budget)


def test_a_budget_too_large_for_the_format_is_refused_naming_the_field() -> None:
    assert set(field_errors(epsilon="1000000")) == {"epsilon"}
    assert set(field_errors(mechanism="gaussian", epsilon=None, rho=10**9)) == {"rho"}


@settings(max_examples=60, deadline=None)
@given(
    group_by=st.lists(st.sampled_from(DIMENSIONS), unique=True, max_size=3),
    channels=st.lists(st.sampled_from(TAXONOMY.codes("channel")), unique=True, max_size=3),
    grain=st.sampled_from(["month", "quarter", "year"]),
    mechanism=st.sampled_from(["laplace", "gaussian"]),
    months=st.tuples(st.integers(0, 30), st.integers(0, 30)),
    draws=st.data(),
)
def test_as_json_reads_back_to_the_same_spec(
    group_by: list[str], channels: list[str], grain: str, mechanism: str,
    months: tuple[int, int], draws: st.DataObject,
) -> None:
    budget = draws.draw(budgets_inside(BUDGET_FIELD[mechanism]))
    start, end = sorted(TODAY.add(-m) for m in months)
    data: dict[str, object] = {
        "measure": "cases", "group_by": group_by, "from": str(start), "to": str(end),
        "grain": grain, "mechanism": mechanism,
        ("epsilon" if mechanism == "laplace" else "rho"): decimal_text(budget),
    }
    if channels:
        data["filters"] = {"channel": channels}
    spec = QuerySpec.from_json(data, TAXONOMY, ORG, TODAY)
    again = QuerySpec.from_json(spec.as_json(), TAXONOMY, ORG, TODAY)
    assert again == spec
    assert again.canonical_json() == spec.canonical_json()
    assert spec.budget == budget


@pytest.mark.parametrize(
    ("value", "text"),
    [(Fraction(1, 4), "0.25"), (Fraction(10), "10"), (Fraction(1, 10**6), "0.000001"),
     (Fraction(3, 2), "1.5")],
)
def test_decimal_text_is_plain_decimal(value: Fraction, text: str) -> None:
    assert decimal_text(value) == text
