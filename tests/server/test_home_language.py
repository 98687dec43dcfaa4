"""The site speaks Dutch whatever the browser asks for; English only when chosen."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("accept", ["en", "en-GB,en;q=0.9", "de-DE,en;q=0.8", "fr", ""])
@pytest.mark.parametrize("path", ["/", "/login", "/meldknop", "/meldknop/wat-gebeurt-er"])
def test_pages_are_dutch_whatever_the_browser_language(client, path, accept):
    page = client.get(path, headers={"Accept-Language": accept}).get_data(as_text=True)
    assert '<html lang="nl">' in page


def test_english_after_choosing_it_with_the_switch_and_back(client, csrf_from):
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post("/taal/en", data={"csrf_token": token, "next": "/"})
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    client.post("/taal/nl", data={"csrf_token": token, "next": "/"})
    assert '<html lang="nl">' in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
