"""The dashboard says what a reader can conclude first, in plain Dutch; the statistics follow
behind 'Hoe is dit berekend?'."""

from __future__ import annotations

import re

import pytest

from analytics.intervals import Estimate
from dashboards.prevention.figures import change_sentence
from tests.dashboards.test_prevention_pages import (  # noqa: F401 - fixtures
    PAGES,
    officer,
    period,
    published,
)

JARGON = ("zaak-maand", "controlegrens", "Consistent: onbekend", "naar schatting")


@pytest.mark.parametrize("value", [-30.0, -12.5, 12.5, 30.0])
def test_a_clear_change_is_said_in_words_and_its_numbers_are_explained(app, value):
    with app.test_request_context():
        change = change_sentence("2026-Q2", "2026-Q1", Estimate(value, 25.0))
    # The conclusion names the periods and the direction; it has no statistic in it.
    assert ("meer" if value > 0 else "minder") in change.conclusion
    assert not re.search(r"\d", change.conclusion.replace("2026-Q2", "").replace("2026-Q1", ""))
    assert "95" not in change.conclusion and "interval" not in change.conclusion
    # The explanation gives the size and the range, rounded outward, in the same direction.
    low, high = sorted((abs(value) - 9.8, abs(value) + 9.8))
    assert f"tussen {int(low // 1)} en {int(-(-high // 1))} zaken" in change.explanation
    assert "95% zekerheid" in change.explanation and "-" not in change.explanation


@pytest.mark.usefixtures("officer")
def test_the_trends_page_puts_its_changes_before_the_charts_with_their_working(client):
    html = client.get("/dashboard/" + period()).get_data(as_text=True)
    assert html.index('id="veranderingen"') < html.index('class="chart"')
    changes = html[html.index('id="veranderingen"'):html.index('class="chart"')]
    for item in re.findall(r"<li>(.*?)</li>", changes, re.S):
        assert item.index("<p>") < item.index("Hoe is dit berekend?")


@pytest.mark.usefixtures("officer")
def test_the_follow_up_page_starts_with_what_can_be_concluded(client):
    html = client.get("/dashboard/opvolging" + period()).get_data(as_text=True)
    conclusion = re.search(r'<p class="conclusion">(.*?)</p>', html, re.S)
    assert conclusion is not None
    assert html.index('class="conclusion"') < html.index('class="chart"')
    assert "vast te stellen" in conclusion.group(1)


@pytest.mark.usefixtures("officer")
@pytest.mark.parametrize("url", PAGES)
def test_no_page_uses_the_jargon_readers_stumbled_over(client, url):
    html = client.get(url + period()).get_data(as_text=True)
    for word in JARGON:
        assert word.lower() not in html.lower(), word
