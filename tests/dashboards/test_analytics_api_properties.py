"""The analytics API on arbitrary parameters and arbitrary published plans: never a 5xx.

Every endpoint (``dashboards.analytics_api.openapi``: trends, checks, benchmarks) is called with
hypothesis-made years, months, windows, organisations, units, categories, periods and malformed
values, against the real published plan, against arbitrary subsets of its releases (any set of
published months, quarters, half years and years), and after the structure changed. A 4xx
always carries a JSON error list naming the field; a range is only answered within the
published months.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from analytics.plan import PlanYear
from dashboards import published as data
from dashboards.analytics_api import api as analytics_api
from privacy.plan import Part
from registry.accounts import Role
from registry.organisations import OrgStructure, OrgUnit
from registry.periods import Month
from server.demo_data import demo_org, demo_signals

END = Month.current().add(-1)
YEARS = range(END.year - 3, END.year + 3)
PATHS = ("/api/v1/trends", "/api/v1/checks", "/api/v1/benchmarks")
PARAMETERS = ("organisation", "from", "to", "grain", "unit", "category", "period", "year")
ORG = demo_org()
SLOW_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
           HealthCheck.data_too_large]

_garbage = st.text(max_size=12) | st.sampled_from(
    ["", " ", "²", "²⁰²⁵", "٢٠٢٦", "２０２６", "-1", "0", "99999", "1e3", "null", "[]", "%00",
     "\x00", "2025\n", "\u2028"])
_months = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(1899, 10000),
                    st.integers(0, 13)) | st.builds(
    lambda y, m: f"{y:04d}-{m:02d}", st.sampled_from(YEARS), st.integers(1, 12)) | _garbage
_organisations = st.sampled_from([o.code for o in ORG.organisations] + ["RIJK", "NIEUW"]) \
    | _garbage
_units = st.sampled_from([u.code for u in ORG.units]) | _garbage
_categories = st.sampled_from(["pesten", "discriminatie", "integriteit", "geen"]) | _garbage
_periods = st.builds(lambda y, h: f"{y}{h}", st.sampled_from(YEARS),
                     st.sampled_from(["", "-H1", "-H2", "-H3", "-Q1", "\n"])) | _garbage
_years = st.sampled_from([str(y) for y in YEARS]) | _garbage
_parameters = st.fixed_dictionaries({}, optional={
    "organisation": _organisations, "from": _months, "to": _months,
    "grain": st.sampled_from(["month", "quarter", "year", "week"]) | _garbage,
    "unit": _units, "category": _categories, "period": _periods, "year": _years})
# Mostly well-formed, so that most calls get past validation into the figures.
_month_near = st.builds(lambda y, m: str(Month(y, m)), st.sampled_from(YEARS), st.integers(1, 12))
_plausible = st.fixed_dictionaries(
    {"organisation": st.sampled_from([o.code for o in ORG.organisations])},
    optional={"from": _month_near, "to": _month_near,
              "grain": st.sampled_from(["month", "quarter", "year"]),
              "unit": st.sampled_from([u.code for u in ORG.units]),
              "category": st.sampled_from(["pesten", "discriminatie", "werkdruk", "overig"]),
              "period": st.builds(lambda y, h: f"{y}{h}", st.sampled_from(YEARS),
                                  st.sampled_from(["", "-H1", "-H2"])),
              "year": st.sampled_from([str(y) for y in YEARS])})
_any_parameters = _parameters | _plausible


@pytest.fixture
def settings_overrides(settings_overrides):  # type: ignore[no-untyped-def]
    # Hundreds of calls with one token within a minute: the per-token limit is tested apart.
    return {**settings_overrides, "api_rate_limit": "1000000 per minute"}


@pytest.fixture
def plan(services) -> dict[int, PlanYear]:  # type: ignore[no-untyped-def]
    services.replace_org(ORG)
    records, _hotspots = demo_signals(ORG, months=23, end=END)
    services.signals.store_many(records, receipts=False)
    services.plans.publish_due()
    return {year: py for year in data.plan_years(services)
            if (py := data.plan_year(services, year)) is not None}


@pytest.fixture
def tokens(make_token) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    return {"gor": make_token(Role.CENTRAL_WORKS_COUNCIL, None),
            "officer": make_token(Role.PREVENTION_OFFICER, "BB")}


@pytest.fixture
def chosen(monkeypatch) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The plan the API reads, set per example (``None``: the published plan itself)."""
    holder: dict[str, Any] = {"plan": None}
    real = analytics_api._plan
    monkeypatch.setattr(analytics_api, "_plan",
                        lambda: real() if holder["plan"] is None else holder["plan"])
    yield holder


