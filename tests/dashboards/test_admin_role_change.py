"""Another role for an account on the admin pages: at once for a role without figures, through a
second administrator for one with figures; sessions end and tokens are revoked either way; one's
own role, the same role and bad input are refused in Dutch with nothing stored."""

from __future__ import annotations

import html as html_lib

import pytest
from sqlalchemy import select

from registry.accounts import Role
from registry.governance_models import PendingApproval
from registry.models import Account
from tests.dashboards.test_admin_access import admin_csrf
from tests.dashboards.test_admin_approvals import _log, _pending_id, _second_admin


def _row(services, account_id: str) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        a = session.get(Account, account_id)
        return a.role, a.organisation, a.project, a.default_channel, a.session_version


def _change(client, token: str, account_id: str, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(f"/beheer/gebruikers/{account_id}/rol",
                       data={"csrf_token": token, **fields})


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html_lib.unescape(response.get_data(as_text=True))


def test_the_account_page_offers_the_role_form_with_the_current_role(client, login, csrf_from,
                                                                     make_user):
    admin, _ = admin_csrf(client, login, csrf_from)
    adviser, _ = make_user(Role.ADVISER, "MIN-B")
    page = client.get(f"/beheer/gebruikers/{adviser.account_id}").get_data(as_text=True)
    assert "Rol wijzigen" in page
    assert f'action="/beheer/gebruikers/{adviser.account_id}/rol"' in page
    assert 'id="role-adviser" name="role" value="adviser" checked' in page
    assert '<option value="MIN-B" selected>' in page
    own = client.get(f"/beheer/gebruikers/{admin.account_id}").get_data(as_text=True)
    assert "U kunt uw eigen rol niet wijzigen" in own
    assert f'action="/beheer/gebruikers/{admin.account_id}/rol"' not in own


def test_a_role_without_figures_takes_effect_at_once_ends_sessions_and_revokes_tokens(
        client, login, csrf_from, make_user, services):
    admin, token = admin_csrf(client, login, csrf_from)
    officer, _ = make_user(Role.PREVENTION_OFFICER, "MIN-A")
    api_token = services.accounts.create_token(officer.account_id, "dashboard")
    version = services.accounts.session_version(officer.account_id)
    response = _change(client, token, officer.account_id, role="adviser", organisation="MIN-B",
                       default_channel="vp_intern")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/beheer/gebruikers/{officer.account_id}"
    assert _row(services, officer.account_id) == ("adviser", "MIN-B", None, "vp_intern",
                                                  version + 1)
    assert services.accounts.for_session(officer.account_id, version) is None
    assert services.accounts.resolve_token(api_token) is None
    page = _text(client.get(response.headers["Location"]))
    assert f"De rol van {officer.username} is nu Adviseur" in page
    assert "is overal uitgelogd" in page and "zijn ingetrokken (1)" in page
    (entry,) = [e for e in services.audit.page(1, 20).entries if e.action == "role_changed"]
    assert (entry.actor, entry.subject) == (admin.username, f"account:{officer.username}")
    assert entry.detail == {"previous_role": "preventiemedewerker", "role": "adviser",
                            "previous_organisation": "MIN-A", "organisation": "MIN-B",
                            "tokens_revoked": 1}
    assert services.approvals.pending() == []
    # The audit log reads the change in words.
    log = _text(client.get("/beheer/auditlog"))
    assert "Rol gewijzigd" in log and "vorige rol" in log


def test_a_role_with_figures_waits_for_a_second_admin_who_is_not_the_proposer(
        app, client, login, csrf_from, make_user, services):
    first, token = admin_csrf(client, login, csrf_from)
    adviser, _ = make_user(Role.ADVISER, "MIN-A")
    api_token = services.accounts.create_token(adviser.account_id, "zaaksysteem")
    before = _row(services, adviser.account_id)
    response = _change(client, token, adviser.account_id, role="researcher",
                       project="werkdruk-2026")
    assert response.status_code == 302 and response.headers["Location"] == "/beheer/goedkeuringen"
    assert _row(services, adviser.account_id) == before
    assert services.accounts.resolve_token(api_token) == adviser
    approval = _pending_id(services)
    with services.db.session() as session:
        payload = session.scalar(select(PendingApproval.payload))
    assert payload == ('{"operation":"change_role","project":"werkdruk-2026",'
                       f'"role":"researcher","username":"{adviser.username}"}}')
    page = _text(client.get("/beheer/goedkeuringen"))
    assert (f"Andere rol voor account {adviser.username}: van Adviseur (vertrouwenspersoon, BMW, "
            "personeelsraadgever) naar Onderzoeker (werkdruk-2026)") in page
    assert "Uw eigen voorstel: een andere beheerder moet het goedkeuren." in page
    # The proposer cannot approve, and a second change for the account waits its turn.
    refused = client.post(f"/beheer/goedkeuringen/{approval}/goedkeuren",
                          data={"csrf_token": token}, follow_redirects=True)
    assert "U kunt uw eigen voorstel niet goedkeuren" in refused.get_data(as_text=True)
    again = _change(client, token, adviser.account_id, role="gor")
    assert again.status_code == 409 and "wacht al een voorstel" in _text(again)
    assert _row(services, adviser.account_id) == before

    second, other, other_token = _second_admin(app, make_user, csrf_from)
    done = other.post(f"/beheer/goedkeuringen/{approval}/goedkeuren",
                      data={"csrf_token": other_token}, follow_redirects=True)
    assert f"Goedgekeurd. De rol van {adviser.username} is nu Onderzoeker." in _text(done)
    assert _row(services, adviser.account_id) == ("researcher", None, "werkdruk-2026", None,
                                                  before[4] + 1)
    assert services.accounts.resolve_token(api_token) is None
    assert _log(services)[-3:] == [
        (first.username, "approval_proposed", f"approval:{approval}"),
        (second.username, "approval_approved", f"approval:{approval}"),
        (second.username, "role_changed", f"account:{adviser.username}"),
    ]
    entry = services.audit.page(1, 1).entries[0]
    assert entry.detail == {"previous_role": "adviser", "role": "researcher",
                            "previous_organisation": "MIN-A", "project": "werkdruk-2026",
                            "tokens_revoked": 1, "approval": approval,
                            "proposed_by": first.username}
    decided = _text(other.get("/beheer/goedkeuringen"))
    assert f"Andere rol voor account {adviser.username}: Onderzoeker (werkdruk-2026)" in decided


def test_an_admin_cannot_change_their_own_role(client, login, csrf_from, services):
    admin, token = admin_csrf(client, login, csrf_from)
    before = _row(services, admin.account_id)
    response = _change(client, token, admin.account_id, role="adviser", organisation="MIN-A")
    assert response.status_code == 302
    page = _text(client.get(response.headers["Location"]))
    assert "U kunt uw eigen rol niet wijzigen; vraag een andere beheerder." in page
    assert _row(services, admin.account_id) == before
    assert [e.action for e in services.audit.page(1, 20).entries] == []


def test_the_same_role_and_scope_is_a_form_error_and_nothing_is_stored(client, login, csrf_from,
                                                                       make_user, services):
    admin_csrf(client, login, csrf_from)
    token = csrf_from(client.get("/beheer/").get_data(as_text=True))
    adviser, _ = make_user(Role.ADVISER, "MIN-A", default_channel="vp_intern")
    before = _row(services, adviser.account_id)
    response = _change(client, token, adviser.account_id, role="adviser", organisation="MIN-A",
                       default_channel="vp_intern")
    assert response.status_code == 422
    page = _text(response)
    assert "De rol is niet gewijzigd" in page and "Dit account heeft deze rol al" in page
    assert _row(services, adviser.account_id) == before
    assert services.audit.page(1, 20).entries == []


@pytest.mark.parametrize(("fields", "messages"), [
    ({}, ["Kies een rol."]),
    ({"role": "koning"}, ["Onbekende rol"]),
    ({"role": "or"}, ["Deze rol hoort bij een organisatie."]),
    ({"role": "or", "organisation": "MIN-Z"}, ["Deze organisatie bestaat niet."]),
    ({"role": "gor", "organisation": "MIN-A"},
     ["Deze rol geldt voor alle organisaties; laat de organisatie leeg."]),
    ({"role": "researcher"}, ["Een onderzoeker hoort bij een onderzoeksproject."]),
    ({"role": "gor", "project": "werkdruk-2026", "default_channel": "vp_intern"},
     ["Alleen onderzoekers horen bij een onderzoeksproject.",
      "Alleen een adviseur heeft een standaardkanaal."]),
    ({"role": "adviser", "organisation": "MIN-B", "default_channel": "duif"},
     ["Kies een kanaal uit de lijst."]),
])
def test_bad_input_is_422_with_dutch_messages_and_nothing_is_stored(
        client, login, csrf_from, make_user, services, fields, messages):
    admin_csrf(client, login, csrf_from)
    token = csrf_from(client.get("/beheer/").get_data(as_text=True))
    officer, _ = make_user(Role.PREVENTION_OFFICER, "MIN-A")
    api_token = services.accounts.create_token(officer.account_id, "dashboard")
    before = _row(services, officer.account_id)
    response = _change(client, token, officer.account_id, **fields)
    assert response.status_code == 422
    page = _text(response)
    assert "De rol is niet gewijzigd" in page and "Er is niets opgeslagen." in page
    for message in messages:
        assert message in page
    assert _row(services, officer.account_id) == before
    assert services.accounts.resolve_token(api_token) == officer
    assert services.approvals.pending() == []
    assert services.audit.page(1, 20).entries == []
