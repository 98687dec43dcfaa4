"""The researchers' workspace names what a question is limited to in words, explains the noise
scale, and gives each mechanism a valid default budget."""

from __future__ import annotations

import html
import re
from fractions import Fraction

import pytest

from dashboards.research.forms import DEFAULT_BUDGETS, SpecForm
from privacy.budgets import BUDGET_LIMITS
from privacy.kinds import BUDGET_FIELD, MECHANISMS
from registry.accounts import Role
from tests.dashboards.test_research_workspace import SPEC, TODAY, figure, post
from tests.privacy.test_publication import seed


@pytest.fixture
def researcher(client, login, services):  # type: ignore[no-untyped-def]
    seed(services, TODAY.add(-1), n=5)
    return login(Role.RESEARCHER, None)


def test_a_filter_is_shown_by_name_and_the_noise_scale_is_explained(client, csrf_from,
                                                                     researcher):
    page = post(client, csrf_from, "/onderzoek/voorbeeld",
                {**SPEC, "filter_organisation": "MIN-A",
                 "filter_category": "pesten"}).get_data(as_text=True)
    facts = page.split('data-facts="filters"', 1)[1].split("</ul>", 1)[0]
    assert "Organisatie: Ministerie van Voorbeeldzaken" in facts
    assert "Pesten" in facts and "pesten" not in facts
    assert "<code>" not in facts and "organisation" not in facts
    assert "Wat is de ruisschaal?" in page and "standaardafwijking" in page


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_each_mechanism_has_a_valid_default_budget(mechanism):
    low, high = BUDGET_LIMITS[BUDGET_FIELD[mechanism]]
    assert low <= Fraction(DEFAULT_BUDGETS[mechanism]) <= high
    form = SpecForm(**{**SpecForm.defaults(TODAY).__dict__, "mechanism": mechanism})
    assert form.spec_json()[BUDGET_FIELD[mechanism]] == DEFAULT_BUDGETS[mechanism]


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_the_default_form_previews_with_either_mechanism(client, csrf_from, researcher,
                                                         mechanism):
    start = client.get("/onderzoek/").get_data(as_text=True)
    assert 'id="budget" name="budget" value=""' in start
    response = post(client, csrf_from, "/onderzoek/voorbeeld",
                    {**SPEC, "mechanism": mechanism, "budget": ""})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert figure(response.get_data(as_text=True), "cost") == "0,005"


# -- budgets: said in rho, for the data years charged, with the page's decimal sign -------------

LAST_YEAR = TODAY.year - 1
LAST_YEARS_SPEC = {**SPEC, "from": f"{LAST_YEAR}-03", "to": f"{LAST_YEAR}-05", "budget": "0,1"}


def _flash(page: str) -> str:
    start = page.index("De vraag is uitgevoerd")
    return html.unescape(page[start:page.index("<", start)])


def _budget_rows(page: str) -> dict[str, list[str]]:
    """The budget box: year -> [share, spent, left] as written on the page."""
    box = page.split('class="budget-table"', 1)[1].split("</table>", 1)[0]
    return {year: re.findall(r'<td class="num">([^<]*)</td>', row)
            for year, row in re.findall(r'<th scope="row">(\d{4})</th>(.*?)</tr>', box, re.S)}


def test_a_run_says_its_cost_in_rho_for_the_data_year_it_was_charged_to(client, csrf_from,
                                                                       services, researcher):
    project = f"research:{researcher.project}"
    services.ledger.set_budget(project, LAST_YEAR, "0.02")
    response = post(client, csrf_from, "/onderzoek/uitvoeren", LAST_YEARS_SPEC)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # Laplace epsilon 0.1 costs rho 0.005, charged to last year's share, of which 0.015 is left.
    assert _flash(page) == (f"De vraag is uitgevoerd. Besteed: rho 0,005 van uw aandeel voor "
                            f"gegevensjaar {LAST_YEAR}; daar is nog rho 0,015 over.")
    assert services.ledger.status(project, LAST_YEAR).spent == Fraction("0.005")
    # The budget box shows the year the question was charged to, not only this calendar year.
    assert _budget_rows(page)[str(LAST_YEAR)] == ["0,02", "0,005", "0,015"]
    assert "Uw privacybudget per gegevensjaar, in rho" in page


def test_a_run_over_two_data_years_names_what_is_left_in_each(client, csrf_from, services,
                                                             researcher):
    project = f"research:{researcher.project}"
    services.ledger.set_budget(project, LAST_YEAR, "0.02")
    services.ledger.set_budget(project, TODAY.year, "0.03")
    spec = {**SPEC, "from": f"{LAST_YEAR}-11", "to": str(TODAY), "grain": "year", "budget": "0,1"}
    response = post(client, csrf_from, "/onderzoek/uitvoeren", spec)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _flash(page) == (
        f"De vraag is uitgevoerd. Besteed: rho 0,005 van uw aandeel in elk van de gegevensjaren "
        f"{LAST_YEAR}, {TODAY.year}; nog over: rho 0,015 in {LAST_YEAR}; rho 0,025 in {TODAY.year}.")
    rows = _budget_rows(page)
    assert rows[str(LAST_YEAR)][1:] == ["0,005", "0,015"]
    assert rows[str(TODAY.year)][1:] == ["0,005", "0,025"]


def test_an_english_page_writes_the_run_with_points(client, csrf_from, services, researcher):
    services.ledger.set_budget(f"research:{researcher.project}", LAST_YEAR, "0.02")
    token = csrf_from(client.get("/onderzoek/").get_data(as_text=True))
    client.post("/taal/en", data={"csrf_token": token, "next": "/onderzoek/"})
    location = post(client, csrf_from, "/onderzoek/uitvoeren", LAST_YEARS_SPEC).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    rows = _budget_rows(page)
    assert rows[str(LAST_YEAR)] == ["0.02", "0.005", "0.015"]


@pytest.mark.parametrize(("budget", "dutch"), [
    ("11", "epsilon moet per vraag tussen 0,01 en 1 liggen"),
    ("0,1234567", "cijfers achter de komma, bijvoorbeeld 0,25."),
])
def test_budget_errors_on_the_form_use_the_pages_decimal_sign(client, csrf_from, researcher,
                                                              budget, dutch):
    response = post(client, csrf_from, "/onderzoek/voorbeeld", {**SPEC, "budget": budget})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    error = page.split('id="budget-error"', 1)[1].split("</p>", 1)[0]
    assert dutch in error
    assert not re.search(r"\d\.\d", error)  # no decimal point on a Dutch page
    token = csrf_from(client.get("/onderzoek/").get_data(as_text=True))
    client.post("/taal/en", data={"csrf_token": token, "next": "/onderzoek/"})
    page = html.unescape(post(client, csrf_from, "/onderzoek/voorbeeld",
                              {**SPEC, "budget": budget}).get_data(as_text=True))
    # The words are the page's own (English once translated), the numbers written with points.
    error = page.split('id="budget-error"', 1)[1].split("</p>", 1)[0]
    assert re.search(r"\d\.\d", error) and not re.search(r"\d,\d", error)
