"""Signing in: CSRF on every form, rate-limited, hardened session cookies, safe redirects."""

import pytest

from registry.accounts import Role
from server.app import create_app


def test_login_page_is_dutch_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "Inloggen" in page.get_data(as_text=True)
    assert 'lang="nl"' in page.get_data(as_text=True)


def test_login_with_wrong_password_says_so_without_naming_which_part(client, make_user, csrf_from):
    principal, _ = make_user(Role.RESEARCHER, None)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    page = client.post("/login", data={"username": principal.username, "password": "wrong-password",
                                       "csrf_token": token})
    assert page.status_code == 400
    assert "Gebruikersnaam of wachtwoord klopt niet." in page.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, make_user):
    principal, password = make_user(Role.RESEARCHER, None)
    response = client.post("/login", data={"username": principal.username, "password": password})
    assert response.status_code == 400
    assert "formulier is verlopen" in response.get_data(as_text=True)


def test_session_cookie_is_httponly_samesite_and_secure_when_configured(settings_overrides, make_user):
    app = create_app({**settings_overrides, "secure_cookies": True})
    from server.migrations import upgrade

    services = app.extensions["signal_registry"]
    upgrade(services.db.engine)
    _principal, password = services.accounts.create_user("cookie-test", "researcher", project="p-cookie")
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"username": "cookie-test", "password": password,
                                           "csrf_token": token})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie
    services.db.dispose()


def test_login_has_one_limit_over_all_names_together(settings_overrides, make_user):
    app = create_app({**settings_overrides, "login_rate_limit": "3 per minute"})
    from server.migrations import upgrade

    services = app.extensions["signal_registry"]
    upgrade(services.db.engine)
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    statuses = [client.post("/login", data={"username": "someone", "password": "x" * 12,
                                            "csrf_token": token}).status_code for _ in range(5)]
    assert statuses[:3] == [400, 400, 400]
    assert statuses[3:] == [429, 429]
    services.db.dispose()


def test_logout_ends_the_session(client, login, csrf_from):
    login(Role.ADVISER)
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/signalen/nieuw").status_code in (302, 401)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(client, make_user, csrf_from, target):
    principal, password = make_user(Role.RESEARCHER, None)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(f"/login?next={target}", data={"username": principal.username,
                                                          "password": password, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_language_switch_turns_the_interface_english(client, csrf_from):
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post("/taal/en", data={"csrf_token": token, "next": "/login"})
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
