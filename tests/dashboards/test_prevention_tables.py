"""Long tables on the dashboard: the first rows in their fixed order, the rest one click away."""

from __future__ import annotations

import re

import pytest

from dashboards.charts import PAGE_ROWS
from tests.dashboards.test_prevention_pages import (  # noqa: F401 - fixtures
    officer,
    period,
    published,
)


def table_rows(html: str, key: str) -> list[str]:
    section = html[html.index(f'id="titel-{key}"'):]
    body = section[section.index("<tbody>"):section.index("</tbody>")]
    return re.findall(r"<tr>.*?</tr>", body, re.S)


@pytest.mark.usefixtures("officer")
def test_a_long_table_shows_its_first_rows_and_links_to_all(client):
    html = client.get("/dashboard/eenheden" + period()).get_data(as_text=True)
    shown = table_rows(html, "dg-categorie")
    assert len(shown) == PAGE_ROWS
    link = re.search(r'<a href="([^"]*alle=dg-categorie[^"]*)">Toon alle rijen</a>', html)
    assert link is not None
    whole = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    every = table_rows(whole, "dg-categorie")
    assert len(every) > PAGE_ROWS and every[:PAGE_ROWS] == shown
    assert f"Alle {len(every)} rijen." in whole
    # The download always holds every row.
    csv = client.get("/dashboard/cijfers/dg-categorie.csv" + period()).get_data(as_text=True)
    assert len(csv.strip().splitlines()) == len(every) + 1


@pytest.mark.usefixtures("officer")
def test_a_short_table_is_shown_whole_without_a_link(client):
    html = client.get("/dashboard/opvolging" + period()).get_data(as_text=True)
    assert 0 < len(table_rows(html, "opvolging")) <= PAGE_ROWS
    assert "Toon alle rijen" not in html
