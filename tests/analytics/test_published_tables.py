"""Published tables: reading stored releases, headcounts behind cells, windows (the default
budget and its noise: tests/privacy/test_standard_tables.py)."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.published import (
    PublishedMonth,
    PublishedTable,
    by_organisation,
    last_months,
    one_organisation,
    own_headcount,
    released_subtree,
    unit_codes,
    window_sums,
)
from privacy.aggregate import ExactTable
from privacy.coarsening import released_units
from privacy.contributions import ContributionBounds
from privacy.noise import add_noise
from privacy.queries import release_payload
from privacy.released import ReleasedTable
from privacy.specs import QuerySpec
from privacy.standard_tables import standard_table
from privacy.tables import key_grid
from registry.periods import Month
from registry.taxonomy import load_taxonomy

JAN = Month(2025, 1)
RELEASED = {"ORG", "A", "A1", "A2", "B", "B1", "C"}


def test_own_headcount_subtracts_released_sub_units_only(org) -> None:
    assert own_headcount(org, "A", RELEASED) == 50  # 400 - 150 - 200; A3 (30) stays in
    assert own_headcount(org, "B", RELEASED) == 200
    assert own_headcount(org, "C", RELEASED) == 250
    assert own_headcount(org, "ORG", RELEASED) == 50
    assert sum(own_headcount(org, u, RELEASED) for u in RELEASED) == 1000
    assert released_subtree(org, "A", RELEASED) == ["A", "A2", "A1"]


def test_the_own_headcounts_match_what_coarsening_releases(org) -> None:
    assert set(released_units(org, 50)) == RELEASED


def test_window_sums_add_estimates_and_noise_variances(make_month) -> None:
    months = [make_month(JAN, unit_category={("A1", "pesten"): 3}, sd=2.0),
              make_month(Month(2025, 2), unit_category={("A1", "pesten"): -1}, sd=3.0)]
    sums = window_sums(months, "contacts_unit_category")
    assert sums.get("A1", "pesten") == 2
    assert sums.noise_variance == 13
    assert sums.months == (JAN, Month(2025, 2))


def test_last_months_picks_the_calendar_window_up_to_the_end(make_month) -> None:
    months = [make_month(Month(2025, m)) for m in range(1, 9)]
    assert [str(m.month) for m in last_months(months, 3)] == ["2025-06", "2025-07", "2025-08"]
    assert [str(m.month) for m in last_months(months, 2, end=Month(2025, 2))] == [
        "2025-01", "2025-02"]


def test_publications_of_two_organisations_are_not_mixed(make_month) -> None:
    a, b = make_month(JAN), make_month(JAN, organisation="OTHER")
    with pytest.raises(ValueError, match="several organisations"):
        one_organisation([a, b])
    with pytest.raises(ValueError, match="twice"):
        one_organisation([a, a])
    assert set(by_organisation([a, b])) == {"ORG", "OTHER"}


def test_a_missing_table_is_named(make_month) -> None:
    month = make_month(JAN)
    with pytest.raises(ValueError, match="contacts_impact"):
        month.table("contacts_impact")


def test_a_table_of_another_month_is_refused(make_month) -> None:
    table = make_month(JAN).tables["contacts_total"]
    with pytest.raises(ValueError):
        PublishedMonth("ORG", Month(2025, 2), "r", {"contacts_total": table})


def test_a_stored_release_reads_back_with_every_cell_and_its_noise(org) -> None:
    """The real path: exact table by hand -> OpenDP noise -> stored payload -> PublishedTable."""
    taxonomy = load_taxonomy()
    name = "contacts_unit_category"
    standard = standard_table(name)
    spec = QuerySpec("contacts", ("unit", "category"), {"organisation": ("ORG",)}, JAN, JAN,
                     epsilon=standard.epsilon)
    grid = key_grid(spec, taxonomy, org)
    exact = ExactTable(spec, grid, np.full(grid.n_cells, 5, dtype=np.int64),
                       standard.sensitivity(taxonomy, ContributionBounds()), ContributionBounds(),
                       50)
    noisy = add_noise(exact)
    payload = ReleasedTable.from_json(release_payload(noisy, org, 50, ContributionBounds()))
    table = PublishedTable.from_released(name, JAN, payload)
    assert len(table.estimates) == 7 * len(taxonomy.codes("categories"))
    assert table.noise_sd == pytest.approx(36.36, abs=0.01)
    assert set(unit_codes(table, org, "ORG")) == RELEASED
    assert table.codes("category") == tuple(taxonomy.codes("categories"))
    direct = PublishedTable.from_noisy(name, JAN, noisy)
    assert direct.estimates == table.estimates
    assert direct.noise_sd == table.noise_sd
