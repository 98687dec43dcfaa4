"""Activation links: the holder chooses the password (and, where needed, the second factor), once;
and notices tell the holder at sign-in what someone else did to the account."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from registry.accounts import Role
from registry.errors import NotFound, ValidationFailed
from registry.models import Account
from tests.server.test_auth_mfa import production  # noqa: F401 - a fixture

CHOSEN = "een zin die ik zelf koos"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _sign_in(client, username: str, password: str):  # type: ignore[no-untyped-def]
    token = _csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def test_the_holder_chooses_a_password_that_follows_the_rules(app, services):
    principal, activation = services.activation.invite("vp.nieuw", "adviser", organisation="MIN-A")
    client = app.test_client()
    path = f"/activeren/{activation.token}"
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "vp.nieuw" in page.get_data(as_text=True)
    token = _csrf(page.get_data(as_text=True))
    for password, repeat, message in [("kort", "kort", "minstens 12 tekens"),
                                      ("vp.nieuw is mijn naam", "vp.nieuw is mijn naam",
                                       "gebruikersnaam niet"),
                                      (CHOSEN, CHOSEN + "!", "niet gelijk")]:
        refused = client.post(path, data={"csrf_token": token, "password": password, "repeat": repeat})
        assert refused.status_code == 422
        assert message in refused.get_data(as_text=True)
    assert services.accounts.authenticate("vp.nieuw", CHOSEN) is None
    assert client.post(path, data={"csrf_token": token, "password": CHOSEN,
                                   "repeat": CHOSEN}).status_code == 302
    assert services.accounts.authenticate("vp.nieuw", CHOSEN) == principal


def test_a_link_is_single_use_at_the_service_too(services):
    _, activation = services.activation.invite("g.nieuw", "gor")
    services.activation.complete(activation.token, CHOSEN, CHOSEN)
    with pytest.raises(NotFound):
        services.activation.complete(activation.token, "een ander wachtwoord", "een ander wachtwoord")
    assert services.activation.pending(activation.token) is None


def test_a_link_stops_at_its_expiry(services):
    _, activation = services.activation.invite("laat.nieuw", "gor")
    just_before = activation.expires - timedelta(seconds=1)
    assert services.activation.pending(activation.token, now=just_before) is not None
    assert services.activation.pending(activation.token, now=activation.expires) is None
    with pytest.raises(NotFound):
        services.activation.complete(activation.token, CHOSEN, CHOSEN, now=activation.expires)


def test_only_a_keyed_hash_of_the_link_is_stored(services):
    principal, activation = services.activation.invite("hash.nieuw", "gor")
    with services.db.session() as session:
        stored = session.get(Account, principal.account_id).activation_hash
    assert stored and activation.token not in stored and len(stored) == 64


def test_production_activation_sets_up_the_second_factor_for_these_roles(production):  # noqa: F811
    services = production.extensions["signal_registry"]
    _, activation = services.activation.invite("onderzoeker.nieuw", "researcher", project="p-nieuw")
    client = production.test_client()
    path = f"/activeren/{activation.token}"
    html = client.get(path).get_data(as_text=True)
    secret = re.search(r'id="totp-secret"><code>([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")  # type: ignore[union-attr]
    offer = re.search(r'name="offer" type="hidden" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    data = {"csrf_token": _csrf(html), "password": CHOSEN, "repeat": CHOSEN, "offer": offer}
    without = client.post(path, data=data)
    assert without.status_code == 422
    assert "Stel de tweestapsverificatie in" in without.get_data(as_text=True)
    assert client.post(path, data={**data, "code": pyotp.TOTP(secret).now()}).status_code == 302
    step = _sign_in(client, "onderzoeker.nieuw", CHOSEN)
    assert step.headers["Location"] == "/login/code"


def test_an_expired_or_unknown_link_is_a_dutch_404(app):
    page = app.test_client().get("/activeren/bestaat-niet")
    assert page.status_code == 404
    assert "Deze link werkt niet (meer)" in page.get_data(as_text=True)


def test_a_reset_is_told_to_the_holder_at_sign_in_until_marked_seen(app, services, make_user):
    user, _ = make_user(Role.ADVISER, "MIN-A", username="vp.gemeld")
    activation = services.activation.reset(user.account_id)
    services.activation.complete(activation.token, CHOSEN, CHOSEN)
    client = app.test_client()
    response = _sign_in(client, "vp.gemeld", CHOSEN)
    assert response.headers["Location"].startswith("/account?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    today = datetime.now(UTC).date()
    assert re.search(rf"Uw wachtwoord is op {today.day} \w+ {today.year} opnieuw ingesteld door "
                     r"de beheerder\.", page)
    seen = client.post("/account/meldingen/gezien",
                       data={"csrf_token": _csrf(page), "next": "/signalen/nieuw"})
    assert seen.headers["Location"] == "/signalen/nieuw"
    assert "Meldingen over uw account" not in client.get("/account").get_data(as_text=True)
    again = app.test_client()
    assert _sign_in(again, "vp.gemeld", CHOSEN).headers["Location"] == "/"


def test_a_new_token_is_told_to_the_holder(app, services, make_user):
    user, password = make_user(Role.RESEARCHER, None)
    services.accounts.create_token(user.account_id, "script")
    client = app.test_client()
    location = _sign_in(client, user.username, password).headers["Location"]
    assert "Er is een API-token voor uw account aangemaakt" in client.get(location).get_data(as_text=True)


def test_a_holder_sees_only_their_own_notices(app, services, make_user):
    first, password = make_user(Role.ADVISER, "MIN-A")
    second, _ = make_user(Role.ADVISER, "MIN-A")
    services.accounts.create_token(second.account_id, "van de tweede")
    client = app.test_client()
    assert _sign_in(client, first.username, password).headers["Location"] == "/"
    page = client.get("/account").get_data(as_text=True)
    client.post("/account/meldingen/gezien", data={"csrf_token": _csrf(page)})
    assert len(services.notices.unseen(second.account_id)) == 1


def test_a_reset_of_an_account_that_never_had_a_password_tells_nobody(services):
    principal, _ = services.activation.invite("nooit.actief", "gor")
    services.activation.reset(principal.account_id)
    assert services.notices.unseen(principal.account_id) == []


def test_a_bad_password_changes_nothing_and_keeps_the_link(services):
    _, activation = services.activation.invite("blijft.open", "gor")
    with pytest.raises(ValidationFailed):
        services.activation.complete(activation.token, "kort", "kort")
    assert services.activation.pending(activation.token) is not None
