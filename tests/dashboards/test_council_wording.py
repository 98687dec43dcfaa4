"""Words towards the works council: its share is agreed with the council (instemmingsrecht,
WOR art. 27) and its right to information (WOR art. 31) is not capped by a budget; nobody
tells it to ask the functioneel beheerder for more. The margin is described with its size."""

from __future__ import annotations

import re
from fractions import Fraction

from registry.accounts import Role
from tests.dashboards.test_council_requests import MONTH, form, post
from tests.dashboards.test_prevention_pages import ORG, officer, period, published  # noqa: F401


def _council_words(html: str) -> None:
    assert "WOR artikel 27" in html and "WOR artikel 31" in html
    assert "afspraak met uw raad" in html
    assert "functioneel beheerder" not in html


def test_the_requests_page_says_the_share_is_agreed_with_the_council(client, login, services):
    login(Role.WORKS_COUNCIL, "MIN-A")
    services.ledger.set_budget("or:MIN-A", MONTH.year, Fraction(0))
    html = client.get("/raad/aanvragen").get_data(as_text=True)
    _council_words(html)
    assert "bespreek het met de bestuurder" in html


def test_a_refused_request_points_to_the_agreement_not_to_an_administrator(
        client, login, services, csrf_from):
    login(Role.WORKS_COUNCIL, "MIN-A")
    services.ledger.set_budget("or:MIN-A", MONTH.year, Fraction("0.04"))
    preview = post(client, csrf_from, "/raad/aanvragen/voorbeeld", form(epsilon="0.3"))
    html = preview.get_data(as_text=True)
    assert "functioneel beheerder" not in html and "met uw raad afgesproken" in html
    refused = post(client, csrf_from, "/raad/aanvragen/bevestigen", form(epsilon="0.3"))
    assert refused.status_code == 403
    _council_words(refused.get_data(as_text=True))


def test_the_margin_is_described_with_its_size(client, officer):  # noqa: F811
    html = client.get("/dashboard/" + period()).get_data(as_text=True)
    assert "kleine willekeurige afwijking" not in html
    size = re.search(r"de marge ongeveer plus of min (\d+) zaken", html)
    assert size is not None and int(size.group(1)) >= 1


def test_the_follow_up_view_leaves_out_the_meldknop_code(client, officer):  # noqa: F811
    html = client.get("/dashboard/opvolging" + period()).get_data(as_text=True)
    assert "Zelfmelding, geen opvolging bekend" not in html
    assert ORG
