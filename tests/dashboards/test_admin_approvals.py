"""Four eyes on the admin pages: a budget an admin sets is a proposal until a second admin
approves it; the proposer cannot approve it; every step, and every token, is in the audit log."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import delete, select

from registry.accounts import Role
from registry.governance_models import AuditEntry, PendingApproval
from registry.periods import Month
from tests.dashboards.test_admin_access import admin_csrf

YEAR = Month.current().year


def _second_admin(app, make_user, csrf_from):  # type: ignore[no-untyped-def]
    principal, password = make_user(Role.ADMIN, None)
    other = app.test_client()
    token = csrf_from(other.get("/login").get_data(as_text=True))
    response = other.post("/login", data={"username": principal.username, "password": password,
                                          "csrf_token": token})
    assert response.status_code == 302
    return principal, other, csrf_from(other.get("/beheer/").get_data(as_text=True))


def _propose(client, token: str, consumer: str = "gor", rho: str = "2,5"):  # type: ignore[no-untyped-def]
    return client.post("/beheer/budgetten", data={"csrf_token": token, "consumer": consumer,
                                                  "year": str(YEAR), "rho": rho})


def _pending_id(services) -> str:  # type: ignore[no-untyped-def]
    (proposal,) = services.approvals.pending()
    return proposal.id


def _log(services) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(e.actor, e.action, e.subject) for e in reversed(services.audit.page(1, 100).entries)]


def test_a_budget_without_a_second_admin_changes_nothing(client, login, csrf_from, services):
    admin, token = admin_csrf(client, login, csrf_from)
    response = _propose(client, token)
    assert response.status_code == 302 and response.headers["Location"] == "/beheer/goedkeuringen"
    assert services.ledger.status("gor", YEAR).total == 0
    page = client.get("/beheer/goedkeuringen").get_data(as_text=True)
    assert f"Aandeel van Groepsondernemingsraad Rijk (GOR) voor {YEAR}: rho 2.5" in page
    assert "Uw eigen voorstel: een andere beheerder moet het goedkeuren." in page
    # Posting the approval anyway is refused, and still nothing changes.
    approval = _pending_id(services)
    answer = client.post(f"/beheer/goedkeuringen/{approval}/goedkeuren",
                         data={"csrf_token": token}, follow_redirects=True)
    assert "U kunt uw eigen voorstel niet goedkeuren" in answer.get_data(as_text=True)
    assert services.ledger.status("gor", YEAR).total == 0
    assert _log(services) == [(admin.username, "budget_proposed", f"approval:{approval}")]


def test_a_second_admin_approves_and_both_steps_are_logged(app, client, login, csrf_from,
                                                           make_user, services):
    first, token = admin_csrf(client, login, csrf_from)
    _propose(client, token)
    approval = _pending_id(services)
    second, other, other_token = _second_admin(app, make_user, csrf_from)
    page = other.get("/beheer/goedkeuringen").get_data(as_text=True)
    assert f'action="/beheer/goedkeuringen/{approval}/goedkeuren"' in page
    response = other.post(f"/beheer/goedkeuringen/{approval}/goedkeuren",
                          data={"csrf_token": other_token}, follow_redirects=True)
    assert (f"Goedgekeurd: het aandeel van Groepsondernemingsraad Rijk (GOR) voor {YEAR} is nu "
            "rho 2.5; besteed 0, resterend 2.5.") in response.get_data(as_text=True)
    assert services.ledger.status("gor", YEAR).total == Fraction(5, 2)
    assert _log(services) == [
        (first.username, "budget_proposed", f"approval:{approval}"),
        (second.username, "approval_approved", f"approval:{approval}"),
        (second.username, "budget_allocated", "consumer:gor"),
    ]
    assert services.audit.verify().intact
    # Approving again changes nothing more.
    again = other.post(f"/beheer/goedkeuringen/{approval}/goedkeuren",
                       data={"csrf_token": other_token}, follow_redirects=True)
    assert "Dit voorstel is al goedgekeurd." in again.get_data(as_text=True)
    assert len(_log(services)) == 3


def test_a_rejected_budget_never_takes_effect(app, client, login, csrf_from, make_user, services):
    _, token = admin_csrf(client, login, csrf_from)
    _propose(client, token, "or:MIN-A", "1/3")
    approval = _pending_id(services)
    second, other, other_token = _second_admin(app, make_user, csrf_from)
    response = other.post(f"/beheer/goedkeuringen/{approval}/afwijzen",
                          data={"csrf_token": other_token}, follow_redirects=True)
    assert "Afgewezen:" in response.get_data(as_text=True)
    assert services.ledger.status("or:MIN-A", YEAR).total == 0
    assert _log(services)[-1] == (second.username, "approval_rejected", f"approval:{approval}")
    with services.db.session() as session:
        assert session.scalars(select(PendingApproval.status)).all() == ["rejected"]


def test_an_approval_the_ledger_refuses_now_leaves_the_proposal_waiting(
        app, client, login, csrf_from, make_user, services):
    _, token = admin_csrf(client, login, csrf_from)
    cap = services.ledger.cap(YEAR).rho
    _propose(client, token, "gor", str(cap))
    approval = _pending_id(services)
    services.ledger.set_budget("or:MIN-A", YEAR, "1")  # the cap fills up meanwhile
    _, other, other_token = _second_admin(app, make_user, csrf_from)
    response = other.post(f"/beheer/goedkeuringen/{approval}/goedkeuren",
                          data={"csrf_token": other_token}, follow_redirects=True)
    assert "Niet uitgevoerd; het voorstel wacht nog:" in response.get_data(as_text=True)
    assert services.ledger.status("gor", YEAR).total == 0
    assert _pending_id(services) == approval
    assert [action for _, action, _ in _log(services)] == ["budget_proposed"]


def test_tokens_made_and_revoked_are_logged_by_id_not_by_label(client, login, csrf_from,
                                                                make_user, services):
    admin, token = admin_csrf(client, login, csrf_from)
    adviser, _ = make_user(Role.ADVISER, "MIN-A")
    client.post(f"/beheer/gebruikers/{adviser.account_id}/tokens",
                data={"csrf_token": token, "label": "zaaksysteem van team noord"})
    account = next(a for a in services.accounts.list_users() if a["id"] == adviser.account_id)
    (made,) = account["tokens"]
    client.post(f"/beheer/gebruikers/{adviser.account_id}/tokens/{made['id']}/intrekken",
                data={"csrf_token": token})
    entries = services.audit.page(1, 10).entries
    assert [(e.actor, e.action, e.subject, e.detail) for e in reversed(entries)] == [
        (admin.username, "token_created", f"account:{adviser.username}", {"token_id": made["id"]}),
        (admin.username, "token_revoked", f"account:{adviser.username}", {"token_id": made["id"]}),
    ]
    assert "team noord" not in str(entries)


def test_the_admin_audit_page_shows_the_chain_and_a_removed_entry(client, login, csrf_from,
                                                                  services):
    _, token = admin_csrf(client, login, csrf_from)
    for rho in ("0.1", "0.2", "0.3"):
        _propose(client, token, "gor", rho)
    html = client.get("/beheer/auditlog").get_data(as_text=True)
    assert "De keten is intact: alle 3 ingangen sluiten op elkaar aan." in html
    assert html.count("Privacybudget voorgesteld") == 3
    with services.db.session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    html = client.get("/beheer/auditlog").get_data(as_text=True)
    assert "Ingang 2 ontbreekt of is gewijzigd." in html
    for bad in ("0", "abc", "²", "9" * 50):
        assert client.get(f"/beheer/auditlog?pagina={bad}").status_code == 422, bad


def test_no_client_address_reaches_the_log(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    address = "203.0.113.77"
    client.post("/beheer/budgetten", data={"csrf_token": token, "consumer": "gor",
                                           "year": str(YEAR), "rho": "0.1"},
                environ_base={"REMOTE_ADDR": address},
                headers={"X-Forwarded-For": address})
    with services.db.session() as session:
        rows = session.scalars(select(AuditEntry)).all()
        assert rows
        assert not any(address in f"{r.actor}{r.subject}{r.detail}" for r in rows)


def test_an_account_that_sees_figures_waits_for_a_second_admin(app, client, login, csrf_from,
                                                               make_user, services):
    first, token = admin_csrf(client, login, csrf_from)
    response = client.post("/beheer/gebruikers/nieuw", data={
        "csrf_token": token, "username": "gor.nieuw", "role": "gor"})
    assert response.status_code == 302 and response.headers["Location"] == "/beheer/goedkeuringen"
    assert "gor.nieuw" not in {a["username"] for a in services.accounts.list_users()}
    approval = _pending_id(services)
    page = client.get("/beheer/goedkeuringen").get_data(as_text=True)
    assert "Nieuw account gor.nieuw met de rol Groepsondernemingsraad Rijk (GOR)" in page
    client.post(f"/beheer/goedkeuringen/{approval}/goedkeuren", data={"csrf_token": token})
    assert "gor.nieuw" not in {a["username"] for a in services.accounts.list_users()}
    # The same name cannot be proposed twice, nor a name that exists.
    again = client.post("/beheer/gebruikers/nieuw", data={
        "csrf_token": token, "username": "gor.nieuw", "role": "gor"})
    assert again.status_code == 409
    assert "wacht al een voorstel" in again.get_data(as_text=True)

    second, other, other_token = _second_admin(app, make_user, csrf_from)
    html = other.post(f"/beheer/goedkeuringen/{approval}/goedkeuren",
                      data={"csrf_token": other_token}).get_data(as_text=True)
    assert "Activeringslink voor gor.nieuw" in html and "/activeren/" in html
    assert services.accounts.by_username("gor.nieuw").role is Role.CENTRAL_WORKS_COUNCIL
    assert _log(services) == [
        (first.username, "approval_proposed", f"approval:{approval}"),
        (second.username, "approval_approved", f"approval:{approval}"),
        (second.username, "account_created", "account:gor.nieuw"),
    ]
    taken = client.post("/beheer/gebruikers/nieuw", data={
        "csrf_token": token, "username": "gor.nieuw", "role": "gor"})
    assert taken.status_code == 409
    assert "Deze gebruikersnaam bestaat al." in taken.get_data(as_text=True)


def test_every_account_change_an_admin_makes_alone_is_logged(client, login, csrf_from,
                                                             services):
    admin, token = admin_csrf(client, login, csrf_from)
    response = client.post("/beheer/gebruikers/nieuw", data={
        "csrf_token": token, "username": "vp.noord", "role": "adviser",
        "organisation": "MIN-A", "default_channel": "vp_intern"})
    assert response.status_code == 200  # an adviser sees no figures: no second admin needed
    adviser = services.accounts.by_username("vp.noord")
    base = f"/beheer/gebruikers/{adviser.account_id}"
    client.post(f"{base}/actief", data={"csrf_token": token, "active": "0"})
    client.post(f"{base}/actief", data={"csrf_token": token, "active": "1"})
    client.post(f"{base}/wachtwoord", data={"csrf_token": token})
    client.post(f"{base}/tweestapsverificatie", data={"csrf_token": token})
    entries = list(reversed(services.audit.page(1, 20).entries))
    assert [(e.actor, e.action, e.subject) for e in entries] == [
        (admin.username, action, "account:vp.noord") for action in (
            "account_created", "account_deactivated", "account_activated", "password_reset",
            "mfa_reset")]
    assert entries[0].detail == {"role": "adviser", "organisation": "MIN-A",
                                 "default_channel": "vp_intern"}
    assert services.audit.verify().intact
