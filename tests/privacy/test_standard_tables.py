"""The monthly publication's standard tables: one declaration, its budget, its sensitivities
(from privacy.contributions, with the taxonomy's own number of codes) and its noise."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

from privacy.contributions import ContributionBounds
from privacy.kinds import Measure
from privacy.noise import calibrate, noise_standard_deviation
from privacy.standard_tables import (
    MONTHLY_EPSILON,
    STANDARD_MECHANISM,
    STANDARD_TABLES,
    YEARLY_EPSILON,
    StandardTable,
    standard_table,
)
from registry.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()
BOUNDS = ContributionBounds()


def test_the_default_budget_is_0_8_a_month_and_9_6_a_year() -> None:
    names = [t.name for t in STANDARD_TABLES]
    assert len(set(names)) == len(names)
    assert Fraction("0.8") == MONTHLY_EPSILON
    assert Fraction("9.6") == YEARLY_EPSILON
    assert all(t.epsilon > 0 and (10**6) % t.epsilon.denominator == 0 for t in STANDARD_TABLES)


@pytest.mark.parametrize(("name", "l1"), [
    ("contacts_unit_category", 9), ("cases_unit_category", 9),
    ("contacts_unit_category_channel", 9), ("contacts_total", 3), ("contacts_follow_up", 3),
    ("contacts_impact", 6),
])
def test_sensitivity_is_k_times_c_for_category_tables_and_k_otherwise(name: str, l1: int) -> None:
    assert standard_table(name).sensitivity(TAXONOMY, BOUNDS).l1 == l1


def test_sensitivity_follows_the_bounds_and_the_taxonomy() -> None:
    table = standard_table("contacts_unit_category")
    # C above the number of categories: every category of a signal counts.
    wide = ContributionBounds(categories_per_signal=100)
    assert table.sensitivity(TAXONOMY, wide).l1 == 3 * len(TAXONOMY.codes("categories"))
    assert table.sensitivity(TAXONOMY, ContributionBounds(contacts_per_case=2)).l1 == 6
    cases = replace(table, measure=Measure.CASES)
    assert cases.sensitivity(TAXONOMY, BOUNDS).l2_squared == 9


def test_the_default_noise_of_the_unit_category_table_is_36_contacts_a_month() -> None:
    table = standard_table("contacts_unit_category")
    scale = calibrate(STANDARD_MECHANISM, table.epsilon,
                      table.sensitivity(TAXONOMY, BOUNDS)).scale
    assert scale == pytest.approx(9 / 0.35)
    assert noise_standard_deviation("laplace", scale) == pytest.approx(36.36, abs=0.01)


@pytest.mark.parametrize(("group_by", "epsilon"), [
    (("category", "unit"), Fraction("0.1")), (("period",), Fraction("0.1")),
    (("unit",), Fraction(0)), (("unit",), Fraction(2)),
])
def test_a_malformed_declaration_is_refused(group_by: tuple[str, ...],
                                            epsilon: Fraction) -> None:
    with pytest.raises(ValueError):
        StandardTable("x", Measure.CONTACTS, group_by, epsilon)


def test_an_unknown_name_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        standard_table("contacts_everything")
