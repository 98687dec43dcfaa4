"""The works councils' portal: who sees which organisation, and the Rijk totals of the GOR."""

from __future__ import annotations

import re

import pytest

from analytics.report import to_published_month
from privacy.publication import PublicationService
from registry.accounts import Role
from registry.periods import Month
from tests.privacy.test_publication import seed

MONTH = Month.current().add(-1)


def publish(services, organisations=("MIN-A", "MIN-B"), month: Month = MONTH):  # type: ignore[no-untyped-def]
    """Seed a few signals and publish the month for each organisation."""
    seed(services, month, n=4)
    service = PublicationService(services.queries, services.releases, services.org(),
                                 services.taxonomy)
    return {code: service.publish(code, month) for code in organisations}


def cell(html: str, table_id: str, code: str, column: str = "estimate") -> str:
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    row = table.split(f'data-code="{code}"', 1)[1].split("</tr>", 1)[0]
    match = re.search(rf'data-col="{column}">([^<]*)<', row)
    assert match, (table_id, code, column)
    return match.group(1).strip()


def test_works_council_sees_its_own_organisation_with_intervals(client, login, services):
    releases = publish(services)
    login(Role.WORKS_COUNCIL, "MIN-A")
    overview = client.get("/raad/")
    assert overview.status_code == 200
    body = overview.get_data(as_text=True)
    assert "MIN-A" in body and "MIN-B" not in body
    page = client.get(f"/raad/organisatie/MIN-A/{MONTH}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    published = to_published_month(releases["MIN-A"])
    expected = published.table("contacts_total").estimate()
    assert cell(html, "contacts_total", "totaal") == str(expected)
    assert "tot" in cell(html, "contacts_total", "totaal", "interval")
    assert "Wat betekent de marge?" in html
    assert "<caption id=" in html and 'scope="col"' in html and 'scope="row"' in html


def test_works_council_is_refused_another_organisation(client, login, services):
    publish(services)
    login(Role.WORKS_COUNCIL, "MIN-A")
    for url in ("/raad/organisatie/MIN-B", f"/raad/organisatie/MIN-B/{MONTH}",
                f"/raad/organisatie/MIN-B/{MONTH}/csv", "/raad/organisatie/MIN-B/jaarverslag/"
                f"{MONTH.year}/html", "/raad/rijk"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Geen toegang" in response.get_data(as_text=True) or "alleen" in \
            response.get_data(as_text=True)


def test_central_council_sees_every_organisation(client, login, services):
    publish(services)
    login(Role.CENTRAL_WORKS_COUNCIL, None)
    overview = client.get("/raad/").get_data(as_text=True)
    assert "MIN-A" in overview and "MIN-B" in overview
    for code in ("MIN-A", "MIN-B"):
        assert client.get(f"/raad/organisatie/{code}/{MONTH}").status_code == 200


def test_rijk_totals_equal_the_sum_of_published_estimates(client, login, services):
    releases = publish(services)
    login(Role.CENTRAL_WORKS_COUNCIL, None)
    response = client.get(f"/raad/rijk?from={MONTH}&to={MONTH}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    months = [to_published_month(r) for r in releases.values()]
    total = sum(m.table("contacts_total").estimate() for m in months)
    assert cell(html, "rijk-contacts_total", "totaal") == str(total)
    pesten = sum(v for m in months
                 for k, v in m.table("contacts_unit_category").estimates.items()
                 if k[1] == "pesten")
    assert cell(html, "rijk-contacts_unit_category", "pesten") == str(pesten)
    # The interval of the Rijk total combines both organisations' noise: variances add.
    variance = sum(m.table("contacts_total").noise_variance for m in months)
    lower, upper = (int(x) for x in re.findall(
        r"-?\d+", cell(html, "rijk-contacts_total", "totaal", "interval"))[:2])
    assert upper - lower == pytest.approx(2 * 1.96 * variance ** 0.5, abs=2)
    assert "onvolledig" not in html


def test_rijk_totals_name_organisations_that_have_not_published(client, login, services):
    publish(services, organisations=("MIN-A",))
    login(Role.CENTRAL_WORKS_COUNCIL, None)
    html = client.get(f"/raad/rijk?from={MONTH}&to={MONTH}").get_data(as_text=True)
    assert "onvolledig" in html and f"MIN-B {MONTH}" in html


def test_rijk_period_mistakes_get_a_dutch_error(client, login):
    login(Role.CENTRAL_WORKS_COUNCIL, None)
    response = client.get("/raad/rijk?from=2026-13&to=gisteren")
    assert response.status_code == 422
    assert "Vul een maand in" in response.get_data(as_text=True)


def test_nothing_published_says_what_happens_next(client, login):
    login(Role.WORKS_COUNCIL, "MIN-A")
    assert "nog geen maandcijfers gepubliceerd" in client.get("/raad/").get_data(as_text=True)
    assert "nog niets gepubliceerd" in client.get("/raad/organisatie/MIN-A").get_data(
        as_text=True)
    missing = client.get(f"/raad/organisatie/MIN-A/{MONTH}")
    assert missing.status_code == 404
    assert "maandelijkse publicatie" in missing.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.ADVISER, Role.PREVENTION_OFFICER, Role.RESEARCHER,
                                  Role.ADMIN])
def test_other_roles_are_refused(client, login, role):
    login(role, "MIN-A")
    for url in ("/raad/", "/raad/organisatie/MIN-A", "/raad/aanvragen", "/raad/controleren",
                "/raad/aanvragen/nieuw"):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/raad/organisatie/MIN-A")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_organisation_or_month_is_not_found(client, login):
    login(Role.CENTRAL_WORKS_COUNCIL, None)
    assert client.get("/raad/organisatie/NOPE").status_code == 404
    assert client.get("/raad/organisatie/MIN-A/2026-99").status_code == 404
