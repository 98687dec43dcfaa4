"""Who may use the admin pages: administrators only, with CSRF on every change, and no figures."""

from __future__ import annotations

import re

import pytest

from registry.accounts import Role
from registry.periods import Month
from tests.privacy.test_publication import seed

PAGES = ["/beheer/", "/beheer/gebruikers", "/beheer/gebruikers/nieuw", "/beheer/organisatie",
         "/beheer/budgetten", "/beheer/contactpunten"]
POSTS = ["/beheer/gebruikers/nieuw", "/beheer/organisatie", "/beheer/budgetten",
         "/beheer/contactpunten/MIN-A"]


def admin_csrf(client, login, csrf_from):  # type: ignore[no-untyped-def]
    """Sign an administrator in; returns (principal, a CSRF token for the session)."""
    principal = login(Role.ADMIN, None)
    return principal, csrf_from(client.get("/beheer/").get_data(as_text=True))


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_every_other_role_gets_403_on_every_admin_page_and_action(client, login, services, csrf_from, role):
    principal = login(role, "MIN-A")
    token = csrf_from(client.get("/").get_data(as_text=True))
    shares = services.ledger.year(Month.current().year)
    for path in [*PAGES, f"/beheer/gebruikers/{principal.account_id}"]:
        assert client.get(path).status_code == 403, path
    for path in [*POSTS, f"/beheer/gebruikers/{principal.account_id}/wachtwoord",
                 f"/beheer/gebruikers/{principal.account_id}/tokens"]:
        assert client.post(path, data={"csrf_token": token, "rho": "99"}).status_code == 403, path
    # Nothing was changed on the way: no new token, no budget.
    assert services.accounts.list_users()[0]["tokens"] == []
    assert services.ledger.year(Month.current().year) == shares


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login")


def test_admins_see_every_page_uncached(client, login):
    login(Role.ADMIN, None)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store"


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(client, login, services):
    admin = login(Role.ADMIN, None)
    before = services.accounts.list_users()
    for path, data in [
        ("/beheer/gebruikers/nieuw", {"username": "zonder.csrf", "role": "gor"}),
        (f"/beheer/gebruikers/{admin.account_id}/tokens", {"label": "stiekem"}),
        ("/beheer/budgetten", {"consumer": "gor", "year": "2026", "epsilon": "99"}),
        ("/beheer/contactpunten/MIN-A", {"name": "Iemand", "role": "overig", "reach": "0612345678",
                                         "confidential": "ja"}),
    ]:
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert "Het formulier is verlopen of ongeldig" in response.get_data(as_text=True)
    assert services.accounts.list_users() == before
    assert services.ledger.recorded_consumers(2026) == []
    assert services.contacts.count() == 0


def test_admin_pages_show_no_signal_counts(client, login, csrf_from, services):
    # 17 signals in each of five units: no page may show 17, 34, 85 or any other total of them.
    seed(services, Month.current(), n=17)
    admin, _ = admin_csrf(client, login, csrf_from)
    counts = {"17", "34", "51", "68", "85"}
    pages = [*PAGES, f"/beheer/gebruikers/{admin.account_id}", "/beheer/contactpunten?organisatie=MIN-B"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        shown = set(re.findall(r"\b\d+\b", re.sub(r'value="[^"]*"', "", html)))
        assert not counts & shown, (path, counts & shown)
        assert "signalen:" not in html.lower()


def test_a_fresh_registry_without_organisations_gets_guidance_not_errors(tmp_path, settings_overrides):
    from server.app import create_app
    from server.migrations import upgrade

    app = create_app({**settings_overrides, "csrf": False})
    services = app.extensions["signal_registry"]
    upgrade(services.db.engine)
    _, password = services.accounts.create_user("eerste.beheerder", Role.ADMIN.value)
    client = app.test_client()
    client.post("/login", data={"username": "eerste.beheerder", "password": password})
    try:
        for path in PAGES:
            assert client.get(path).status_code == 200, path
        contacts = client.get("/beheer/contactpunten").get_data(as_text=True)
        assert "laad eerst het organisatiebestand" in contacts
        assert "Er is nog geen organisatiestructuur geladen." in \
            client.get("/beheer/organisatie").get_data(as_text=True)
    finally:
        services.db.dispose()
