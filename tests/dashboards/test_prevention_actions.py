"""The action register (PDCA): the prevention officer keeps it, validated (a short title without
personal data, an owner role from the code list, a due month, a status); the works council reads
it; nobody else may change it, and nothing is stored from a refused form."""

from __future__ import annotations

import pytest

from registry.accounts import Role

VALID = {"title": "Training omgangsvormen voor alle teams in 2026", "owner_role": "po_hr",
         "due_month": "2026-06", "status": "gepland"}


def stored(services, organisation: str = "MIN-A"):  # type: ignore[no-untyped-def]
    return services.actions.list(organisation)


def post(client, csrf_from, url: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/dashboard/acties").get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_the_officer_adds_changes_and_removes_an_action(client, services, login, csrf_from):
    login(Role.PREVENTION_OFFICER, "MIN-A")
    reply = post(client, csrf_from, "/dashboard/acties", VALID)
    assert reply.status_code == 303
    [action] = stored(services)
    assert (action.title, action.owner_role, action.due_month, action.status.value) == (
        VALID["title"], "po_hr", "2026-06", "gepland")
    page = client.get("/dashboard/acties").get_data(as_text=True)
    assert VALID["title"] in page and "P&amp;O / HR" in page
    reply = post(client, csrf_from, f"/dashboard/acties/{action.id}",
                 {**VALID, "status": "afgerond", "owner_role": "directie"})
    assert reply.status_code == 303
    assert [(a.status.value, a.owner_role) for a in stored(services)] == [("afgerond", "directie")]
    follow_up = client.get("/dashboard/opvolging").get_data(as_text=True)
    assert "Afgesproken acties" in follow_up and VALID["title"] in follow_up
    assert post(client, csrf_from, f"/dashboard/acties/{action.id}/verwijderen",
                {}).status_code == 303
    assert stored(services) == []


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"title": "Gesprek met j.jansen@minbzk.nl plannen"}, "title", "Geen e-mailadressen"),
    ({"title": "Bel 06-1234 5678 terug"}, "title", "Geen reeksen cijfers"),
    ({"title": "Dossier 123.456.782 afsluiten"}, "title", "Geen reeksen cijfers"),
    ({"title": "Nazorg geboren 12-03-1980"}, "title", "Geen reeksen cijfers"),
    ({"title": "x" * 121}, "title", "hoogstens 120 tekens"),
    ({"title": "   "}, "title", "Vul de actie in"),
    ({"owner_role": "Piet de Vries"}, "owner_role", "rol van de eigenaar"),
    ({"due_month": "juni"}, "due_month", "JJJJ-MM"),
    ({"status": "klaar"}, "status", "Kies een status"),
])
def test_a_refused_action_says_why_in_dutch_and_stores_nothing(client, services, login,
                                                               csrf_from, changes, field,
                                                               message):
    login(Role.PREVENTION_OFFICER, "MIN-A")
    reply = post(client, csrf_from, "/dashboard/acties", {**VALID, **changes})
    assert reply.status_code == 422
    assert message in reply.get_data(as_text=True)
    assert stored(services) == []


def test_a_year_and_a_short_number_are_allowed_in_a_title(client, services, login, csrf_from):
    login(Role.PREVENTION_OFFICER, "MIN-A")
    title = "RI&E 2026 bijwerken met 3 teams"
    assert post(client, csrf_from, "/dashboard/acties", {**VALID, "title": title}).status_code == 303
    assert [a.title for a in stored(services)] == [title]


@pytest.mark.parametrize("role", [Role.ADVISER, Role.WORKS_COUNCIL, Role.CENTRAL_WORKS_COUNCIL,
                                  Role.RESEARCHER, Role.ADMIN])
def test_only_the_prevention_officer_may_change_the_register(client, services, login, role,
                                                            csrf_from):
    services.actions.add("MIN-A", _record(), "preventie")
    login(role, "MIN-A")
    assert client.get("/dashboard/acties").status_code == 403
    account = client.get("/account").get_data(as_text=True)
    token = csrf_from(account) if 'name="csrf_token"' in account else ""
    [action] = stored(services)
    for url in ("/dashboard/acties", f"/dashboard/acties/{action.id}",
                f"/dashboard/acties/{action.id}/verwijderen"):
        reply = client.post(url, data={**VALID, "title": "Anders", "csrf_token": token})
        assert reply.status_code in (400, 403)
    assert [a.title for a in stored(services)] == [VALID["title"]]


def test_an_officer_cannot_touch_another_organisations_actions(client, services, login,
                                                               csrf_from):
    services.actions.add("MIN-A", _record(), "preventie")
    [action] = stored(services)
    login(Role.PREVENTION_OFFICER, "MIN-B")
    reply = post(client, csrf_from, f"/dashboard/acties/{action.id}",
                 {**VALID, "status": "vervallen"})
    assert reply.status_code == 404
    assert post(client, csrf_from, f"/dashboard/acties/{action.id}/verwijderen",
                {}).status_code == 404
    assert [a.status.value for a in stored(services)] == ["gepland"]
    assert VALID["title"] not in client.get("/dashboard/acties").get_data(as_text=True)


def test_the_works_council_reads_the_register_of_its_own_organisation(client, services, login):
    services.actions.add("MIN-A", _record(), "preventie")
    login(Role.WORKS_COUNCIL, "MIN-A")
    page = client.get("/raad/organisatie/MIN-A/opvolging")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert VALID["title"] in html and "P&amp;O / HR" in html and "Gepland" in html
    assert client.get("/raad/organisatie/MIN-B/opvolging").status_code == 403


def _record():  # type: ignore[no-untyped-def]
    from registry.actions import ActionRecord
    from registry.taxonomy.outcomes import load_outcome_codes

    return ActionRecord.from_payload(VALID, load_outcome_codes())


def test_every_change_to_the_register_is_on_the_audit_log_without_its_title(client, services,
                                                                           login, csrf_from):
    # The works council verifies the log: who added, changed and removed which action, in
    # codes only (the title is free text and stays out), and the chain stays intact.
    login(Role.PREVENTION_OFFICER, "MIN-A")
    post(client, csrf_from, "/dashboard/acties", VALID)
    [action] = stored(services)
    post(client, csrf_from, f"/dashboard/acties/{action.id}", {**VALID, "status": "afgerond"})
    post(client, csrf_from, f"/dashboard/acties/{action.id}/verwijderen", {})
    entries = [e for e in services.audit.page(1).entries if e.subject == f"action:{action.id}"]
    assert sorted(e.action for e in entries) == ["action_added", "action_changed",
                                                 "action_removed"]
    assert {e.detail["status"] for e in entries} == {"gepland", "afgerond"}
    assert all(e.detail["organisation"] == "MIN-A" and e.actor for e in entries)
    assert all(VALID["title"] not in str(e.as_dict()) for e in entries)
    assert services.audit.verify().intact
    council_page = client.get("/raad/auditlog")  # the officer may not read it: only councils
    assert council_page.status_code in (302, 401, 403)
