"""API tokens expire after api_token_days; an expired one is refused with a clear JSON error."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from registry.accounts import AccountPolicy, AccountService, Role, TokenProblem
from registry.models import ApiToken
from registry.notices import NoticeKind


def test_a_token_gets_its_creation_day_and_expiry(services, make_user):
    user, _ = make_user(Role.ADVISER, "MIN-A")
    services.accounts.create_token(user.account_id, "zaaksysteem")
    with services.db.session() as session:
        row = session.scalars(select(ApiToken)).one()
        assert row.created_on == date.today()
        assert row.expires_on == date.today() + timedelta(days=services.settings.api_token_days)


def test_an_expired_token_is_refused_and_a_live_one_accepted(services, make_user):
    user, _ = make_user(Role.ADVISER, "MIN-A")
    days = services.settings.api_token_days
    old = services.accounts.create_token(user.account_id, "oud", today=date.today() - timedelta(days=days))
    live = services.accounts.create_token(user.account_id, "nieuw",
                                          today=date.today() - timedelta(days=days - 1))
    check = services.accounts.check_token(old)
    assert check.principal is None and check.problem is TokenProblem.EXPIRED
    assert check.expires_on == date.today()
    assert services.accounts.resolve_token(old) is None
    assert services.accounts.resolve_token(live) == user


def test_the_api_says_in_json_that_the_token_expired(client, services, make_user):
    user, _ = make_user(Role.ADVISER, "MIN-A")
    token = services.accounts.create_token(user.account_id, "oud",
                                           today=date.today() - timedelta(days=400))
    response = client.post("/api/v1/case-tokens", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 401
    assert "verlopen" in body["errors"][0]["message"]


def test_a_revoked_token_stays_refused_whatever_its_expiry(services, make_user):
    user, _ = make_user(Role.RESEARCHER, None)
    token = services.accounts.create_token(user.account_id, "script")
    token_id = services.accounts.list_users()[0]["tokens"][0]["id"]
    services.accounts.revoke_token(token_id)
    assert services.accounts.check_token(token).problem is TokenProblem.REVOKED


def test_creating_a_token_leaves_a_notice_for_the_holder(services, make_user):
    user, _ = make_user(Role.ADVISER, "MIN-A")
    services.accounts.create_token(user.account_id, "zaaksysteem")
    assert [n.kind for n in services.notices.unseen(user.account_id)] == [NoticeKind.TOKEN_CREATED]


def test_the_admin_list_shows_each_tokens_expiry(client, login, csrf_from, services, make_user):
    login(Role.ADMIN, None)
    user, _ = make_user(Role.ADVISER, "MIN-A")
    services.accounts.create_token(user.account_id, "zaaksysteem")
    services.accounts.create_token(user.account_id, "verlopen", today=date.today() - timedelta(days=999))
    page = client.get(f"/beheer/gebruikers/{user.account_id}").get_data(as_text=True)
    assert "Verloopt op" in page
    expiry = date.today() + timedelta(days=services.settings.api_token_days)
    assert f"{expiry.day} " in page and str(expiry.year) in page
    assert "Verlopen" in page


# One account for all examples: each example only adds a token to it.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=st.integers(min_value=1, max_value=3650), age=st.integers(min_value=0, max_value=4000))
def test_a_token_works_exactly_until_its_expiry_day(services, days, age):
    accounts = AccountService(services.db, AccountPolicy(api_token_days=days))
    user = _account(services)
    token = accounts.create_token(user.account_id, "t", today=date.today() - timedelta(days=age))
    assert (accounts.resolve_token(token) is not None) == (age < days)


def _account(services):  # type: ignore[no-untyped-def]
    found = [u for u in services.accounts.list_users() if u["username"] == "eigenschap"]
    if found:
        return services.accounts.by_username("eigenschap")
    principal, _ = services.accounts.create_user("eigenschap", "adviser", organisation="MIN-A")
    return principal
