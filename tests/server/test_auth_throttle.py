"""Password guessing is slowed down per name, never turned into a lockout of the real holder."""

from __future__ import annotations

import re
import secrets

import pytest
import redis
from hypothesis import given, settings
from hypothesis import strategies as st
from limits.storage import MemoryStorage

from registry.accounts import Role
from server.app import create_app
from server.login_throttle import LoginThrottle, login_throttle, normalise_name
from server.migrations import upgrade

REDIS_URL = "redis://127.0.0.1:6379"


class Clock:
    """A clock the test moves by hand, so waiting takes no time."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(app) -> Clock:  # type: ignore[no-untyped-def]
    found = Clock()
    with app.app_context():
        login_throttle().clock = found
    return found


def _attempt(client, csrf_from, username: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def test_spellings_of_one_name_share_one_throttle(client, make_user, csrf_from, clock):
    _, password = make_user(Role.WORKS_COUNCIL, "MIN-A", username="demo-or")
    for spelling in (" demo-or", "demo-or ", "DEMO-OR"):
        assert _attempt(client, csrf_from, spelling, "verkeerd wachtwoord").status_code == 400
    # Three failures under three spellings: the fourth attempt waits, whatever its spelling.
    waiting = _attempt(client, csrf_from, "Demo-Or", password)
    assert waiting.status_code == 429
    assert "Wacht nog 2 seconden" in waiting.get_data(as_text=True)
    clock.advance(2)
    assert _attempt(client, csrf_from, " demo-or ", password).status_code == 302


def test_the_right_password_works_after_the_wait_and_there_is_no_lockout(app, client, make_user,
                                                                        csrf_from, clock):
    _, password = make_user(Role.RESEARCHER, None, username="onderzoek.doelwit")
    waits = []
    for _ in range(25):
        response = _attempt(client, csrf_from, "onderzoek.doelwit", "gok " + secrets.token_hex(4))
        if response.status_code == 429:
            waits.append(_seconds(response))
            clock.advance(_seconds(response))
            response = _attempt(client, csrf_from, "onderzoek.doelwit", "nog een gok")
        assert response.status_code == 400
    # Each wait is at least as long as the one before, and never longer than five minutes.
    assert waits == sorted(waits) and waits[-1] == 300
    # The holder waits at most five minutes, never an hour, and then gets in.
    waiting = _attempt(client, csrf_from, "onderzoek.doelwit", password)
    assert waiting.status_code == 429 and _seconds(waiting) <= 300
    clock.advance(300)
    assert _attempt(client, csrf_from, "onderzoek.doelwit", password).status_code == 302


def test_a_success_forgets_the_failures(client, make_user, csrf_from, clock):
    user, password = make_user(Role.ADVISER, "MIN-A")
    for _ in range(2):
        _attempt(client, csrf_from, user.username, "fout fout fout")
    assert _attempt(client, csrf_from, user.username, password).status_code == 302
    client.post("/logout", data={"csrf_token": _csrf(client, csrf_from)})
    # Three free attempts again, counted from zero; then the wait starts over at its first step.
    for _ in range(3):
        assert _attempt(client, csrf_from, user.username, "fout fout fout").status_code == 400
    assert _seconds(_attempt(client, csrf_from, user.username, password)) == 2


def test_guessing_one_name_does_not_slow_down_another(client, make_user, csrf_from, clock):
    user, password = make_user(Role.ADVISER, "MIN-A")
    for _ in range(4):
        _attempt(client, csrf_from, "iemand.anders", "gok gok gok")
    assert _attempt(client, csrf_from, "iemand.anders", "gok gok gok").status_code == 429
    assert _attempt(client, csrf_from, user.username, password).status_code == 302


def test_the_store_holds_no_name(app, make_user, csrf_from, client, clock):
    _attempt(client, csrf_from, "geheime.naam", "gok gok gok")
    storage = login_throttle_of(app).storage
    keys = " ".join(str(key) for key in storage.storage)  # type: ignore[attr-defined]
    assert "login-throttle" in keys and "geheime" not in keys


def test_all_workers_share_the_count_through_redis(settings_overrides, make_user):
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        pytest.skip("no Redis at " + REDIS_URL)
    shared = {**settings_overrides, "rate_limit_storage": REDIS_URL,
              "secret_key": "redis-test-" + secrets.token_hex(8)}
    workers = [create_app(shared), create_app(shared)]
    upgrade(workers[0].extensions["signal_registry"].db.engine)
    clock = Clock()
    for worker in workers:
        with worker.app_context():
            login_throttle().clock = clock
    username = "gedeeld-" + secrets.token_hex(3)
    try:
        for attempt in range(4):
            client = workers[attempt % 2].test_client()
            statuses = client.post("/login", data={"username": username, "password": "gok gok",
                                                   "csrf_token": _csrf(client, _csrf_from)})
            expected = 400 if attempt < 3 else 429
            assert statuses.status_code == expected, attempt
    finally:
        with workers[0].app_context():
            login_throttle().succeeded("password", username)
        for worker in workers:
            worker.extensions["signal_registry"].db.dispose()


@settings(max_examples=60, deadline=None)
@given(failures=st.integers(min_value=0, max_value=60))
def test_any_number_of_failures_costs_the_holder_at_most_the_longest_wait(failures):
    clock = Clock()
    throttle = LoginThrottle(MemoryStorage(), b"k" * 32, clock=clock)
    for _ in range(failures):
        wait = throttle.begin("password", "naam")
        if wait is not None:
            assert 1 <= wait.seconds <= throttle.max_delay
            clock.advance(wait.seconds)
            assert throttle.begin("password", "naam") is None
    clock.advance(throttle.max_delay)
    assert throttle.begin("password", "naam") is None


@given(name=st.text(alphabet="abcdemo-.", min_size=1, max_size=20),
       before=st.text(alphabet=" \t\u3000", max_size=3), after=st.text(alphabet=" \t", max_size=3))
def test_surrounding_space_and_case_never_make_a_new_name(name, before, after):
    assert normalise_name(before + name.upper() + after) == normalise_name(name)


def test_the_delays_double_from_the_first_and_stop_at_the_ceiling():
    throttle = LoginThrottle(MemoryStorage(), b"k" * 32)
    assert [throttle.delay_after(n) for n in range(0, 12)] == [0, 0, 0, 2, 4, 8, 16, 32, 64, 128,
                                                               256, 300]


def _seconds(response) -> int:  # type: ignore[no-untyped-def]
    """The wait the page tells, in seconds. (Retry-After is the overall limit's window.)"""
    found = re.search(r"Wacht nog (\d+) seconden?", response.get_data(as_text=True))
    assert found is not None
    return int(found.group(1))


def login_throttle_of(app) -> LoginThrottle:  # type: ignore[no-untyped-def]
    with app.app_context():
        return login_throttle()


def _csrf(client, csrf_from) -> str:  # type: ignore[no-untyped-def]
    return csrf_from(client.get("/login").get_data(as_text=True))


def _csrf_from(html: str) -> str:
    return html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
