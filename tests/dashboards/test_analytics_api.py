"""The analytics API: the release plan's figures only, scoped by role and organisation, free."""

from __future__ import annotations

import pytest

from dashboards.analytics_api.api import bp
from dashboards.published import plan_year
from registry.accounts import Role
from registry.periods import Month
from server.demo_data import demo_org, demo_signals

END = Month.current().add(-1)
START = Month(END.year, 1)
ORG, OTHER = "BB", "BFZ"


@pytest.fixture
def app(app):  # type: ignore[no-untyped-def]
    if "analytics_api" not in app.blueprints:  # until the lead registers it in server.views
        app.register_blueprint(bp)
    return app


@pytest.fixture
def published(services):  # type: ignore[no-untyped-def]
    org = demo_org()
    services.replace_org(org)
    records, _hotspots = demo_signals(org, months=23, end=END)
    services.signals.store_many(records, receipts=False)
    return services.plans.publish_due()


def trends_url(organisation: str = ORG, **extra: str) -> str:
    params = {"organisation": organisation, "from": str(START), "to": str(END), **extra}
    return "/api/v1/trends?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_trends_come_from_the_plan_with_intervals(client, make_token, published, services):
    spent = services.ledger.status("plan", END.year).spent
    headers = make_token(Role.PREVENTION_OFFICER, ORG)
    body = client.get(trends_url(), headers=headers).get_json()
    py = plan_year(services, END.year)
    months = py.monthly(ORG)
    assert [p["period"] for p in body["series"]] == [str(m) for m, _e in months]
    assert body["series"][0]["count"]["estimate"] == round(months[0][1].value, 4)
    for point in body["series"]:
        display = point["display"]
        assert display["lower"] >= 0 and display["upper"] >= 0
        assert (display["value"] is None) == display["too_uncertain"]
        # the wording of every page (analytics.reading): "te onzeker: tussen 0 en 12"
        assert display["text_nl"].startswith("te onzeker: tussen 0 en ") == display["too_uncertain"]
        assert " tot " not in display["text_nl"]
    assert body["note_nl"] is None and body["measure"] == "cases"
    quarters = client.get(trends_url(grain="quarter"), headers=headers).get_json()
    assert [p["period"] for p in quarters["series"]][:3] == [f"{END.year}-Q{q}" for q in (1, 2, 3)]
    assert len(quarters["changes"]) == 2
    unit = client.get(trends_url(unit="BB-DG2", category="pesten"), headers=headers)
    assert unit.status_code == 200 and "alleen voor de hele organisatie" in unit.get_json()["note_nl"]
    assert services.ledger.status("plan", END.year).spent == spent  # reading spends nothing


@pytest.mark.parametrize(("role", "organisation", "asked", "status"), [
    (Role.PREVENTION_OFFICER, ORG, ORG, 200),
    (Role.WORKS_COUNCIL, ORG, ORG, 200),
    (Role.CENTRAL_WORKS_COUNCIL, None, ORG, 200),
    (Role.CENTRAL_WORKS_COUNCIL, None, OTHER, 200),
    (Role.PREVENTION_OFFICER, OTHER, ORG, 403),
    (Role.WORKS_COUNCIL, OTHER, ORG, 403),
    (Role.RESEARCHER, None, ORG, 403),
    (Role.ADVISER, ORG, ORG, 403),
    (Role.ADMIN, None, ORG, 403),
])
def test_role_matrix_and_organisation_scope(client, make_token, published, role, organisation,
                                            asked, status):
    headers = make_token(role, organisation)
    for url in (trends_url(asked), f"/api/v1/checks?organisation={asked}",
                f"/api/v1/benchmarks?organisation={asked}&year={END.year - 1}"):
        response = client.get(url, headers=headers)
        assert response.status_code == status, (url, response.get_json())


def test_no_login_is_401_and_a_session_works(client, login):
    assert client.get(trends_url("MIN-A")).status_code == 401
    login(Role.WORKS_COUNCIL, "MIN-A")
    assert client.get(trends_url("MIN-A")).status_code == 200


