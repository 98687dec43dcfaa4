"""Security events the registry logs by itself: a throttled sign-in on an account, once per
episode, and never a name that is not an account."""

from __future__ import annotations

from datetime import timedelta

import pytest

from registry.accounts import Role
from registry.audit import AuditAction
from server.login_throttle import login_throttle
from tests.server.test_auth_throttle import _attempt


@pytest.fixture
def frozen(app) -> None:  # type: ignore[no-untyped-def]
    """The throttle's clock stands still, so a wait never runs out during a test."""
    with app.app_context():
        login_throttle().clock = lambda: 1_800_000_000.0


def _throttled(services) -> list[tuple[str, str, dict]]:  # type: ignore[no-untyped-def]
    return [(e.actor, e.subject, e.detail) for e in services.audit.page(1, 50).entries
            if e.action == AuditAction.LOGIN_FAILED_THROTTLED]


def test_a_throttled_account_is_logged_once_per_episode(client, make_user, csrf_from, frozen,
                                                        services):
    make_user(Role.WORKS_COUNCIL, "MIN-A", username="or.noord")
    for _ in range(3):
        assert _attempt(client, csrf_from, "or.noord", "verkeerd wachtwoord").status_code == 400
    assert _throttled(services) == []
    for _ in range(4):
        assert _attempt(client, csrf_from, "or.noord", "verkeerd wachtwoord").status_code == 429
    assert _throttled(services) == [("system", "account:or.noord", {"step": "password"})]


def test_a_name_that_is_no_account_never_reaches_the_log(client, csrf_from, frozen,
                                                          services):
    for _ in range(5):
        _attempt(client, csrf_from, "zomer2026", "verkeerd wachtwoord")
    assert _throttled(services) == []
    assert services.audit.verify().entries == 0


def test_append_once_waits_for_the_episode_to_end(services):
    log = services.audit
    hour = timedelta(hours=1)
    first = log.append_once("system", AuditAction.LOGIN_FAILED_THROTTLED, "account:a", hour)
    assert first is not None
    assert log.append_once("system", AuditAction.LOGIN_FAILED_THROTTLED, "account:a", hour) is None
    assert log.append_once("system", AuditAction.LOGIN_FAILED_THROTTLED, "account:b", hour)
    assert log.verify().entries == 2
