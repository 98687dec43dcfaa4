"""The analytics API: published figures only, scoped by role and organisation, free to read."""

from __future__ import annotations

from fractions import Fraction

import pytest

from dashboards.analytics_api import bp
from privacy.publication import PublicationService
from registry.accounts import Role
from registry.periods import Month
from tests.privacy.test_publication import seed

MONTH = Month.current().add(-1)
EARLIER = MONTH.add(-1)


@pytest.fixture
def app(app):  # type: ignore[no-untyped-def]
    if "analytics_api" not in app.blueprints:  # until the lead registers it in server.views
        app.register_blueprint(bp)
    return app


@pytest.fixture
def published(services):  # type: ignore[no-untyped-def]
    seed(services, EARLIER, n=10)
    seed(services, MONTH, n=10)
    service = PublicationService(services.queries, services.releases, services.org(),
                                 services.taxonomy)
    return {m: service.publish("MIN-A", m) for m in (EARLIER, MONTH)}


def trends_url(organisation: str = "MIN-A", **extra: str) -> str:
    params = {"organisation": organisation, "from": str(EARLIER), "to": str(MONTH), **extra}
    return "/api/v1/trends?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_trends_come_from_the_publications_with_intervals(client, make_token, published,
                                                          services):
    spent = services.ledger.status("publication:MIN-A", MONTH.year).spent
    headers = make_token(Role.PREVENTION_OFFICER, "MIN-A")
    body = client.get(trends_url(), headers=headers).get_json()
    assert body["release_ids"] == [published[EARLIER].id, published[MONTH].id]
    assert [p["period"] for p in body["series"]] == [str(EARLIER), str(MONTH)]
    total = published[MONTH].result["tables"]["contacts_total"]
    point = body["series"][1]
    assert point["count"]["estimate"] == total["cells"][0]["estimate"]
    assert point["count"]["lower"] < point["count"]["estimate"] < point["count"]["upper"]
    assert body["note_nl"] is None
    unit = client.get(trends_url(unit="MIN-A-DG1-D1", category="pesten", grain="quarter"),
                      headers=headers)
    assert unit.status_code == 200 and unit.get_json()["series"]
    # reading spends nothing
    assert services.ledger.status("publication:MIN-A", MONTH.year).spent == spent
    assert services.ledger.status("preventie:MIN-A", MONTH.year).spent == Fraction(0)


@pytest.mark.parametrize(("role", "organisation", "asked", "status"), [
    (Role.PREVENTION_OFFICER, "MIN-A", "MIN-A", 200),
    (Role.WORKS_COUNCIL, "MIN-A", "MIN-A", 200),
    (Role.CENTRAL_WORKS_COUNCIL, None, "MIN-A", 200),
    (Role.CENTRAL_WORKS_COUNCIL, None, "MIN-B", 200),
    (Role.PREVENTION_OFFICER, "MIN-B", "MIN-A", 403),
    (Role.WORKS_COUNCIL, "MIN-B", "MIN-A", 403),
    (Role.RESEARCHER, None, "MIN-A", 403),
    (Role.ADVISER, "MIN-A", "MIN-A", 403),
    (Role.ADMIN, None, "MIN-A", 403),
])
def test_role_matrix_and_organisation_scope(client, make_token, published, role, organisation,
                                            asked, status):
    headers = make_token(role, organisation)
    for url in (trends_url(asked), f"/api/v1/checks?organisation={asked}",
                f"/api/v1/benchmarks?organisation={asked}&year={MONTH.year}"):
        response = client.get(url, headers=headers)
        assert response.status_code == status, (url, response.get_json())


def test_no_login_is_401_and_a_session_works(client, login, published):
    assert client.get(trends_url()).status_code == 401
    login(Role.WORKS_COUNCIL, "MIN-A")
    assert client.get(trends_url()).status_code == 200


@pytest.mark.parametrize(("url", "field"), [
    (trends_url(**{"from": "2025-13"}), "from"),
    ("/api/v1/trends?organisation=MIN-A&from=2025-01", "to"),
    (trends_url(grain="week"), "grain"),
    (trends_url(unit="MIN-B-D1"), "unit"),
    (trends_url(unit="MIN-A-DG1-D2-T1"), "unit"),
    (trends_url(category="geen"), "category"),
    (trends_url("MIN-X"), "organisation"),
    (f"/api/v1/trends?organisation=MIN-A&from={MONTH}&to={EARLIER}", "from"),
    ("/api/v1/checks?organisation=MIN-A&to=gisteren", "to"),
    ("/api/v1/benchmarks?organisation=MIN-A&year=twintig", "year"),
])
def test_bad_parameters_are_422_naming_the_field(client, make_token, url, field):
    headers = make_token(Role.CENTRAL_WORKS_COUNCIL, None)
    response = client.get(url, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert [e["field"] for e in response.get_json()["errors"]] == [field]


def test_nothing_published_is_200_with_a_dutch_note(client, make_token):
    headers = make_token(Role.PREVENTION_OFFICER, "MIN-A")
    for url in (trends_url(), "/api/v1/checks?organisation=MIN-A",
                f"/api/v1/benchmarks?organisation=MIN-A&year={MONTH.year}"):
        body = client.get(url, headers=headers).get_json()
        assert "gepubliceerd" in body["note_nl"] and body["release_ids"] == []


def test_checks_and_benchmarks_answer_from_the_publications(client, make_token, published):
    headers = make_token(Role.WORKS_COUNCIL, "MIN-A")
    checks = client.get("/api/v1/checks?organisation=MIN-A", headers=headers).get_json()
    assert checks["to"] == str(MONTH) and checks["window"] == [str(EARLIER), str(MONTH)]
    for item in checks["checks"]:
        assert item["kinds"] and item["explanation_nl"] and item["evidence"]
    bench = client.get(f"/api/v1/benchmarks?organisation=MIN-A&year={MONTH.year}",
                       headers=headers).get_json()
    if EARLIER.year == MONTH.year:
        assert bench["release_ids"] == [published[EARLIER].id, published[MONTH].id]
    assert bench["internal"]["points"] and bench["external"]
