"""English is complete: a page shown in English contains no Dutch string from the catalogue.

The catalogue's Dutch source strings (msgids) whose English differs are what the reader must
never see once they chose English. Short msgids (under 12 characters) are left out: words such
as "Status" or "Onderdeel" also occur inside English text, codes and URLs.
"""

from __future__ import annotations

from functools import cache
from html import escape
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from registry.accounts import Role

CATALOGUE = Path(__file__).resolve().parents[2] / "server/translations/en/LC_MESSAGES/messages.po"
MIN_LENGTH = 12
PUBLIC_PAGES = [("/", 200), ("/login", 200), ("/meldknop", 200), ("/meldknop/waar-terecht", 200),
                ("/meldknop/wat-gebeurt-er", 200), ("/privacy/budget", 200),
                ("/privacyverklaring", 200), ("/toegankelijkheid", 200), ("/bestaat-niet", 404)]


@cache
def dutch_strings() -> tuple[str, ...]:
    """Every msgid of at least MIN_LENGTH characters whose English translation differs."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    found: set[str] = set()
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for dutch in ids:
            if dutch and len(dutch) >= MIN_LENGTH and dutch not in strings:
                found.add(dutch)
    return tuple(sorted(found))


def dutch_in(page: str) -> list[str]:
    """The catalogue's Dutch strings in a page, as written or as the template escaped them."""
    return [dutch for dutch in dutch_strings() if dutch in page or escape(dutch) in page]


def switch_to_english(client) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import _csrf_from

    token = _csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/taal/en", data={"csrf_token": token, "next": "/"})
    assert response.status_code == 302


def english_page(client, path: str, status: int) -> str:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == status, path
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page, path
    return page


def test_the_catalogue_has_dutch_strings_to_look_for():
    strings = dutch_strings()
    assert len(strings) > 100
    assert "Signaalregister sociale veiligheid" in strings


def test_a_dutch_page_is_caught():
    assert dutch_in("<p>Signaalregister sociale veiligheid</p>") == ["Signaalregister sociale veiligheid"]


@pytest.mark.parametrize("path,status", PUBLIC_PAGES)
def test_public_pages_in_english_have_no_dutch(client, path, status):
    switch_to_english(client)
    assert dutch_in(english_page(client, path, status)) == []


def test_a_refusal_in_english_has_no_dutch(client, login):
    login(Role.ADVISER)
    switch_to_english(client)
    assert dutch_in(english_page(client, "/beheer/", 403)) == []


def test_a_refusal_for_a_visitor_in_english_has_no_dutch(client):
    switch_to_english(client)
    response = client.get("/beheer/")
    assert response.status_code in (302, 401, 403)
    if response.status_code != 302:
        assert dutch_in(response.get_data(as_text=True)) == []


@pytest.mark.parametrize("role", list(Role))
def test_every_role_home_page_in_english_has_no_dutch(client, login, role):
    login(role, "MIN-A" if role.needs_organisation else None)
    switch_to_english(client)
    assert dutch_in(english_page(client, "/", 200)) == []
