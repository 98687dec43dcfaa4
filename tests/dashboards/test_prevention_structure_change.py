"""The dashboard after the structure changed: a DG in last year's releases is gone today."""

from __future__ import annotations

import pytest

from analytics.plan import PlanYear
from dashboards.prevention.benchmarks import benchmark_section
from dashboards.prevention.filters import Filters
from dashboards.prevention.units import unit_section
from dashboards.published import plan_year
from registry.organisations import OrgStructure, OrgUnit
from registry.periods import Month
from server.demo_data import demo_org, demo_signals

ORG = "BB"
GONE = "BB-DG2"  # BB's one DG of at least 2000 FTE: a row of the year tables
END = Month.current().add(-1)


def without_the_dg(org: OrgStructure) -> OrgStructure:
    gone = set(org.subtree(GONE))
    units = [u for u in org.units if u.code not in gone]
    units.append(OrgUnit("NIEUW", "Nieuw ministerie", None, "NIEUW", 900))
    return OrgStructure(tuple(units))


@pytest.fixture
def changed_plan(services):  # type: ignore[no-untyped-def]
    org = demo_org()
    services.replace_org(org)
    records, _hotspots = demo_signals(org, months=23, end=END)
    services.signals.store_many(records, receipts=False)
    services.plans.publish_due()
    changed = without_the_dg(org)
    plan = {}
    for year in services.plans.years():
        py = plan_year(services, year)
        assert py is not None
        plan[year] = PlanYear(year, changed, py.releases)
    return plan, changed, services.taxonomy


def filters() -> Filters:
    return Filters(ORG, None, (), Month(END.year - 1, 1), END)


def test_the_reader_leaves_out_rows_of_units_that_are_gone(changed_plan):
    plan, _changed, _taxonomy = changed_plan
    complete = plan[END.year - 1]
    assert GONE not in complete.dg_rows(ORG)
    assert ORG in complete.dg_rows(ORG)
    # The figures still read: the Rijk holds every row, the organisation its known rows.
    for code in complete.category_codes():
        assert complete.category(ORG, code).variance >= 0
    assert complete.owner(GONE) is None


def test_comparisons_and_categories_read_after_a_dg_was_removed(changed_plan):
    plan, changed, taxonomy = changed_plan
    section = benchmark_section(plan, changed, taxonomy, filters(), "nl")
    assert section.year == END.year - 1
    labels = [row[0] for chart in section.charts for row in chart.table.rows]
    assert not any(GONE in str(label) for label in labels)
    units = unit_section(plan, changed, taxonomy, filters(), "nl")
    assert all(GONE not in str(row[0]) for chart in units.charts for row in chart.table.rows)
