"""Totals over published tables: sums of released estimates, variances added, gaps named."""

from __future__ import annotations

import math

import pytest

from analytics.published import PublishedMonth, PublishedTable
from analytics.rijk import SUMMARY_TABLES, TOTAL_CODE, rijk_totals, table_totals
from registry.periods import Month

JAN, FEB = Month(2026, 1), Month(2026, 2)
CATEGORIES = ("pesten", "discriminatie")


def _month(organisation: str, month: Month, base: int, sd: float = 10.0) -> PublishedMonth:
    units = (f"{organisation}-D1", f"{organisation}-D2")
    tables = {}
    for name, dimension, _title in SUMMARY_TABLES:
        if name.endswith("unit_category"):
            group_by: tuple[str, ...] = ("unit", "category")
            keys = [(u, c) for u in units for c in CATEGORIES]
        elif dimension is None:
            group_by, keys = (), [()]
        else:
            group_by, keys = (dimension,), [("a",), ("b",)]
        estimates = {key: base + i for i, key in enumerate(keys)}
        tables[name] = PublishedTable(name, month, group_by, estimates, noise_sd=sd,
                                      half_width=int(1.96 * sd))
    return PublishedMonth(organisation, month, f"r{organisation}{month}", tables)


def test_category_total_sums_every_unit_and_adds_their_variances():
    month = _month("MIN-A", JAN, base=5, sd=3.0)
    rows = {r.code: r.estimate for r in table_totals([month], "contacts_unit_category",
                                                      "category")}
    table = month.table("contacts_unit_category")
    for category in CATEGORIES:
        expected = sum(v for k, v in table.estimates.items() if k[1] == category)
        assert rows[category].value == expected
        assert rows[category].variance == pytest.approx(2 * 9.0)  # two units, sd 3
        assert rows[category].half_width == pytest.approx(1.96 * math.sqrt(18.0), rel=1e-3)


def test_rijk_total_is_the_sum_over_organisations_and_months():
    published = {"MIN-A": [_month("MIN-A", JAN, 10), _month("MIN-A", FEB, 20)],
                 "MIN-B": [_month("MIN-B", JAN, -4, sd=20.0), _month("MIN-B", FEB, 7, sd=20.0)]}
    totals = rijk_totals(published, JAN, FEB)
    assert totals.complete and totals.organisations == ("MIN-A", "MIN-B")
    grand = {t.name: t for t in totals.tables}["contacts_total"].rows
    assert [r.code for r in grand] == [TOTAL_CODE]
    assert grand[0].estimate.value == 10 + 20 - 4 + 7
    assert grand[0].estimate.variance == pytest.approx(2 * 100.0 + 2 * 400.0)


def test_unpublished_organisation_months_are_named_not_counted_as_zero():
    published = {"MIN-A": [_month("MIN-A", JAN, 10)], "MIN-B": []}
    totals = rijk_totals(published, JAN, FEB)
    assert not totals.complete
    assert totals.missing == (("MIN-A", FEB), ("MIN-B", JAN), ("MIN-B", FEB))
    assert totals.organisations == ("MIN-A",)
    grand = {t.name: t for t in totals.tables}["contacts_total"].rows[0]
    assert grand.estimate.value == 10


def test_nothing_published_gives_no_tables():
    totals = rijk_totals({"MIN-A": []}, JAN, JAN)
    assert totals.tables == () and totals.missing == (("MIN-A", JAN),)


def test_publications_outside_the_period_are_left_out_and_bad_ranges_refused():
    published = {"MIN-A": [_month("MIN-A", JAN, 10), _month("MIN-A", FEB, 99)]}
    grand = {t.name: t for t in rijk_totals(published, JAN, JAN).tables}["contacts_total"]
    assert grand.rows[0].estimate.value == 10
    with pytest.raises(ValueError):
        rijk_totals(published, FEB, JAN)
    with pytest.raises(ValueError):
        rijk_totals({"MIN-B": [_month("MIN-A", JAN, 1)]}, JAN, JAN)
