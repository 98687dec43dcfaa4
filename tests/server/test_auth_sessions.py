"""Signed-in sessions end on the server: logout, a reset and idle time end every copy of a cookie,
and the cookie holds nothing about the client's address."""

from __future__ import annotations

import hashlib

from registry.accounts import Role
from server.sessions import LAST_SEEN_KEY, current_minute
from tests.dashboards.test_admin_access import admin_csrf

ADVISER_PAGE = "/signalen/nieuw"
ADDRESS = "203.0.113.77"
AGENT = "Mozilla/5.0 (test browser)"


def _signed_in(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 200


def _copy_of(app, client):  # type: ignore[no-untyped-def]
    """Another browser holding a copy of ``client``'s session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _session_data(app, client) -> dict[str, object]:  # type: ignore[no-untyped-def]
    serializer = app.session_interface.get_signing_serializer(app)
    return dict(serializer.loads(client.get_cookie("session").value))


def test_a_cookie_copied_before_logout_is_refused_after_it(app, client, login, csrf_from):
    login(Role.ADVISER)
    copy = _copy_of(app, client)
    assert _signed_in(copy.get(ADVISER_PAGE))
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    response = copy.get(ADVISER_PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_after_an_admin_reset_the_old_session_is_refused(app, client, login, csrf_from, make_user):
    user, password = make_user(Role.ADVISER, "MIN-A", username="vp.gestolen")
    victim = app.test_client()
    token = csrf_from(victim.get("/login").get_data(as_text=True))
    victim.post("/login", data={"username": "vp.gestolen", "password": password, "csrf_token": token})
    assert _signed_in(victim.get(ADVISER_PAGE))
    _, admin_token = admin_csrf(client, login, csrf_from)
    client.post(f"/beheer/gebruikers/{user.account_id}/wachtwoord", data={"csrf_token": admin_token})
    assert victim.get(ADVISER_PAGE).headers["Location"].startswith("/login")


def test_deactivating_an_account_ends_its_sessions_and_reactivating_does_not_revive_them(
        app, client, login, csrf_from, make_user, services):
    user, password = make_user(Role.ADVISER, "MIN-A", username="vp.uit")
    other = app.test_client()
    token = csrf_from(other.get("/login").get_data(as_text=True))
    other.post("/login", data={"username": "vp.uit", "password": password, "csrf_token": token})
    services.accounts.set_active(user.account_id, False)
    services.accounts.set_active(user.account_id, True)
    assert other.get(ADVISER_PAGE).status_code == 302


def test_an_idle_session_ends_and_a_used_one_stays(app, client, login, services):
    login(Role.ADVISER)
    idle = services.settings.session_idle_minutes
    with client.session_transaction() as session:
        session[LAST_SEEN_KEY] = current_minute() - idle + 1
    assert _signed_in(client.get(ADVISER_PAGE))
    # The request above counted as use: the session was seen again just now.
    with client.session_transaction() as session:
        assert session[LAST_SEEN_KEY] == current_minute()
        session[LAST_SEEN_KEY] = current_minute() - idle - 1
    response = client.get(ADVISER_PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    # And it stays ended: the next request is anonymous too.
    assert client.get(ADVISER_PAGE).status_code == 302


def test_the_session_cookie_holds_no_client_address_or_hash_of_it(app, make_user, csrf_from):
    user, password = make_user(Role.ADVISER, "MIN-A")
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": AGENT})
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": user.username, "password": password, "csrf_token": token})
    data = _session_data(app, client)
    assert "_user_id" in data
    flat = repr(data)
    assert ADDRESS not in flat
    # Flask-Login's own fingerprint: an unkeyed SHA-512 of address and User-Agent.
    for address in (ADDRESS, ADDRESS.encode()):
        unkeyed = hashlib.sha512(f"{address}|{AGENT.encode()}".encode()).hexdigest()
        assert unkeyed not in flat
    # It does not depend on the address: the same browser on another network stays signed in...
    client.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    assert _signed_in(client.get(ADVISER_PAGE))
    # ...but the cookie in another browser is refused.
    client.environ_base["HTTP_USER_AGENT"] = "Another browser/1.0"
    assert client.get(ADVISER_PAGE).status_code == 302


def test_a_new_password_chosen_by_the_holder_ends_the_other_sessions_but_not_this_one(
        app, client, make_user, csrf_from):
    user, password = make_user(Role.ADVISER, "MIN-A")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": user.username, "password": password, "csrf_token": token})
    elsewhere = _copy_of(app, client)
    token = csrf_from(client.get("/account").get_data(as_text=True))
    new = "mijn eigen nieuwe wachtzin"
    response = client.post("/account/wachtwoord", data={
        "csrf_token": token, "current": password, "new": new, "repeat": new})
    assert response.status_code == 302
    assert _signed_in(client.get(ADVISER_PAGE))
    assert elsewhere.get(ADVISER_PAGE).status_code == 302


def test_a_wrong_current_password_changes_nothing(client, login, csrf_from, make_user, services):
    user, password = make_user(Role.ADVISER, "MIN-A")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": user.username, "password": password, "csrf_token": token})
    token = csrf_from(client.get("/account").get_data(as_text=True))
    response = client.post("/account/wachtwoord", data={
        "csrf_token": token, "current": "niet mijn wachtwoord", "new": "x" * 20, "repeat": "x" * 20})
    assert response.status_code == 422
    assert "Uw huidige wachtwoord klopt niet." in response.get_data(as_text=True)
    assert services.accounts.authenticate(user.username, password) is not None
