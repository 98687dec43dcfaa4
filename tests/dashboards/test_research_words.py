"""The researchers' workspace names what a question is limited to in words, explains the noise
scale, and gives each mechanism a valid default budget."""

from __future__ import annotations

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
