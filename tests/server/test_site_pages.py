"""The site frame and its own pages: every page type links to contact, privacy statement and
accessibility statement; both statements say what the registry really does."""

from __future__ import annotations

import re

import pytest

from registry.accounts import Role

FOOTER_LINKS = ("/meldknop/waar-terecht", "/privacyverklaring", "/toegankelijkheid")
PUBLIC_PAGES = [("/", 200), ("/login", 200), ("/meldknop", 200), ("/meldknop/waar-terecht", 200),
                ("/meldknop/wat-gebeurt-er", 200), ("/privacy/budget", 200),
                ("/privacyverklaring", 200), ("/toegankelijkheid", 200), ("/bestaat-niet", 404),
                ("/beheer/", 302)]


def _footer(page: str) -> str:
    match = re.search(r'<footer class="site-footer">(.*?)</footer>', page, re.S)
    assert match, "no site footer"
    return match.group(1)


def _main(page: str) -> str:
    return page.split('<main id="inhoud"', 1)[1].split("</main>", 1)[0]


def _assert_frame(page: str) -> None:
    hrefs = re.findall(r'href="([^"]+)"', _footer(page))
    for link in FOOTER_LINKS:
        assert link in hrefs, link
    header = page.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    assert "Rijksoverheid" in header
    assert "Signaalregister sociale veiligheid" in header


@pytest.mark.parametrize("path,status", [p for p in PUBLIC_PAGES if p[1] != 302])
def test_every_public_page_type_has_the_frame(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    _assert_frame(response.get_data(as_text=True))


def test_a_refusal_has_the_frame(client, login):
    login(Role.ADVISER)
    response = client.get("/beheer/")
    assert response.status_code == 403
    _assert_frame(response.get_data(as_text=True))


@pytest.mark.parametrize("role", list(Role))
def test_every_role_home_page_has_the_frame(client, login, role):
    login(role, "MIN-A" if role.needs_organisation else None)
    _assert_frame(client.get("/").get_data(as_text=True))


@pytest.mark.parametrize("link", FOOTER_LINKS)
def test_the_footer_links_open(client, link):
    assert client.get(link).status_code == 200


def test_the_privacy_statement_says_what_is_and_is_not_stored(client, services):
    main = _main(client.get("/privacyverklaring").get_data(as_text=True))
    assert "<h1>Privacyverklaring</h1>" in main
    for heading in ("Wat wordt opgeslagen bij een signaal", "Wat nooit wordt opgeslagen",
                    "Wie ziet wat", "Hoe lang gegevens worden bewaard", "Gegevens van accounts",
                    "Uw rechten"):
        assert f"<h2>{heading}</h2>" in main, heading
    # The same facts as README and docs/threat-model.md: month only, coded fields, no identity,
    # noise, retention from the setting, the audit log.
    assert "De maand van het contact. Nooit de dag of het tijdstip." in main
    assert "vaste lijsten" in main
    assert "Namen, vrije tekst" in main
    assert "IP-adres" in main
    assert "differential privacy" in main
    assert f"Signalen worden na {services.settings.retention_years} jaar verwijderd." in main
    assert f"minder dan {services.settings.coarsen_threshold} fte" in main
    assert "auditlog" in main
    assert "Autoriteit Persoonsgegevens" in main


@pytest.mark.parametrize("years", [2, 7])
def test_the_privacy_statement_follows_the_retention_setting(settings_overrides, years):
    from server.app import create_app

    app = create_app({**settings_overrides, "retention_years": years})
    main = _main(app.test_client().get("/privacyverklaring").get_data(as_text=True))
    assert f"Signalen worden na {years} jaar verwijderd." in main


def test_the_accessibility_statement_follows_the_model_statement(client):
    main = _main(client.get("/toegankelijkheid").get_data(as_text=True))
    assert "<h1>Toegankelijkheidsverklaring</h1>" in main
    headings = re.findall(r"<h2>(.*?)</h2>", main)
    assert headings == ["Status", "Wanneer en hoe is dit gecontroleerd",
                        "Contact over toegankelijkheid"]
    assert "voldoet gedeeltelijk" in main
    assert "WCAG 2.1" in main
    # The known gaps are listed honestly, with their alternatives.
    assert "Grafieken" in main and "tabel" in main
    # The month of assessment, in words.
    assert re.search(r"Laatst gecontroleerd: (januari|februari|maart|april|mei|juni|juli|augustus|"
                     r"september|oktober|november|december) 20\d\d\.", main)
    assert "axe-core" in main and "Chromium" in main
    assert "toetsenbord" in main
    assert 'href="/meldknop/waar-terecht"' in main
