"""Accounts and API tokens on the admin pages: create, show once, (de)activate, reset, revoke."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from registry.accounts import Role
from registry.models import Account
from tests.dashboards.test_admin_access import admin_csrf


def _secret(html: str) -> str:
    return re.search(r'<p class="receipt" id="secret"><code>([^<]+)</code>', html).group(1)


def _tokens(services, username: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    return next(a for a in services.accounts.list_users() if a["username"] == username)["tokens"]


def _sign_in(app, username: str, password: str) -> int:  # type: ignore[no-untyped-def]
    fresh = app.test_client()
    page = fresh.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    return fresh.post("/login", data={"username": username, "password": password,
                                      "csrf_token": token}).status_code


def _activate(app, link: str, password: str) -> int:  # type: ignore[no-untyped-def]
    """Open an activation link in a fresh browser and choose ``password``."""
    fresh = app.test_client()
    path = link.removeprefix("http://localhost")
    page = fresh.get(path)
    if page.status_code != 200:
        return page.status_code
    html = page.get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    return fresh.post(path, data={"csrf_token": token, "password": password,
                                  "repeat": password}).status_code


def test_the_account_list_shows_username_role_label_organisation_and_status(client, login, csrf_from,
                                                                           make_user, services):
    admin_csrf(client, login, csrf_from)
    adviser, _ = make_user(Role.ADVISER, "MIN-B", username="vp.bakker")
    services.accounts.set_active(adviser.account_id, False)
    html = client.get("/beheer/gebruikers").get_data(as_text=True)
    row = html.split("vp.bakker", 1)[1].split("</tr>", 1)[0]
    assert "Adviseur (vertrouwenspersoon, BMW, personeelsraadgever)" in row
    assert "Ministerie van Proefnemingen (MIN-B)" in row
    assert "Uitgezet" in row


def test_creating_an_account_shows_a_one_time_activation_link_and_never_a_password(
        app, client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    response = client.post("/beheer/gebruikers/nieuw", data={
        "csrf_token": token, "username": " VP.Jansen ", "role": "adviser", "organisation": "MIN-A",
        "default_channel": "vp_intern"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "Account vp.jansen is aangemaakt." in html
    assert "Activeringslink voor vp.jansen" in html and "wachtwoord:" not in html.lower()
    link = _secret(html)
    assert link.startswith("http://localhost/activeren/")
    created = services.accounts.by_username("vp.jansen")
    assert (created.role, created.organisation) == (Role.ADVISER, "MIN-A")
    assert created.default_channel == "vp_intern"
    # Nobody knows a password yet: the account has none until its holder chooses one.
    with services.db.session() as session:
        assert session.get(Account, created.account_id).password_hash == ""
    assert "Wacht op activering" in client.get("/beheer/gebruikers").get_data(as_text=True)
    password = "een zin die alleen ik ken"
    assert _activate(app, link, password) == 302
    assert _sign_in(app, "vp.jansen", password) == 302
    # Shown once: neither the list nor the account page repeats the link.
    path = link.removeprefix("http://localhost")
    assert path not in client.get("/beheer/gebruikers").get_data(as_text=True)
    assert path not in client.get(f"/beheer/gebruikers/{created.account_id}").get_data(as_text=True)


def test_an_activation_link_works_once_only(app, client, login, csrf_from):
    _, token = admin_csrf(client, login, csrf_from)
    html = client.post("/beheer/gebruikers/nieuw", data={
        "csrf_token": token, "username": "eenmalig", "role": "adviser",
        "organisation": "MIN-A"}).get_data(as_text=True)
    link = _secret(html)
    assert _activate(app, link, "eerste keuze van mij") == 302
    assert _activate(app, link, "tweede keuze van een ander") == 404
    assert app.test_client().get(link).status_code == 404
    assert _sign_in(app, "eenmalig", "tweede keuze van een ander") == 400
    assert _sign_in(app, "eenmalig", "eerste keuze van mij") == 302


def test_an_activation_link_expires(app, client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    html = client.post("/beheer/gebruikers/nieuw", data={
        "csrf_token": token, "username": "te.laat", "role": "adviser",
        "organisation": "MIN-A"}).get_data(as_text=True)
    link = _secret(html)
    account_id = services.accounts.by_username("te.laat").account_id
    now = datetime.now(UTC).replace(tzinfo=None)
    with services.db.session() as session:
        account = session.get(Account, account_id)
        hours = services.settings.activation_hours
        assert timedelta(hours=hours - 1) < account.activation_expires - now <= timedelta(hours=hours)
        account.activation_expires = now - timedelta(minutes=1)
    assert app.test_client().get(link).status_code == 404
    assert _activate(app, link, "te laat gekozen wachtwoord") == 404
    page = client.get(f"/beheer/gebruikers/{account_id}").get_data(as_text=True)
    assert "de activeringslink is verlopen of gebruikt" in page
def test_a_bad_account_form_names_every_problem_per_field_and_stores_nothing(client, login, csrf_from,
                                                                          services):
    _, token = admin_csrf(client, login, csrf_from)
    before = services.accounts.list_users()
    response = client.post("/beheer/gebruikers/nieuw", data={
        "csrf_token": token, "username": "x", "role": "adviser", "organisation": "",
        "default_channel": "geen_kanaal"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("username", "organisation", "default_channel"):
        assert f'id="{field}-error"' in html
        assert re.search(rf'id="{field}"[^>]*aria-describedby="{field}-hint {field}-error"', html), field
    assert '<a href="#organisation">Deze rol hoort bij een organisatie.</a>' in html
    assert services.accounts.list_users() == before


def test_a_role_for_all_organisations_refuses_an_organisation_and_a_channel(client, login, csrf_from,
                                                                          services):
    _, token = admin_csrf(client, login, csrf_from)
    response = client.post("/beheer/gebruikers/nieuw", data={
        "csrf_token": token, "username": "gor.lid", "role": "gor", "organisation": "MIN-A",
        "default_channel": "vp_intern"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Deze rol geldt voor alle organisaties" in html
    assert "Alleen een adviseur heeft een standaardkanaal." in html
    assert "gor.lid" not in [a["username"] for a in services.accounts.list_users()]


def test_a_taken_username_is_refused_with_a_clear_message(client, login, csrf_from, make_user):
    _, token = admin_csrf(client, login, csrf_from)
    make_user(Role.RESEARCHER, None, username="onderzoek.a")
    response = client.post("/beheer/gebruikers/nieuw", data={
        "csrf_token": token, "username": "onderzoek.a", "role": "researcher",
        "project": "project-onderzoek-a"})
    assert response.status_code == 409
    assert "Deze gebruikersnaam bestaat al." in response.get_data(as_text=True)


def test_deactivating_stops_sign_in_and_reactivating_restores_it(app, client, login, csrf_from, make_user):
    _, token = admin_csrf(client, login, csrf_from)
    user, password = make_user(Role.WORKS_COUNCIL, "MIN-A", username="or.lid")
    response = client.post(f"/beheer/gebruikers/{user.account_id}/actief",
                           data={"csrf_token": token, "active": "0"}, follow_redirects=True)
    assert "Account or.lid is uitgezet" in response.get_data(as_text=True)
    assert _sign_in(app, "or.lid", password) == 400
    response = client.post(f"/beheer/gebruikers/{user.account_id}/actief",
                           data={"csrf_token": token, "active": "1"}, follow_redirects=True)
    assert "Account or.lid staat weer aan." in response.get_data(as_text=True)
    assert _sign_in(app, "or.lid", password) == 302


def test_an_admin_cannot_deactivate_their_own_account(client, login, csrf_from, services):
    admin, token = admin_csrf(client, login, csrf_from)
    page = client.get(f"/beheer/gebruikers/{admin.account_id}").get_data(as_text=True)
    assert "Account uitzetten" not in page
    response = client.post(f"/beheer/gebruikers/{admin.account_id}/actief",
                           data={"csrf_token": token, "active": "0"}, follow_redirects=True)
    assert "U kunt uw eigen account niet uitzetten." in response.get_data(as_text=True)
    assert services.accounts.get(admin.account_id) is not None


def test_a_reset_stops_the_old_password_and_gives_a_link_but_no_password(app, client, login,
                                                                        csrf_from, make_user):
    _, token = admin_csrf(client, login, csrf_from)
    user, old = make_user(Role.PREVENTION_OFFICER, "MIN-A", username="preventie.a")
    response = client.post(f"/beheer/gebruikers/{user.account_id}/wachtwoord", data={"csrf_token": token})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Het oude wachtwoord van preventie.a werkt niet meer" in html
    link = _secret(html)
    assert "/activeren/" in link and old not in html
    assert _sign_in(app, "preventie.a", old) == 400
    assert _activate(app, link, "zelf gekozen nieuw wachtwoord") == 302
    assert _sign_in(app, "preventie.a", "zelf gekozen nieuw wachtwoord") == 302
    assert link not in client.get(f"/beheer/gebruikers/{user.account_id}").get_data(as_text=True)


def test_no_admin_page_has_a_password_field_or_shows_a_password(client, login, csrf_from, make_user):
    _, token = admin_csrf(client, login, csrf_from)
    user, password = make_user(Role.ADVISER, "MIN-A", username="geheim.blijft")
    pages = ["/beheer/gebruikers", "/beheer/gebruikers/nieuw", f"/beheer/gebruikers/{user.account_id}"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert 'type="password"' not in html and 'name="password"' not in html, path
        assert password not in html, path
    reset = client.post(f"/beheer/gebruikers/{user.account_id}/wachtwoord",
                        data={"csrf_token": token}).get_data(as_text=True)
    assert 'type="password"' not in reset and "Het wachtwoord:" not in reset


def test_an_unknown_account_is_a_404_not_a_500(client, login):
    login(Role.ADMIN, None)
    assert client.get("/beheer/gebruikers/" + "0" * 32).status_code == 404


def test_a_token_is_shown_once_works_on_the_api_and_stops_after_revocation(client, login, csrf_from,
                                                                         make_user, services):
    _, token = admin_csrf(client, login, csrf_from)
    adviser, _ = make_user(Role.ADVISER, "MIN-A", username="zaaksysteem")
    response = client.post(f"/beheer/gebruikers/{adviser.account_id}/tokens",
                           data={"csrf_token": token, "label": "Zaaksysteem VP"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Kopieer dit nu." in html
    api_token = _secret(html)
    bearer = {"Authorization": f"Bearer {api_token}"}
    assert client.post("/api/v1/case-tokens", headers=bearer).status_code == 201

    page = client.get(f"/beheer/gebruikers/{adviser.account_id}").get_data(as_text=True)
    assert "Zaaksysteem VP" in page and "In gebruik" in page
    assert api_token not in page
    token_id = _tokens(services, "zaaksysteem")[0]["id"]
    response = client.post(f"/beheer/gebruikers/{adviser.account_id}/tokens/{token_id}/intrekken",
                           data={"csrf_token": token}, follow_redirects=True)
    assert "Token &#39;Zaaksysteem VP&#39; van zaaksysteem is ingetrokken" in response.get_data(as_text=True)
    assert "Ingetrokken" in response.get_data(as_text=True)
    assert client.post("/api/v1/case-tokens", headers=bearer).status_code == 401


def test_a_token_needs_a_one_line_label_and_nothing_is_created_without_one(client, login, csrf_from,
                                                                         make_user, services):
    _, token = admin_csrf(client, login, csrf_from)
    user, _ = make_user(Role.RESEARCHER, None, username="onderzoek.b")
    for label in ("", "twee\nregels"):
        response = client.post(f"/beheer/gebruikers/{user.account_id}/tokens",
                               data={"csrf_token": token, "label": label})
        assert response.status_code == 422
        assert 'aria-describedby="label-hint label-error"' in response.get_data(as_text=True)
    assert _tokens(services, "onderzoek.b") == []


def test_a_token_of_another_account_cannot_be_revoked_through_this_one(client, login, csrf_from,
                                                                     make_user, services):
    _, token = admin_csrf(client, login, csrf_from)
    first, _ = make_user(Role.ADVISER, "MIN-A", username="eerste")
    second, _ = make_user(Role.ADVISER, "MIN-A", username="tweede")
    services.accounts.create_token(second.account_id, "van tweede")
    token_id = _tokens(services, "tweede")[0]["id"]
    response = client.post(f"/beheer/gebruikers/{first.account_id}/tokens/{token_id}/intrekken",
                           data={"csrf_token": token})
    assert response.status_code == 404
    assert not _tokens(services, "tweede")[0]["revoked"]


def test_a_researcher_needs_a_project_and_other_roles_none(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    response = client.post("/beheer/gebruikers/nieuw", data={
        "csrf_token": token, "username": "onderzoek.c", "role": "researcher"})
    assert response.status_code == 422
    assert "Een onderzoeker hoort bij een onderzoeksproject." in response.get_data(as_text=True)
    response = client.post("/beheer/gebruikers/nieuw", data={
        "csrf_token": token, "username": "or.c", "role": "or", "organisation": "MIN-A",
        "project": "werkdruk"})
    assert response.status_code == 422
    assert "Alleen onderzoekers horen bij een onderzoeksproject." in response.get_data(as_text=True)
    response = client.post("/beheer/gebruikers/nieuw", data={
        "csrf_token": token, "username": "onderzoek.c", "role": "researcher",
        "project": "werkdruk-2026"})
    # A researcher sees figures: a second administrator approves the account first
    # (tests/dashboards/test_admin_approvals.py).
    assert response.status_code == 302
    services.approvals.approve(services.approvals.pending()[0].id, "tweede-beheerder")
    assert services.accounts.by_username("onderzoek.c").project == "werkdruk-2026"
