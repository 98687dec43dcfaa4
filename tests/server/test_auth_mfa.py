"""The second factor: TOTP for admin, GOR, researcher and OR, required in production, offered
elsewhere; a code counts once; the secret is sealed at rest."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from privacy.signing import create_signing_key_file
from registry.accounts import Role
from registry.mfa import SecondStep
from registry.models import Account
from server.app import create_app
from server.migrations import upgrade
from tests.conftest import FIXTURES

MFA_ROLES = (Role.ADMIN, Role.CENTRAL_WORKS_COUNCIL, Role.RESEARCHER, Role.WORKS_COUNCIL)
HOME = {Role.ADMIN: "/beheer/", Role.CENTRAL_WORKS_COUNCIL: "/raad/", Role.RESEARCHER: "/onderzoek/",
        Role.WORKS_COUNCIL: "/raad/", Role.ADVISER: "/signalen/nieuw",
        Role.PREVENTION_OFFICER: "/dashboard/"}


@pytest.fixture
def production(settings_overrides, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The app as it runs in production (a master secret and a signing key are set)."""
    key = tmp_path / "keys" / "signing-key"
    create_signing_key_file(key)
    app = create_app({**settings_overrides, "mode": "production", "signing_key_file": str(key)})
    services = app.extensions["signal_registry"]
    upgrade(services.db.engine)
    from registry.organisations import parse_org_csv

    services.replace_org(parse_org_csv((FIXTURES / "org-small.csv").read_text()))
    yield app
    services.db.dispose()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _password_step(client, username: str, password: str):  # type: ignore[no-untyped-def]
    token = _csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def _enrol_page(client) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """(secret, sealed offer, csrf) from the set-up page."""
    html = client.get("/login/tweestapsverificatie").get_data(as_text=True)
    secret = re.search(r'id="totp-secret"><code>([A-Z2-7 ]+)</code>', html).group(1)  # type: ignore[union-attr]
    offer = re.search(r'name="offer" type="hidden" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    return secret.replace(" ", ""), offer, _csrf(html)


def _code(secret: str, steps_ahead: int = 0) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=30 * steps_ahead)
    return pyotp.TOTP(secret).at(moment)


@pytest.mark.parametrize("role", MFA_ROLES)
def test_production_requires_a_second_factor_for_these_roles(production, role):
    services = production.extensions["signal_registry"]
    organisation = "MIN-A" if role.needs_organisation else None
    principal, password = services.accounts.create_user(
        f"mfa-{role.value}", role.value, organisation=organisation,
        project="mfa-project" if role is Role.RESEARCHER else None)
    client = production.test_client()
    response = _password_step(client, principal.username, password)
    assert response.headers["Location"] == "/login/tweestapsverificatie"
    # A correct password alone opens nothing.
    assert client.get(HOME[role]).headers["Location"].startswith("/login")
    secret, offer, token = _enrol_page(client)
    assert client.post("/login/tweestapsverificatie", data={
        "csrf_token": token, "offer": offer, "code": "000000" if _code(secret) != "000000"
        else "111111"}).status_code == 400
    assert client.get(HOME[role]).headers["Location"].startswith("/login")
    done = client.post("/login/tweestapsverificatie", data={
        "csrf_token": token, "offer": offer, "code": _code(secret)})
    assert done.status_code == 302
    assert client.get(HOME[role]).status_code == 200
    # Stored sealed, not as the secret an app reads.
    with services.db.session() as session:
        stored = session.get(Account, principal.account_id).totp_secret
    assert stored and secret not in stored


@pytest.mark.parametrize("role", [Role.ADVISER, Role.PREVENTION_OFFICER])
def test_other_roles_sign_in_with_their_password_in_production(production, role):
    services = production.extensions["signal_registry"]
    principal, password = services.accounts.create_user(f"plain-{role.value}", role.value,
                                                         organisation="MIN-A")
    client = production.test_client()
    assert _password_step(client, principal.username, password).headers["Location"] == "/"
    assert client.get(HOME[role]).status_code == 200


