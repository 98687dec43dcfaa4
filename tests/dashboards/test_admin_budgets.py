"""Shares of each data year's privacy cap on the admin pages: allocated, spent, remaining."""

from __future__ import annotations

import re
from fractions import Fraction

from registry.accounts import Role
from registry.periods import Month
from tests.dashboards.test_admin_access import admin_csrf

YEAR = Month.current().year


def _give(services, consumer: str, rho: str, year: int = YEAR) -> None:  # type: ignore[no-untyped-def]
    services.ledger.set_budget(consumer, year, rho)


def _spend(services, consumer: str, rho: str, year: int = YEAR) -> None:  # type: ignore[no-untyped-def]
    with services.ledger.locked(year) as session:
        services.ledger.spend(session, consumer, year, rho, release_id=f"r-{consumer}-{rho}")


def _row(html: str, key: str) -> str:
    return html.split(f"<code>{key}</code>", 1)[1].split("</tr>", 1)[0]


def test_every_consumer_is_listed_with_share_spent_and_remaining(client, login, make_user, services):
    login(Role.ADMIN, None)
    make_user(Role.RESEARCHER, None, username="onderzoeker-x", share=None)
    _give(services, "or:MIN-A", "0.01")
    _spend(services, "or:MIN-A", "1/300")
    _give(services, "research:oud-project", "0.002")
    html = client.get(f"/beheer/budgetten?jaar={YEAR}").get_data(as_text=True)
    for key in ("plan", "or:MIN-A", "preventie:MIN-A", "or:MIN-B", "preventie:MIN-B", "gor",
                "research:project-onderzoeker-x", "research:oud-project"):
        assert f"<code>{key}</code>" in html, key
    assert [cell.split("<")[0] for cell in _row(html, "or:MIN-A").split('class="num">')[1:]] == \
        ["0,01", "1/300", "1/150"]  # exact, with the Dutch page's decimal comma
    assert "Ondernemingsraad van Ministerie van Voorbeeldzaken (MIN-A)" in html
    assert "Onderzoeksproject project-onderzoeker-x" in html
    # The cap of the year is stated with the page.
    assert "epsilon 40" in html


