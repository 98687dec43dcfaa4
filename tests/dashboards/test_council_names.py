"""The councils read organisation names, never codes, and the Rijk page says in plain words how
its totals are made."""

from __future__ import annotations

import re

from registry.accounts import Role
from tests.dashboards.test_council_pages import COMPLETE, publish_plan
from tests.dashboards.test_council_requests import form, post

CODE = re.compile(r"\bMIN-[A-Z0-9]+\b")


def visible_text(html: str) -> str:
    main = html.split('<main id="inhoud"', 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main)


def test_the_rijk_page_explains_its_totals_and_names_organisations(client, login, services):
    publish_plan(services, years=(COMPLETE - 1, COMPLETE))
    login(Role.CENTRAL_WORKS_COUNCIL)
    text = visible_text(client.get(f"/raad/rijk?jaar={COMPLETE}").get_data(as_text=True))
    assert "Hoe worden de totalen van het Rijk gemaakt?" in text
    assert "precies op tot het totaal van het Rijk" in text
    assert "kleinste kwadraten" not in text
    assert not CODE.search(text), CODE.search(text)
    for path in ("/raad/", f"/raad/organisatie/MIN-A?jaar={COMPLETE}", "/raad/aanvragen/nieuw"):
        found = CODE.search(visible_text(client.get(path).get_data(as_text=True)))
        assert not found, (path, found)


def test_a_request_names_its_organisation(client, login, services, csrf_from):
    login(Role.CENTRAL_WORKS_COUNCIL)
    preview = post(client, csrf_from, "/raad/aanvragen/voorbeeld",
                   form(organisation="MIN-A", epsilon=None, precisie="grof"))
    text = visible_text(preview.get_data(as_text=True))
    assert "Ministerie van Voorbeeldzaken" in text and not CODE.search(text)
