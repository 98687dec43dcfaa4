"""The home page: the meldknop first for a visitor, three lines with links for each role."""

from __future__ import annotations

import re

import pytest

from registry.accounts import Role


def _main(page: str) -> str:
    return page.split('<main id="inhoud"', 1)[1].split("</main>", 1)[0]


def test_a_visitor_sees_the_meldknop_first(client):
    main = _main(client.get("/").get_data(as_text=True))
    links = re.findall(r'<a [^>]*href="([^"]+)"', main)
    assert links[0] == "/meldknop"
    assert "/meldknop/waar-terecht" in links
    assert links.index("/meldknop") < links.index("/login")
    assert "U hoeft niet in te loggen" in main


@pytest.mark.parametrize("role", list(Role))
def test_every_role_gets_three_lines_with_links_that_open(client, login, role):
    organisation = "MIN-A" if role.needs_organisation else None
    login(role, organisation)
    main = _main(client.get("/").get_data(as_text=True))
    tasks = re.search(r'<ul class="home-tasks">(.*?)</ul>', main, re.S)
    assert tasks, "no list of what this role can do"
    items = re.findall(r"<li>(.*?)</li>", tasks.group(1), re.S)
    assert len(items) == 3
    for item in items:
        hrefs = re.findall(r'href="([^"]+)"', item)
        assert hrefs, item
        for href in hrefs:
            assert client.get(href).status_code == 200, (role, href)