def ask(client, path: str, parameters: dict[str, str], headers: dict[str, str]):  # type: ignore[no-untyped-def]
    response = client.get(path, query_string=parameters, headers=headers)
    assert response.status_code < 500, (path, parameters, response.get_data(as_text=True))
    body = response.get_json()
    assert isinstance(body, dict), (path, parameters)
    if response.status_code >= 400:
        assert response.status_code in (403, 422), (path, parameters, body)
        fields = [error["field"] for error in body["errors"]]
        assert fields and all(error["message"] for error in body["errors"])
        if response.status_code == 422:
            assert set(fields) <= set(PARAMETERS), (path, parameters, fields)
    return response.status_code, body


def published_months(plan: dict[int, PlanYear], organisation: str) -> list[Month]:
    return sorted(m for py in analytics_api.readable_plan(plan, organisation).values()
                  for m, _e in py.monthly(organisation))


def check_window(path: str, parameters: dict[str, str], status: int, body: dict[str, Any],
                 plan: dict[int, PlanYear]) -> None:
    """A range is answered only within the organisation's published months."""
    if path != "/api/v1/trends" or status != 200:
        return
    months = published_months(plan, body["organisation"])
    start, end = Month.parse(body["from"]), Month.parse(body["to"])
    if months:
        assert months[0] <= start <= end <= months[-1], (parameters, months[0], months[-1])
    assert end.index - start.index < analytics_api.MAX_TREND_MONTHS
    assert {p["period"][:4] for p in body["series"]} <= {str(y) for y in
                                                         range(start.year, end.year + 1)}


@settings(max_examples=150, deadline=None, suppress_health_check=SLOW_OK)
@given(path=st.sampled_from(PATHS), parameters=_any_parameters, who=st.sampled_from(["gor", "officer"]))
@example(path="/api/v1/benchmarks", parameters={"organisation": "BB", "year": "²⁰²⁶"}, who="gor")
@example(path="/api/v1/benchmarks", parameters={"organisation": "BB", "year": "²"}, who="gor")
@example(path="/api/v1/trends", parameters={"organisation": "BB", "from": "1900-01",
                                            "to": "9999-12"}, who="gor")
@example(path="/api/v1/checks", parameters={"organisation": "BB", "to": "2001-01"}, who="gor")
def test_any_parameters_on_the_published_plan(client, plan, tokens, chosen, path, parameters,
                                              who):
    status, body = ask(client, path, parameters, tokens[who])
    check_window(path, parameters, status, body, plan)


def _subset(plan: dict[int, PlanYear], keep: list[bool], org: OrgStructure,
            ) -> dict[int, PlanYear]:
    releases = [(year, r) for year, py in sorted(plan.items()) for r in py.releases]
    kept: dict[int, list[Any]] = {}
    for (year, release), wanted in zip(releases, keep * len(releases), strict=False):
        if wanted:
            kept.setdefault(year, []).append(release)
    return {year: PlanYear(year, org, tuple(parts)) for year, parts in kept.items()}


@settings(max_examples=100, deadline=None, suppress_health_check=SLOW_OK)
@given(keep=st.lists(st.booleans(), min_size=1, max_size=80), path=st.sampled_from(PATHS),
       parameters=_any_parameters, data=st.data())
def test_any_published_month_set_and_window(client, services, plan, tokens, chosen, keep, path,
                                           parameters, data):
    chosen["plan"] = subset = _subset(plan, keep, services.org())
    months = sorted(Month.parse(r.period) for py in subset.values() for r in py.releases
                    if r.part is Part.MONTH)
    if months and data.draw(st.booleans(), label="window near the published months"):
        # From a little before the first published month to a little after the last.
        parameters = {**parameters, "organisation": data.draw(st.sampled_from(["BB", "ZW"])),
                      "from": str(months[0].add(data.draw(st.integers(-2, 14)))),
                      "to": str(months[-1].add(data.draw(st.integers(-14, 2))))}
    status, body = ask(client, path, parameters, tokens["gor"])
    event(f"{path} {status}")
    check_window(path, parameters, status, body, subset)


