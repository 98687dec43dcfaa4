"""Another role for an account: the new-account rules, nothing the same, sessions end, tokens
are revoked, and a refused change leaves everything as it was; approved through four eyes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.accounts import Role, hash_token
from registry.approvals import ApprovalKind
from registry.errors import Forbidden, ValidationFailed
from registry.models import Account, ApiToken
from registry.role_changes import SAME_ROLE, change_role, check_role_change

KNOWN = frozenset({"MIN-A", "MIN-B"})


def _row(services, account_id: str) -> tuple[str, str | None, str | None, str | None, int]:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        a = session.get(Account, account_id)
        return a.role, a.organisation, a.project, a.default_channel, a.session_version


def _revoked(services, account_id: str) -> list[bool]:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        return sorted(session.scalars(select(ApiToken.revoked)
                                      .where(ApiToken.account_id == account_id)).all())


def test_a_change_updates_the_scope_ends_sessions_and_revokes_live_tokens(services, make_user):
    adviser, _ = make_user(Role.ADVISER, "MIN-A")
    token = services.accounts.create_token(adviser.account_id, "zaaksysteem")
    old = services.accounts.create_token(adviser.account_id, "oud")
    with services.db.session() as session:
        old_id = session.scalar(select(ApiToken.id).where(ApiToken.token_hash == hash_token(old)))
    services.accounts.revoke_token(old_id)
    version = services.accounts.session_version(adviser.account_id)
    with services.db.session() as session:
        change = change_role(session, adviser.account_id, "researcher", project="werkdruk-2026",
                             known_organisations=KNOWN)
    assert _row(services, adviser.account_id) == ("researcher", None, "werkdruk-2026", None,
                                                  version + 1)
    assert services.accounts.for_session(adviser.account_id, version) is None
    assert _revoked(services, adviser.account_id) == [True, True]
    assert services.accounts.resolve_token(token) is None
    assert services.accounts.resolve_token(old) is None
    # Only the token that still worked counts as revoked by the change.
    assert change.tokens_revoked == 1
    assert change.detail() == {"previous_role": "adviser", "role": "researcher",
                               "previous_organisation": "MIN-A", "project": "werkdruk-2026",
                               "tokens_revoked": 1}


@pytest.mark.parametrize(("role", "organisation", "project", "field", "message"), [
    ("koning", None, None, "role", "Onbekende rol"),
    ("or", None, None, "organisation", "Deze rol hoort bij een organisatie."),
    ("or", "MIN-Z", None, "organisation", "Deze organisatie bestaat niet."),
    ("researcher", None, None, "project", "Een onderzoeker hoort bij een onderzoeksproject."),
    ("researcher", None, "Werk Druk", "project", "Gebruik 2-64 kleine letters"),
    ("gor", None, "werkdruk-2026", "project", "Alleen onderzoekers horen bij"),
])
def test_a_refused_change_says_why_in_dutch_and_changes_nothing(services, make_user, role,
                                                              organisation, project, field,
                                                              message):
    adviser, _ = make_user(Role.ADVISER, "MIN-A")
    token = services.accounts.create_token(adviser.account_id, "zaaksysteem")
    before = _row(services, adviser.account_id)
    with pytest.raises(ValidationFailed) as refused, services.db.session() as session:
        change_role(session, adviser.account_id, role, organisation, project,
                    known_organisations=KNOWN)
    assert [e.field for e in refused.value.errors] == [field]
    assert message in refused.value.errors[0].message
    assert _row(services, adviser.account_id) == before
    assert services.accounts.resolve_token(token) == adviser


def test_the_same_role_and_scope_is_refused_but_another_organisation_is_a_change(services,
                                                                                 make_user):
    adviser, _ = make_user(Role.ADVISER, "MIN-A", default_channel="vp_intern")
    same = check_role_change(adviser, "adviser", "MIN-A", None, "vp_intern", KNOWN)
    assert [(e.field, e.message) for e in same] == [("role", SAME_ROLE)]
    assert check_role_change(adviser, "adviser", "MIN-B", None, "vp_intern", KNOWN) == []
    assert check_role_change(adviser, "adviser", "MIN-A", None, None, KNOWN) == []


def test_an_approved_change_happens_in_the_approvals_transaction_with_its_entry(services,
                                                                                make_user):
    adviser, _ = make_user(Role.ADVISER, "MIN-A")
    token = services.accounts.create_token(adviser.account_id, "zaaksysteem")
    with services.db.session(immediate=True) as session:
        proposal = services.approvals.propose(session, ApprovalKind.GRANT_FIGURE_ROLE, {
            "operation": "change_role", "username": adviser.username, "role": "or",
            "organisation": "MIN-B"}, "beheerder-a")
    assert services.accounts.by_username(adviser.username).role is Role.ADVISER
    outcome = services.approvals.approve(proposal.id, "beheerder-b")
    assert outcome.result["change"].role is Role.WORKS_COUNCIL
    assert services.accounts.by_username(adviser.username).organisation == "MIN-B"
    assert services.accounts.resolve_token(token) is None
    entry = services.audit.page(1, 10).entries[0]
    assert (entry.actor, entry.action, entry.subject) == ("beheerder-b", "role_changed",
                                                          f"account:{adviser.username}")
    assert entry.detail == {"previous_role": "adviser", "role": "or",
                            "previous_organisation": "MIN-A", "organisation": "MIN-B",
                            "tokens_revoked": 1, "approval": proposal.id,
                            "proposed_by": "beheerder-a"}


def test_nobody_approves_a_change_of_their_own_role(services, make_user):
    admin, _ = make_user(Role.ADMIN, None)
    with services.db.session(immediate=True) as session:
        proposal = services.approvals.propose(session, ApprovalKind.GRANT_FIGURE_ROLE, {
            "operation": "change_role", "username": admin.username, "role": "gor"},
            "beheerder-a")
    with pytest.raises(Forbidden, match="eigen rol"):
        services.approvals.approve(proposal.id, admin.username)
    assert services.accounts.by_username(admin.username).role is Role.ADMIN
    assert [p.id for p in services.approvals.pending()] == [proposal.id]


def test_an_approval_that_no_longer_fits_changes_nothing_and_stays_pending(services, make_user):
    adviser, _ = make_user(Role.ADVISER, "MIN-A")
    with services.db.session(immediate=True) as session:
        proposal = services.approvals.propose(session, ApprovalKind.GRANT_FIGURE_ROLE, {
            "operation": "change_role", "username": adviser.username, "role": "or",
            "organisation": "MIN-GONE"}, "beheerder-a")
    with pytest.raises(ValidationFailed):
        services.approvals.approve(proposal.id, "beheerder-b")
    assert services.accounts.by_username(adviser.username).role is Role.ADVISER
    assert [p.id for p in services.approvals.pending()] == [proposal.id]
