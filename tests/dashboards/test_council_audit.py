"""The works councils read the administration's audit log, with the chain's state on top; other
roles do not. Logging a signal never writes to it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from registry.accounts import Role
from registry.audit import AuditAction
from registry.governance_models import AuditEntry
from tests.intake_adapters.test_api_contract import valid_signal


def _fill(services, count: int) -> None:  # type: ignore[no-untyped-def]
    for number in range(count):
        services.audit.append("beheerder-a", AuditAction.BUDGET_ALLOCATED, "consumer:gor",
                              {"consumer": "gor", "year": 2026, "rho": f"0.{number + 1}"})


@pytest.mark.parametrize("role", [Role.WORKS_COUNCIL, Role.CENTRAL_WORKS_COUNCIL])
def test_the_councils_see_the_log_newest_first_with_the_chain(client, login, services, role):
    _fill(services, 3)
    services.audit.append("cli", AuditAction.CAP_CHANGED, "year:2026",
                          {"year": 2026, "epsilon": "5", "previous_epsilon": "4"})
    services.audit.append("po-a", AuditAction.ACTION_ADDED, "action:x",
                          {"organisation": "MIN-A", "owner_role": "po_hr", "status": "gepland"})
    login(role, "MIN-A")
    response = client.get("/raad/auditlog")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "De keten is intact: alle 5 ingangen sluiten op elkaar aan." in html
    assert html.index('data-seq="4"') < html.index('data-seq="1"')
    assert "Jaarplafond gewijzigd" in html and "opdrachtregel (cli)" in html
    assert "Privacybudget toegekend" in html and "aandeel (rho): 0,3" in html
    # Codes in words: the consumer by name, never "gor" or "or:MIN-A" as stored.
    assert "afnemer: Groepsondernemingsraad Rijk (GOR)" in html and "afnemer: gor" not in html
    assert "rol die de actie trekt: P&amp;O / HR" in html
    assert 'href="/raad/auditlog" aria-current="page"' in html


def test_the_json_copy_holds_the_chain_and_the_entries(client, login, services):
    _fill(services, 2)
    login(Role.WORKS_COUNCIL, "MIN-A")
    body = client.get("/raad/auditlog.json").get_json()
    assert body["chain"]["intact"] is True and body["chain"]["entries"] == 2
    assert [e["seq"] for e in body["entries"]] == [2, 1]
    assert body["entries"][0]["detail"] == {"consumer": "gor", "year": 2026, "rho": "0.2"}
    assert body["chain"]["head_hash"] == body["entries"][0]["entry_hash"]


def test_an_altered_entry_is_named_to_the_council(client, login, services):
    _fill(services, 3)
    with services.db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(
            detail='{"consumer":"gor","rho":"9","year":2026}'))
    login(Role.CENTRAL_WORKS_COUNCIL, None)
    html = client.get("/raad/auditlog").get_data(as_text=True)
    assert "Ingang 2 ontbreekt of is gewijzigd." in html
    assert client.get("/raad/auditlog.json").get_json()["chain"]["broken_seq"] == 2


@pytest.mark.parametrize("role", [Role.ADVISER, Role.PREVENTION_OFFICER, Role.RESEARCHER])
def test_other_roles_do_not_see_the_log(client, login, services, role):
    _fill(services, 1)
    login(role, "MIN-A")
    assert client.get("/raad/auditlog").status_code == 403
    assert client.get("/raad/auditlog.json").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/raad/auditlog")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_bad_page_number_gets_a_message(client, login):
    login(Role.WORKS_COUNCIL, "MIN-A")
    for bad in ("0", "-1", "een", "9" * 40):
        response = client.get(f"/raad/auditlog?pagina={bad}")
        assert response.status_code == 422, bad
        assert "Kies een paginanummer vanaf 1." in response.get_data(as_text=True)


def test_logging_a_signal_writes_nothing_to_the_audit_log(client, make_token, services):
    response = client.post("/api/v1/signals", json=valid_signal(), headers=make_token())
    assert response.status_code == 201
    with services.db.session() as session:
        assert session.scalars(select(AuditEntry)).all() == []