def _changed_structure(org: OrgStructure) -> OrgStructure:
    """One DG gone (its subtree with it) and a new organisation, after publication."""
    gone = set(org.subtree("BB-DG2"))  # a DG row of the year tables
    units = [u for u in org.units if u.code not in gone]
    units.append(OrgUnit("NIEUW", "Nieuw ministerie", None, "NIEUW", 900))
    return OrgStructure(tuple(units))


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW_OK)
@given(path=st.sampled_from(PATHS), parameters=_any_parameters)
@example(path="/api/v1/trends", parameters={"organisation": "NIEUW", "from": str(END),
                                            "to": str(END)})
@example(path="/api/v1/benchmarks", parameters={"organisation": "NIEUW",
                                                "year": str(END.year - 1)})
@example(path="/api/v1/benchmarks", parameters={"organisation": "BB", "year": str(END.year - 1)})
def test_any_parameters_after_the_structure_changed(client, services, plan, tokens, chosen,
                                                    monkeypatch, path, parameters):
    changed = _changed_structure(services.org())
    monkeypatch.setattr(services, "org", lambda: changed)
    chosen["plan"] = {year: PlanYear(year, changed, py.releases) for year, py in plan.items()}
    ask(client, path, parameters, tokens["gor"])


def test_a_window_outside_the_published_months_says_which_there_are(client, plan, tokens):
    months = published_months(plan, "BB")
    first, last = months[0], months[-1]
    for window, field in (({"from": str(first.add(-1)), "to": str(last)}, "from"),
                          ({"from": str(first), "to": str(last.add(1))}, "to")):
        status, body = ask(client, "/api/v1/trends", {"organisation": "BB", **window},
                           tokens["gor"])
        assert status == 422 and [e["field"] for e in body["errors"]] == [field]
        assert f"{first} tot en met {last}" in body["errors"][0]["message"]
    status, body = ask(client, "/api/v1/trends", {"organisation": "BB", "from": str(first),
                                                  "to": str(last)}, tokens["gor"])
    assert status == 200 and body["published_months"] == [str(m) for m in months]
    status, body = ask(client, "/api/v1/trends", {"organisation": "BB", "from": "2001-01",
                                                  "to": "2020-12"}, tokens["gor"])
    assert status == 422 and body["errors"][0]["field"] == "to"
    assert str(analytics_api.MAX_TREND_MONTHS) in body["errors"][0]["message"]


def test_a_year_or_period_without_figures_says_which_there_are(client, plan, tokens):
    status, body = ask(client, "/api/v1/benchmarks", {"organisation": "BB", "year": "2001"},
                       tokens["gor"])
    assert status == 422 and body["errors"][0]["field"] == "year"
    assert all(str(year) in body["errors"][0]["message"] for year in plan)
    status, body = ask(client, "/api/v1/benchmarks", {"organisation": "BB", "year": "²⁰²⁶"},
                       tokens["gor"])
    assert status == 422 and body["errors"][0]["field"] == "year"
    status, body = ask(client, "/api/v1/checks", {"organisation": "BB", "period": "2001-H1"},
                       tokens["gor"])
    assert status == 422 and body["errors"][0]["field"] == "period"
    assert str(END.year - 1) in body["errors"][0]["message"]


def test_an_organisation_added_after_publication_gets_a_note_not_a_500(
        client, services, plan, tokens, chosen, monkeypatch):
    changed = _changed_structure(services.org())
    monkeypatch.setattr(services, "org", lambda: changed)
    chosen["plan"] = {year: PlanYear(year, changed, py.releases) for year, py in plan.items()}
    window = {"organisation": "NIEUW", "from": str(END), "to": str(END)}
    status, body = ask(client, "/api/v1/trends", window, tokens["gor"])
    assert status == 200 and body["series"] == [] and "gepubliceerd" in body["note_nl"]
    for organisation in ("NIEUW", "BB"):
        status, body = ask(client, "/api/v1/benchmarks",
                           {"organisation": organisation, "year": str(END.year - 1)},
                           tokens["gor"])
        assert status == 200 and body["internal"] is None
        assert "indeling" in body["note_nl"]
