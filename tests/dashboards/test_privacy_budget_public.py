"""The public privacy budget: ``GET /api/v1/privacy-budget`` and the page ``/privacy/budget``,
for anyone without signing in, with the cap, the shares, what is spent and the cap log."""

import re
from fractions import Fraction

import pytest

from privacy.accounting import Cap, epsilon_at
from privacy.plan import PLAN_TABLES
from registry.periods import Month

THIS_YEAR = Month.current().year
CAP_JSON = {"epsilon": "4", "delta": "1e-06", "rho": "0.311064"}


@pytest.fixture
def settings_overrides(settings_overrides):  # type: ignore[no-untyped-def]
    # The configured default cap, epsilon 4 at delta 1e-6 (conftest raises it for other tests).
    return {**settings_overrides, "privacy_cap_epsilon": "4"}


@pytest.fixture
def spent(services):
    """Shares for the plan and a research project; both spend something this year."""
    ledger = services.ledger
    ledger.set_budget("plan", THIS_YEAR, "0.226")
    ledger.set_budget("research:werkdruk-2026", THIS_YEAR, "0.05")
    releases = services.releases
    releases.release("research:werkdruk-2026", "research:werkdruk-2026", THIS_YEAR, "vraag-1",
                     "0.01", lambda: {"estimate": 1})
    releases.release("plan", "plan-test", THIS_YEAR, "tabel-1", "0.1", lambda: {"estimate": 2})
    return ledger


def test_the_budget_is_public_and_shows_the_configured_cap_of_this_year(client):
    response = client.get("/api/v1/privacy-budget")
    assert response.status_code == 200
    body = response.get_json()
    assert body["unit"] == "rho (zCDP)"
    policy = body["cap_policy"]
    assert {k: policy[k] for k in ("epsilon", "delta", "rho", "default_share")} == {
        **CAP_JSON, "default_share": "0"}
    assert policy["plan"] == {"consumer": "plan", "rho": "0.226"}
    assert body["years"] == [{
        "year": THIS_YEAR, "cap": CAP_JSON, "allocated": {"rho": "0"},
        "spent": {"rho": "0", "epsilon": 0.0}, "allocations": [], "cap_changes": []}]
    assert response.headers["Cache-Control"] == "no-store"


def test_the_budget_shows_shares_and_spending_after_a_release(client, spent):
    body = client.get("/api/v1/privacy-budget").get_json()
    (year,) = body["years"]
    assert year["year"] == THIS_YEAR
    assert year["cap"] == CAP_JSON
    assert year["allocated"] == {"rho": "0.276"}
    assert year["spent"] == {"rho": "0.11", "epsilon": round(epsilon_at(Fraction("0.11")), 4)}
    assert year["allocations"] == [
        {"consumer": "plan", "rho": "0.226", "spent": "0.1",
         "epsilon": round(epsilon_at(Fraction("0.226")), 4)},
        {"consumer": "research:werkdruk-2026", "rho": "0.05", "spent": "0.01",
         "epsilon": round(epsilon_at(Fraction("0.05")), 4)},
    ]


def test_every_year_on_record_is_listed_with_its_cap_log(client, services, spent):
    ledger = services.ledger
    ledger.set_cap(THIS_YEAR - 1, Cap.of(3), "Lager plafond na advies van de FG")
    body = client.get("/api/v1/privacy-budget").get_json()
    assert [y["year"] for y in body["years"]] == [THIS_YEAR - 1, THIS_YEAR]
    last_year = body["years"][0]
    assert last_year["cap"] == {"epsilon": "3", "delta": "1e-06", "rho": "0.185069"}
    assert [(c["previous_epsilon"], c["epsilon"], c["reason"]) for c in last_year["cap_changes"]] == [
        ("4", "3", "Lager plafond na advies van de FG")]
    assert body["years"][1]["cap_changes"] == []


def test_the_page_explains_the_budget_in_dutch_without_signing_in(client, services, spent):
    services.ledger.set_cap(THIS_YEAR, Cap.of(5), "Besluit van de stuurgroep privacy")
    response = client.get("/privacy/budget")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="nl">' in html
    for text in (
        "Privacybudget: wat er wordt gedeeld en wat het kost",
        f"Gegevensjaar {THIS_YEAR}",
        "epsilon 4 bij delta 0,000001",  # the configured cap, in the explanation
        "epsilon 5 bij delta 0,000001 (rho 0,463064)",  # this year's raised cap
        "Releaseplan: de standaardcijfers voor iedereen",
        "Onderzoeksproject werkdruk-2026",
        "<td class=\"num\">0,226</td><td class=\"num\">0,1</td><td class=\"num\">0,126</td>",
        "<td class=\"num\">0,05</td><td class=\"num\">0,01</td><td class=\"num\">0,04</td>",
        "rho 0,11; nog te besteden: rho 0,353064",
        "Besluit van de stuurgroep privacy",
        "Vragen van onderzoeksprojecten.",
        "elke maand",
        "/api/v1/privacy-budget",
    ):
        assert text in html, text
    loss = re.search(r"epsilon (\d+,\d+) bij delta 0,000001\. Het meeste dat het kan worden, is "
                     r"epsilon 5\.", html)
    assert loss, "this year's loss so far"
    assert float(loss.group(1).replace(",", ".")) == pytest.approx(
        epsilon_at(Fraction("0.11")), abs=0.005)
    # One row per planned table, with its cost and margin.
    assert html.count("plus of min") == len(PLAN_TABLES)
    assert "Inloggen" in html  # nobody is signed in


def test_a_year_without_shares_says_so(client):
    html = client.get("/privacy/budget").get_data(as_text=True)
    assert f"Voor {THIS_YEAR} zijn nog geen aandelen toegekend en is nog niets besteed." in html
    assert f"Het plafond van {THIS_YEAR} is niet gewijzigd." in html


def test_home_page_and_footer_link_to_the_budget(client):
    html = client.get("/").get_data(as_text=True)
    assert html.count('href="/privacy/budget"') == 2
    meldknop = client.get("/meldknop").get_data(as_text=True)
    assert 'href="/privacy/budget"' in meldknop


def test_the_page_is_english_after_switching(client, csrf_from, spent):
    token = csrf_from(client.get("/privacy/budget").get_data(as_text=True))
    assert client.post("/taal/en", data={"csrf_token": token,
                                         "next": "/privacy/budget"}).status_code == 302
    html = client.get("/privacy/budget").get_data(as_text=True)
    assert 'lang="en"' in html
    for text in ("Privacy budget: what is shared and what it costs", f"Data year {THIS_YEAR}",
                 "epsilon 4 at delta 0.000001 (rho 0.311064)", "Research project werkdruk-2026",
                 "Release plan: the standard figures for everyone", "plus or minus 9.8"):
        assert text in html, text
    for dutch in ("Gegevensjaar", "Wat wordt gedeeld", "plus of min", "0,311064"):
        assert dutch not in html, dutch
