"""Privacy budgets on the admin pages: every consumer with budget, spent, remaining; set exactly."""

from __future__ import annotations

from fractions import Fraction

from registry.accounts import Role
from registry.periods import Month
from tests.dashboards.test_admin_access import admin_csrf

YEAR = Month.current().year


def _spend(services, consumer: str, epsilon: str, year: int = YEAR) -> None:  # type: ignore[no-untyped-def]
    with services.ledger.locked(consumer, year) as session:
        services.ledger.spend(session, consumer, year, epsilon, release_id=f"r-{consumer}-{epsilon}")


def _row(html: str, key: str) -> str:
    return html.split(f"<code>{key}</code>", 1)[1].split("</tr>", 1)[0]


def test_every_consumer_is_listed_with_budget_spent_and_remaining(client, login, make_user, services):
    login(Role.ADMIN, None)
    make_user(Role.RESEARCHER, None, username="project-x")
    _spend(services, "or:MIN-A", "1/3")
    _spend(services, "researcher:oud-project", "0.5")
    html = client.get(f"/beheer/budgetten?jaar={YEAR}").get_data(as_text=True)
    for key in ("publication:MIN-A", "or:MIN-A", "preventie:MIN-A", "publication:MIN-B", "or:MIN-B",
                "preventie:MIN-B", "gor", "researcher:project-x", "researcher:oud-project"):
        assert f"<code>{key}</code>" in html, key
    assert [cell.split("<")[0] for cell in _row(html, "or:MIN-A").split('class="num">')[1:]] == \
        ["10", "1/3", "29/3"]
    assert "Ondernemingsraad van Ministerie van Voorbeeldzaken (MIN-A)" in html
    assert "Onderzoeker project-x" in html


def test_setting_a_budget_is_exact_and_confirmed(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    _spend(services, "gor", "0.1")
    response = client.post("/beheer/budgetten", data={"csrf_token": token, "consumer": "gor",
                                                      "year": str(YEAR), "epsilon": "2,5"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert (f"Budget van Groepsondernemingsraad Rijk (GOR) voor {YEAR} is nu 2.5; besteed 0.1, "
            "resterend 2.4.") in html
    status = services.ledger.status("gor", YEAR)
    assert (status.total, status.remaining) == (Fraction(5, 2), Fraction(12, 5))
    client.post("/beheer/budgetten", data={"csrf_token": token, "consumer": "gor",
                                           "year": str(YEAR + 1), "epsilon": "1/3"})
    assert services.ledger.status("gor", YEAR + 1).total == Fraction(1, 3)


def test_a_budget_below_what_is_spent_is_refused_with_a_clear_message(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    _spend(services, "publication:MIN-A", "0.8")
    response = client.post("/beheer/budgetten", data={"csrf_token": token, "consumer": "publication:MIN-A",
                                                      "year": str(YEAR), "epsilon": "0.7"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"Het budget kan niet lager zijn dan wat in {YEAR} al is besteed (0.8)." in html
    assert 'aria-describedby="epsilon-hint epsilon-error"' in html
    assert services.ledger.status("publication:MIN-A", YEAR).total == Fraction(10)


def test_bad_budget_input_is_refused_per_field_and_nothing_is_stored(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    cases = [
        ({"consumer": "gor", "year": str(YEAR), "epsilon": "1e9"}, "epsilon", "geen geldig getal"),
        ({"consumer": "gor", "year": str(YEAR), "epsilon": "-1"}, "epsilon", "niet negatief"),
        ({"consumer": "gor", "year": str(YEAR), "epsilon": ""}, "epsilon", "Vul een budget in"),
        ({"consumer": "gor", "year": "twintig", "epsilon": "1"}, "year", "Vul een jaar in tussen"),
        ({"consumer": "or:GEEN", "year": str(YEAR), "epsilon": "1"}, "consumer", "Kies een afnemer uit"),
    ]
    for data, field, message in cases:
        response = client.post("/beheer/budgetten", data={"csrf_token": token, **data})
        assert response.status_code == 422, data
        html = response.get_data(as_text=True)
        assert f'id="{field}-error"' in html and message in html, (data, field)
    assert services.ledger.recorded_consumers(YEAR) == []


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
