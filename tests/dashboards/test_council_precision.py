"""Councils ask for precision in words (grof / normaal / nauwkeurig), never for an epsilon: each
level shows its margin and what it takes of the council's share, with Dutch decimal commas."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboards.council.precision import EPSILON, Precision, default_precision
from privacy.accounting import laplace_rho
from registry.accounts import Role
from tests.dashboards.test_council_requests import MONTH, form, post, spent
from tests.privacy.test_publication import seed


def test_the_form_offers_three_levels_in_words_with_margin_and_cost(client, login, services):
    login(Role.WORKS_COUNCIL, "MIN-A")
    services.ledger.set_budget("or:MIN-A", default_question_year(), Fraction("0.02"))
    html = client.get("/raad/aanvragen/nieuw").get_data(as_text=True)
    form_html = html.split('action="/raad/aanvragen/voorbeeld"', 1)[1].split("</form>", 1)[0]
    assert "epsilon" not in form_html.lower() and "rho" not in form_html
    margins = {}
    for level in Precision:
        label = form_html.split(f'value="{level.value}"', 1)[1].split("</label>", 1)[0]
        found = re.search(r"marge per cel plus of min (\d+)", label)
        assert found, level
        margins[level] = int(found.group(1))
        assert re.search(r"kost [\d,]+% van het aandeel van uw raad in \d{4}", label), level
    # A finer level has a smaller margin and costs more: of rho 0.02, grof takes rho 0.005 (25%)
    # and nauwkeurig rho 0.125 (625%: too much).
    assert margins[Precision.COARSE] > margins[Precision.NORMAL] > margins[Precision.FINE]
    assert "kost 25% van het aandeel" in form_html and "kost 625% van het aandeel" in form_html
    assert "te duur" in form_html.split('value="nauwkeurig"', 1)[1]


def default_question_year() -> int:
    from registry.periods import Month
    return Month.current().add(-1).year


@pytest.mark.parametrize("level", list(Precision))
def test_a_level_spends_exactly_its_cost_and_the_preview_names_it(client, login, services,
                                                                  csrf_from, level):
    seed(services, MONTH, n=3)
    login(Role.WORKS_COUNCIL, "MIN-A")
    preview = post(client, csrf_from, "/raad/aanvragen/voorbeeld",
                   form(epsilon=None, precisie=level.value))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    chosen = html.split('data-preview="precision">', 1)[1].split("<", 1)[0]
    assert chosen == level.value.capitalize()
    assert f'<tr data-level="{level.value}" aria-current="true">' in html
    assert 'data-level="grof"' in html and 'data-level="nauwkeurig"' in html
    confirmed = post(client, csrf_from, "/raad/aanvragen/bevestigen",
                     form(epsilon=None, precisie=level.value))
    assert confirmed.status_code == 303
    assert spent(services, "or:MIN-A") == laplace_rho(EPSILON[level])


def test_an_unknown_level_is_a_dutch_error_and_nothing_spent(client, login, services, csrf_from):
    login(Role.WORKS_COUNCIL, "MIN-A")
    response = post(client, csrf_from, "/raad/aanvragen/voorbeeld",
                    form(epsilon=None, precisie="heel-erg"))
    assert response.status_code == 422
    assert "grof, normaal of nauwkeurig" in response.get_data(as_text=True)
    assert spent(services, "or:MIN-A") == 0


@given(st.fractions(min_value=0, max_value=2))
def test_the_default_level_takes_at_most_a_quarter_of_what_is_left(remaining):
    level = default_precision(remaining)
    assert level is Precision.COARSE or laplace_rho(EPSILON[level]) <= remaining / 4
    finer = [p for p in (Precision.NORMAL, Precision.FINE)
             if list(Precision).index(p) > list(Precision).index(level)]
    assert all(laplace_rho(EPSILON[p]) > remaining / 4 for p in finer)
