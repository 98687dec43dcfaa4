"""The rate limiter's client names (an hourly one-way key) and its store shared by all workers."""

from __future__ import annotations

import copy
import os
import re
import secrets

import pytest

from intake_adapters.meldknop.work import solve
from registry.organisations import parse_org_csv
from server.app import create_app
from server.limiter import HOUR, HourlyKey
from server.migrations import upgrade
from tests.conftest import FIXTURES

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_same_hour_gives_the_same_tag_and_the_next_hour_another():
    clock = Clock(100 * HOUR + 5)
    key = HourlyKey(clock)
    first = key.tag("client", "192.0.2.1")
    clock.now += HOUR - 10  # still the same hour
    assert key.tag("client", "192.0.2.1") == first
    assert key.tag("client", "192.0.2.2") != first
    assert key.tag("other", "192.0.2.1") != first
    clock.now += 10  # the next hour
    assert key.tag("client", "192.0.2.1") != first


def test_the_old_key_is_not_kept_and_cannot_be_recomputed():
    clock = Clock(7 * HOUR)
    key = HourlyKey(clock)
    old = key.current()
    clock.now += 3 * HOUR
    new = key.current()
    assert new != old
    held = [value for value in vars(key).values() if isinstance(value, bytes)]
    assert held == [new]
    # Two workers forked from one key agree; a key made apart from it does not.
    assert HourlyKey(clock).current() != new


def test_workers_forked_from_one_key_agree_within_the_hour():
    clock = Clock(3 * HOUR)
    parent = HourlyKey(clock)
    worker_a, worker_b = parent, copy.copy(parent)  # what fork gives each worker
    clock.now += 2 * HOUR
    assert worker_a.tag("client", "x") == worker_b.tag("client", "x")


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_url() -> str:
    if not _redis_reachable():
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but Redis at {REDIS_URL} is not reachable")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable (start redis-server or set "
                    "TEST_REDIS_URL); the shared-store test needs it")
    return REDIS_URL


def _worker(settings: dict[str, object]):  # type: ignore[no-untyped-def]
    app = create_app(settings)
    services = app.extensions["signal_registry"]
    upgrade(services.db.engine)
    return app, services


def _post(client, address: str):  # type: ignore[no-untyped-def]
    environ = {"REMOTE_ADDR": address}
    page = client.get("/meldknop", environ_base=environ).get_data(as_text=True)
    challenge = re.search(r'name="challenge" value="([^"]+)"', page).group(1)
    bits = int(re.search(r'data-work-bits="(\d+)"', page).group(1))
    return client.post("/meldknop", environ_base=environ, data={
        "categories": ["pesten"], "organisation": "MIN-A", "challenge": challenge,
        "nonce": solve(challenge, bits)})


def test_two_workers_on_one_redis_store_share_a_clients_counter(settings_overrides, redis_url):
    settings = {**settings_overrides, "csrf": False, "rate_limit_storage": redis_url,
                "meldknop_rate_limit": "2 per hour",
                # A deployment's workers share one secret key; a fresh one keeps this test's
                # counters apart from any other on the same Redis.
                "secret_key": secrets.token_hex(16)}
    first, services = _worker(settings)
    services.replace_org(parse_org_csv((FIXTURES / "org-small.csv").read_text()))
    second, other_services = _worker(settings)
    # gunicorn forks the workers after the app (and its hourly key) is made: they share it.
    second.extensions["hourly_key"] = first.extensions["hourly_key"]
    try:
        assert _post(first.test_client(), "192.0.2.10").status_code == 200
        assert _post(second.test_client(), "192.0.2.10").status_code == 200
        refused = _post(first.test_client(), "192.0.2.10")
        assert refused.status_code == 429
        assert _post(second.test_client(), "192.0.2.10").status_code == 429
        assert _post(second.test_client(), "192.0.2.11").status_code == 200
        assert services.signals.count() == 3
    finally:
        services.db.dispose()
        other_services.db.dispose()