@pytest.mark.parametrize(("url", "field"), [
    (trends_url("MIN-A", **{"from": "2025-13"}), "from"),
    ("/api/v1/trends?organisation=MIN-A&from=2025-01", "to"),
    (trends_url("MIN-A", grain="week"), "grain"),
    (trends_url("MIN-A", unit="MIN-B-D1"), "unit"),
    (trends_url("MIN-A", unit="MIN-A-DG1-D2-T1"), "unit"),
    (trends_url("MIN-A", category="geen"), "category"),
    (trends_url("MIN-X"), "organisation"),
    (f"/api/v1/trends?organisation=MIN-A&from={END}&to={START.add(-1)}", "from"),
    ("/api/v1/checks?organisation=MIN-A&to=gisteren", "to"),
    ("/api/v1/checks?organisation=MIN-A&period=vorig-jaar", "period"),
    ("/api/v1/benchmarks?organisation=MIN-A&year=twintig", "year"),
])
def test_bad_parameters_are_422_naming_the_field(client, make_token, url, field):
    headers = make_token(Role.CENTRAL_WORKS_COUNCIL, None)
    response = client.get(url, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert [e["field"] for e in response.get_json()["errors"]] == [field]


def test_nothing_published_is_200_with_a_dutch_note(client, make_token):
    headers = make_token(Role.PREVENTION_OFFICER, "MIN-A")
    for url in (trends_url("MIN-A"), "/api/v1/checks?organisation=MIN-A",
                "/api/v1/checks?organisation=MIN-A&to=2001-05",
                f"/api/v1/benchmarks?organisation=MIN-A&year={END.year}"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        body = response.get_json()
        assert "gepubliceerd" in body["note_nl"] and body["release_ids"] == []


def test_checks_answer_the_hotspot_report_and_never_fail(client, make_token, published):
    headers = make_token(Role.CENTRAL_WORKS_COUNCIL, None)
    for organisation in (ORG, OTHER, "ZW"):
        response = client.get(f"/api/v1/checks?organisation={organisation}", headers=headers)
        assert response.status_code == 200
        body = response.get_json()
        assert body["to"] == str(END) and body["period"] == str(END.year - 1)
        assert str(END.year - 1) in body["periods"] and body["release_ids"]
        assert body["error_control"] == "familywise" and body["alpha"] == 0.05
        assert body["too_small"] and body["note_nl"] is None
        for item in body["findings"]:
            evidence = item["evidence"]
            assert evidence["p_value"] <= evidence["level"]
            assert evidence["estimate"] > evidence["expected"]
            assert item["unit_name"] in item["sentence_nl"] or "Rest" in item["unit_name"]
    if 6 <= END.month <= 11:  # the running year's first half is published
        half = client.get(f"/api/v1/checks?organisation={ORG}&period={END.year}-H1",
                          headers=headers).get_json()
        assert half["period"] == f"{END.year}-H1" and half["note_nl"] is None
        assert half["periods"] == [str(END.year - 1), f"{END.year}-H1"]
    # Before the published months: 422 saying which months there are (issue 13).
    early = client.get(f"/api/v1/checks?organisation={ORG}&to=2001-01", headers=headers)
    assert early.status_code == 422
    assert [e["field"] for e in early.get_json()["errors"]] == ["to"]
    assert str(END) in early.get_json()["errors"][0]["message"]
    if END.month < 12:  # the year is running
        running = client.get(f"/api/v1/checks?organisation={ORG}&period={END.year}",
                             headers=headers).get_json()
        assert running["findings"] == [] and "loopt nog" in running["note_nl"]
    missing = client.get(f"/api/v1/checks?organisation={ORG}&period=2001", headers=headers)
    assert missing.status_code == 422
    assert str(END.year - 1) in missing.get_json()["errors"][0]["message"]
    assert client.get(f"/api/v1/checks?organisation={ORG}&period=2025-H3",
                      headers=headers).status_code == 422


def test_benchmarks_answer_from_the_complete_year(client, make_token, published):
    headers = make_token(Role.WORKS_COUNCIL, ORG)
    bench = client.get(f"/api/v1/benchmarks?organisation={ORG}&year={END.year - 1}",
                       headers=headers).get_json()
    assert bench["release_ids"] and bench["internal"]["points"] and bench["external"]
    assert {p["unit"] for p in bench["internal"]["points"]} == {"BB", "BB-DG2"}
    running = client.get(f"/api/v1/benchmarks?organisation={ORG}&year={END.year}",
                         headers=headers).get_json()
    assert running["internal"] is None and "afgesloten jaar" in running["note_nl"]