def test_a_replayed_code_is_refused_and_the_next_one_works(production):
    services = production.extensions["signal_registry"]
    principal, password = services.accounts.create_user("gor.lid", "gor")
    first = production.test_client()
    _password_step(first, "gor.lid", password)
    secret, offer, token = _enrol_page(first)
    used = _code(secret)
    first.post("/login/tweestapsverificatie", data={"csrf_token": token, "offer": offer, "code": used})
    # Someone who saw the code (over a shoulder, a phishing page) tries it at once.
    other = production.test_client()
    assert _password_step(other, "gor.lid", password).headers["Location"] == "/login/code"
    html = other.get("/login/code").get_data(as_text=True)
    replay = other.post("/login/code", data={"csrf_token": _csrf(html), "code": used})
    assert replay.status_code == 400
    assert "al gebruikt" in replay.get_data(as_text=True)
    assert other.get("/raad/").headers["Location"].startswith("/login")
    fresh = other.post("/login/code", data={"csrf_token": _csrf(html), "code": _code(secret, 1)})
    assert fresh.status_code == 302
    assert other.get("/raad/").status_code == 200
    assert services.mfa.accept_code(principal.account_id, _code(secret, 1)) is False


def test_a_second_factor_is_offered_but_not_required_outside_production(app, services, make_user,
                                                                        client, csrf_from):
    principal, password = make_user(Role.RESEARCHER, None)
    assert services.mfa.second_step(principal.account_id) is SecondStep.NONE
    assert _password_step(client, principal.username, password).headers["Location"] == "/"
    page = client.get("/account").get_data(as_text=True)
    assert "Tweestapsverificatie instellen" in page
    html = client.get("/account/tweestapsverificatie").get_data(as_text=True)
    secret = re.search(r'id="totp-secret"><code>([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")  # type: ignore[union-attr]
    offer = re.search(r'name="offer" type="hidden" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    assert "otpauth://totp/" in html
    response = client.post("/account/tweestapsverificatie", data={
        "csrf_token": _csrf(html), "offer": offer, "code": _code(secret)})
    assert response.status_code == 302
    # This session carries on; the next sign-in asks for a code.
    assert client.get("/onderzoek/").status_code == 200
    fresh = app.test_client()
    assert _password_step(fresh, principal.username, password).headers["Location"] == "/login/code"


def test_an_altered_offer_is_not_accepted_as_a_secret(production):
    services = production.extensions["signal_registry"]
    services.accounts.create_user("beheer.a", "admin", password="beheerder wachtwoord")
    client = production.test_client()
    _password_step(client, "beheer.a", "beheerder wachtwoord")
    _, offer, token = _enrol_page(client)
    chosen = pyotp.random_base32()
    forged = services.mfa.open_offer(offer[:-4] + "AAAA")
    assert forged is None
    response = client.post("/login/tweestapsverificatie", data={
        "csrf_token": token, "offer": chosen, "code": _code(chosen)})
    assert response.status_code == 400
    assert client.get("/beheer/").headers["Location"].startswith("/login")


def test_an_admin_removes_a_lost_second_factor_and_the_holder_sets_it_up_again(production):
    services = production.extensions["signal_registry"]
    principal, password = services.accounts.create_user("or.lid", "or", organisation="MIN-A")
    client = production.test_client()
    _password_step(client, "or.lid", password)
    secret, offer, token = _enrol_page(client)
    client.post("/login/tweestapsverificatie", data={"csrf_token": token, "offer": offer,
                                                     "code": _code(secret)})
    assert client.get("/raad/").status_code == 200
    services.mfa.reset(principal.account_id)
    # The session ends, and the next sign-in sets up a new app.
    assert client.get("/raad/").headers["Location"].startswith("/login")
    assert _password_step(client, "or.lid", password).headers["Location"] == "/login/tweestapsverificatie"
    assert [n.kind.value for n in services.notices.unseen(principal.account_id)] == ["mfa_reset"]
