"""Who may call which API endpoint: every role on every endpoint, plus missing and revoked tokens."""

from __future__ import annotations

import pytest

from registry.accounts import Role
from registry.periods import Month

PUBLIC = [("GET", "/api/v1/taxonomy"), ("GET", "/api/v1/org"), ("GET", "/api/openapi.json")]
ADVISER_ONLY = [
    ("POST", "/api/v1/signals"),
    ("POST", "/api/v1/case-tokens"),
    ("POST", "/api/v1/signals/correction"),
    ("POST", "/api/v1/signals/withdrawal"),
]
SUCCESS = {"/api/v1/signals": 201, "/api/v1/case-tokens": 201}
ORGANISATION = {Role.ADVISER: "MIN-A", Role.PREVENTION_OFFICER: "MIN-A",
                Role.WORKS_COUNCIL: "MIN-A"}


def signal() -> dict[str, object]:
    return {"period": str(Month.current()), "unit": "MIN-A-DG1", "channel": "bmw",
            "categories": ["uitsluiting"], "implicated_party": "collega",
            "reporter_role": "getuige", "follow_up": "alleen_luisteren"}


def body_for(path: str, client, make_token) -> dict[str, object] | None:  # type: ignore[no-untyped-def]
    """A body that succeeds for a MIN-A adviser, so only the role decides the outcome."""
    if path == "/api/v1/case-tokens":
        return None
    if path == "/api/v1/signals":
        return signal()
    owner = make_token(Role.ADVISER, "MIN-A")
    receipt = client.post("/api/v1/signals", json=signal(), headers=owner).get_json()["receipt"]
    if path.endswith("/correction"):
        return {"receipt": receipt, "signal": signal()}
    return {"receipt": receipt}


def call(client, method: str, path: str, headers: dict[str, str], body):  # type: ignore[no-untyped-def]
    return client.open(path, method=method, headers=headers, json=body)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("method, path", PUBLIC)
def test_public_endpoints_answer_every_role(client, make_token, role, method, path):
    headers = make_token(role, ORGANISATION.get(role))
    assert call(client, method, path, headers, None).status_code == 200


@pytest.mark.parametrize("method, path", PUBLIC)
def test_public_endpoints_need_no_token(client, method, path):
    assert call(client, method, path, {}, None).status_code == 200


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("method, path", ADVISER_ONLY)
def test_only_advisers_may_log_correct_and_withdraw(client, services, make_token, role, method,
                                                    path):
    body = body_for(path, client, make_token)
    before = services.signals.count()
    response = call(client, method, path, make_token(role, ORGANISATION.get(role)), body)
    if role is Role.ADVISER:
        assert response.status_code == SUCCESS.get(path, 200), response.get_json()
    else:
        assert response.status_code == 403
        assert response.get_json()["ok"] is False
        assert services.signals.count() == before


@pytest.mark.parametrize("method, path", ADVISER_ONLY)
def test_no_token_gets_401(client, make_token, method, path):
    response = call(client, method, path, {}, body_for(path, client, make_token))
    assert response.status_code == 401
    assert response.get_json()["ok"] is False


@pytest.mark.parametrize("method, path", ADVISER_ONLY)
def test_revoked_token_gets_401(client, services, make_token, method, path):
    body = body_for(path, client, make_token)
    headers = make_token(Role.ADVISER, "MIN-A")
    token_id = _only_token_id(services, headers)
    services.accounts.revoke_token(token_id)
    assert call(client, method, path, headers, body).status_code == 401


def test_deactivated_account_token_gets_401(client, services, make_user):
    principal, _ = make_user(Role.ADVISER, "MIN-A")
    token = services.accounts.create_token(principal.account_id, "case system")
    services.accounts.set_active(principal.account_id, False)
    response = client.post("/api/v1/case-tokens", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def _only_token_id(services, headers: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    prefix = headers["Authorization"].removeprefix("Bearer ")[:8]
    matches = [t["id"] for user in services.accounts.list_users() for t in user["tokens"]
               if t["prefix"] == prefix and not t["revoked"]]
    assert len(matches) == 1
    return matches[0]
