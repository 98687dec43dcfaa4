"""A rate limit per API token over every token API: 429 with a JSON error list and Retry-After.

The limiter knows a token only by its keyed hourly hash (``HourlyKey.tag``); the token itself
never reaches the limiter's storage.
"""

from __future__ import annotations

import pytest

from registry.accounts import Role
from server.limiter import hourly_key, limiter

LIMIT = 3


@pytest.fixture
def settings_overrides(settings_overrides):  # type: ignore[no-untyped-def]
    return {**settings_overrides, "api_rate_limit": f"{LIMIT} per minute"}


def _too_many(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429
    body = response.get_json()
    assert body["errors"] and all({"field", "message"} <= set(e) for e in body["errors"])
    assert "Te veel verzoeken" in body["message"]
    assert int(response.headers["Retry-After"]) >= 0


def test_one_token_is_limited_over_every_token_api_together(client, make_token):
    council = make_token(Role.WORKS_COUNCIL, "MIN-A")
    # One of each: the analytics API, the research API and the intake blueprint.
    urls = ["/api/v1/checks?organisation=MIN-A", "/api/v1/budget", "/api/v1/taxonomy"]
    for url in urls:
        assert client.get(url, headers=council).status_code == 200, url
    for url in urls:
        _too_many(client.get(url, headers=council))


def test_the_signals_intake_api_is_limited_per_token(client, make_token):
    adviser = make_token(Role.ADVISER, "MIN-A")
    for _ in range(LIMIT):
        assert client.post("/api/v1/case-tokens", headers=adviser).status_code == 201
    _too_many(client.post("/api/v1/case-tokens", headers=adviser))
    _too_many(client.post("/api/v1/signals", json={}, headers=adviser))
    # Another token has a counter of its own.
    other = make_token(Role.ADVISER, "MIN-A")
    assert client.post("/api/v1/case-tokens", headers=other).status_code == 201


def test_unknown_tokens_count_too(client):
    guess = {"Authorization": "Bearer not-a-token"}
    for _ in range(LIMIT):
        assert client.get("/api/v1/budget", headers=guess).status_code == 401
    _too_many(client.get("/api/v1/budget", headers=guess))


def test_requests_without_a_token_are_not_counted_per_token(client, login):
    for _ in range(LIMIT + 2):
        assert client.get("/api/v1/taxonomy").status_code == 200
    login(Role.WORKS_COUNCIL, "MIN-A")
    for _ in range(LIMIT + 2):  # the dashboards call the analytics API with the session
        assert client.get("/api/v1/checks?organisation=MIN-A").status_code == 200


def test_the_limiter_stores_the_token_only_as_its_hourly_hash(app, client, make_token, services):
    headers = make_token(Role.WORKS_COUNCIL, "MIN-A")
    token = headers["Authorization"].split(" ", 1)[1]
    assert client.get("/api/v1/budget", headers=headers).status_code == 200
    with app.test_request_context():
        keys = [str(k) for k in limiter().storage.storage]  # memory:// in tests
        tag = hourly_key().tag("api-token", token)
    assert any(f"token:{tag}" in key for key in keys), keys
    assert not any(token in key for key in keys)


def test_the_default_rule_is_600_per_minute_per_token():
    from server.settings import Settings

    assert Settings.from_env(None).api_rate_limit == "600 per minute"


class TestDefault:
    @pytest.fixture
    def settings_overrides(self, settings_overrides):  # type: ignore[no-untyped-def]
        return {k: v for k, v in settings_overrides.items() if k != "api_rate_limit"}

    def test_the_setting_is_applied_by_default(self, client, make_token, services):
        headers = make_token(Role.ADVISER, "MIN-A")
        response = client.get("/api/v1/taxonomy", headers=headers)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == services.settings.api_rate_limit.split()[0]
