"""The dashboard after the structure changed: a DG in last year's releases is gone today."""

from __future__ import annotations

import pytest

from analytics.plan import PlanYear, StructureChanged
from dashboards import published as published_plan
from dashboards.prevention.benchmarks import benchmark_section
from dashboards.prevention.filters import Filters
from dashboards.prevention.units import unit_section
from dashboards.published import plan_year
from privacy.plan import RIJK
from registry.accounts import Role
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
    assert complete.owner(GONE) is None
    assert GONE not in complete.dg_rows(ORG) and ORG in complete.dg_rows(ORG)
    # The Rijk holds every row and still reads; an organisation's figure of that year cannot
    # be formed from its rows any more, and says so (not a bare KeyError from deep inside).
    for code in complete.category_codes():
        assert complete.category(RIJK, code).variance > 0
        with pytest.raises(StructureChanged, match=GONE):
            complete.category(ORG, code)


def test_comparisons_and_categories_say_the_structure_changed(changed_plan):
    plan, changed, taxonomy = changed_plan
    with pytest.raises(StructureChanged):
        benchmark_section(plan, changed, taxonomy, filters(), "nl")
    with pytest.raises(StructureChanged):
        unit_section(plan, changed, taxonomy, filters(), "nl")


def test_the_pages_answer_with_a_dutch_message_not_a_500(changed_plan, client, login, services,
                                                         monkeypatch):
    plan, changed, _taxonomy = changed_plan
    monkeypatch.setattr(services, "org", lambda: changed)
    monkeypatch.setattr(published_plan, "plan", lambda _s, years=None: dict(plan))
    login(Role.PREVENTION_OFFICER, ORG)
    query = f"?from={Month(END.year - 1, 1)}&to={END}"
    for path in ("/dashboard/vergelijking", "/dashboard/eenheden"):
        response = client.get(path + query)
        assert response.status_code == 422, path
        assert "De indeling in eenheden" in response.get_data(as_text=True)