def test_giving_a_share_is_exact_and_confirmed(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    _give(services, "gor", "0.1")
    _spend(services, "gor", "0.1")
    response = client.post("/beheer/budgetten", data={"csrf_token": token, "consumer": "gor",
                                                      "year": str(YEAR), "rho": "2,5"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert (f"het aandeel van Groepsondernemingsraad Rijk (GOR) voor {YEAR} wordt rho 2,5 zodra "
            "een tweede beheerder het goedkeurt.") in html
    # A second administrator's approval applies it (tests/dashboards/test_admin_approvals.py).
    outcome = services.approvals.approve(services.approvals.pending()[0].id, "tweede-beheerder")
    assert outcome.result["total"] == Fraction(5, 2)
    status = services.ledger.status("gor", YEAR)
    assert (status.total, status.remaining) == (Fraction(5, 2), Fraction(12, 5))
    client.post("/beheer/budgetten", data={"csrf_token": token, "consumer": "gor",
                                           "year": str(YEAR + 1), "rho": "1/3"})
    assert services.approvals.pending()[0].payload == {"consumer": "gor", "year": YEAR + 1,
                                                       "rho": "1/3"}


def test_a_share_below_what_is_spent_is_refused_with_a_clear_message(client, login, csrf_from,
                                                                     services):
    _, token = admin_csrf(client, login, csrf_from)
    _give(services, "or:MIN-A", "0.8")
    _spend(services, "or:MIN-A", "0.8")
    response = client.post("/beheer/budgetten", data={"csrf_token": token, "consumer": "or:MIN-A",
                                                      "year": str(YEAR), "rho": "0.7"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"Het aandeel kan niet lager zijn dan wat voor {YEAR} al is besteed (rho 0,8)." in html
    assert 'aria-describedby="rho-hint rho-error"' in html
    assert services.ledger.status("or:MIN-A", YEAR).total == Fraction("0.8")


def test_shares_above_the_cap_are_refused(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    cap = services.ledger.cap(YEAR).rho
    response = client.post("/beheer/budgetten", data={"csrf_token": token, "consumer": "gor",
                                                      "year": str(YEAR), "rho": str(cap + 1)})
    assert response.status_code == 422
    assert "laat nog rho" in response.get_data(as_text=True)
    assert services.ledger.status("gor", YEAR).total == 0


def test_bad_share_input_is_refused_per_field_and_nothing_is_stored(client, login, csrf_from,
                                                                    services):
    _, token = admin_csrf(client, login, csrf_from)
    before = services.ledger.year(YEAR)
    cases = [
        ({"consumer": "gor", "year": str(YEAR), "rho": "1e9"}, "rho", "geen geldig getal"),
        ({"consumer": "gor", "year": str(YEAR), "rho": "-1"}, "rho", "niet negatief"),
        ({"consumer": "gor", "year": str(YEAR), "rho": ""}, "rho", "Vul een aandeel in"),
        ({"consumer": "gor", "year": "twintig", "rho": "1"}, "year", "Vul een jaar in tussen"),
        ({"consumer": "or:GEEN", "year": str(YEAR), "rho": "1"}, "consumer", "Kies een afnemer uit"),
    ]
    for data, field, message in cases:
        response = client.post("/beheer/budgetten", data={"csrf_token": token, **data})
        assert response.status_code == 422, data
        html = response.get_data(as_text=True)
        assert f'id="{field}-error"' in html and message in html, (data, field)
    assert services.ledger.year(YEAR) == before


def test_a_bad_year_in_the_address_gets_a_message_not_a_500(client, login):
    login(Role.ADMIN, None)
    for year in ("abc", "²⁰²⁶", "1999", "2" * 5000):
        response = client.get(f"/beheer/budgetten?jaar={year}")
        assert response.status_code == 422, year
        assert "Vul een jaar in tussen 2000 en 9999." in response.get_data(as_text=True)


def test_the_adjust_link_preselects_the_consumer(client, login):
    login(Role.ADMIN, None)
    html = client.get(f"/beheer/budgetten?jaar={YEAR}&afnemer=preventie:MIN-B").get_data(as_text=True)
    assert '<option value="preventie:MIN-B" selected>' in html


def _lead(html: str) -> str:
    return html.split('<p class="lead">', 1)[1].split("</p>", 1)[0]


def test_every_budget_figure_on_the_dutch_page_has_a_decimal_comma(client, login, csrf_from,
                                                                   services):
    _, token = admin_csrf(client, login, csrf_from)
    _give(services, "or:MIN-A", "0.296")
    _spend(services, "or:MIN-A", "0.015")
    html = client.get(f"/beheer/budgetten?jaar={YEAR}").get_data(as_text=True)
    lead = _lead(html)
    cap = services.ledger.cap(YEAR)
    assert f"delta 0,000001 (rho {str(float(cap.rho)).replace('.', ',')})" in lead
    assert "Toegekend: rho 0,296; besteed: rho 0,015." in lead
    assert "1e-06" not in html and not re.search(r"\d\.\d", lead)
    assert [cell.split("<")[0] for cell in _row(html, "or:MIN-A").split('class="num">')[1:]] == \
        ["0,296", "0,015", "0,281"]
    # Over the cap: the ledger's message and the page say the same figures the same way.
    refused = client.post("/beheer/budgetten", data={"csrf_token": token, "consumer": "gor",
                                                     "year": str(YEAR), "rho": str(cap.rho + 1)})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert re.search(r"laat nog rho \d+,\d+ toe te kennen", page)
    assert not re.search(r"\d\.\d", _lead(page))
    confirmed = client.post("/beheer/budgetten", data={"csrf_token": token, "consumer": "gor",
                                                       "year": str(YEAR), "rho": "0,01"},
                            follow_redirects=True).get_data(as_text=True)
    assert f"voor {YEAR} wordt rho 0,01 zodra" in confirmed


def test_the_english_page_writes_budget_figures_with_points(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    _give(services, "or:MIN-A", "0.296")
    client.post("/taal/en", data={"csrf_token": token, "next": "/beheer/budgetten"})
    html = client.get(f"/beheer/budgetten?jaar={YEAR}").get_data(as_text=True)
    assert "0.000001" in _lead(html) and "1e-06" not in html
    assert not re.search(r"\d,\d", _lead(html))
    assert _row(html, "or:MIN-A").split('class="num">')[1].split("<")[0] == "0.296"
