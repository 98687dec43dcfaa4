"""The organisation upload on /beheer/organisatie answers a user's mistake on the page, never 500."""

from __future__ import annotations

from tests.conftest import FIXTURES
from tests.dashboards.test_admin_access import admin_csrf
from tests.dashboards.test_admin_org import _confirm, _upload

GOOD = (FIXTURES / "org-small.csv").read_text()


def test_a_superscript_headcount_is_a_dutch_error_naming_the_line(client, login, csrf_from,
                                                                  services):
    _, token = admin_csrf(client, login, csrf_from)
    before = services.organisations.structure()
    for headcount in ("²", "٣", "12345678901"):
        response = _upload(client, token, (GOOD + f"MIN-B-D3,Directie Nieuw,MIN-B,MIN-B,"
                                                  f"{headcount}\n").encode())
        assert response.status_code == 422, headcount
        html = response.get_data(as_text=True)
        assert "Regel 11: headcount moet een positief geheel getal zijn." in html, headcount
    assert services.organisations.structure() == before


def test_unreadable_csv_is_a_dutch_error_naming_the_line(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    huge_field = GOOD + "MIN-B-D3," + "x" * 200_000 + ",MIN-B,MIN-B,60\n"
    response = _upload(client, token, huge_field.encode())
    assert response.status_code == 422
    assert "Regel 11: deze regel is geen geldige CSV" in response.get_data(as_text=True)
    old_mac = GOOD.replace("\n", "\r") + "MIN-B-D3,Directie Nieuw,MIN-B,MIN-B,60\r"
    accepted = _confirm(client, token, _upload(client, token, old_mac.encode()).get_data(
        as_text=True))
    assert accepted.status_code == 200 and "MIN-B-D3" in services.org()
