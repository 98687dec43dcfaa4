"""Errors are rendered in one shape: JSON under /api, a Dutch page elsewhere, never a leak."""

from __future__ import annotations

import json
import logging

import pytest
from flask import request

from registry.accounts import Role
from registry.periods import Month
from server.app import csrf

MAX_BYTES = 2048
GENERIC = "Er ging iets mis aan onze kant"


@pytest.fixture
def settings_overrides(settings_overrides):  # type: ignore[no-untyped-def]
    return {**settings_overrides, "max_request_bytes": MAX_BYTES}


def signal(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "period": str(Month.current()), "unit": "MIN-B-D1", "channel": "vp_extern",
        "categories": ["racisme"], "implicated_party": "hoger_leidinggevende",
        "reporter_role": "stagiair", "follow_up": "bemiddeling",
    }
    body.update(changes)
    return body


def assert_json_error(response, status: int) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"ok", "status", "message", "errors"}
    assert body["ok"] is False
    assert body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    assert body["errors"]
    for error in body["errors"]:
        assert set(error) == {"field", "message"}
        assert isinstance(error["field"], str) and error["message"]
    return body["errors"]


def request_for(status: int, client, make_token):  # type: ignore[no-untyped-def]
    adviser = make_token(Role.ADVISER, "MIN-B")
    post = "/api/v1/signals"
    if status == 400:
        return client.post(post, data=b"{nope", headers=adviser, content_type="application/json")
    if status == 401:
        return client.post(post, json=signal())
    if status == 403:
        return client.post(post, json=signal(), headers=make_token(Role.WORKS_COUNCIL, "MIN-B"))
    if status == 404:
        return client.get("/api/v2/bestaat-niet")
    if status == 405:
        return client.delete("/api/v1/taxonomy")
    if status == 413:
        return client.post(post, data=b" " * (MAX_BYTES + 1), headers=adviser,
                           content_type="application/json")
    if status == 415:
        return client.post(post, data="period=2026-01", headers=adviser,
                           content_type="application/x-www-form-urlencoded")
    assert status == 422
    return client.post(post, json=signal(unit="MIN-A", categories="pesten"), headers=adviser)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 413, 415, 422])
def test_api_errors_use_the_json_error_shape(client, make_token, status):
    errors = assert_json_error(request_for(status, client, make_token), status)
    if status == 422:
        assert {e["field"] for e in errors} == {"unit", "categories"}


def test_an_unknown_api_path_is_json_even_when_html_is_preferred(client):
    response = client.get("/api/v1/onbekend", headers={"Accept": "text/html"})
    assert_json_error(response, 404)


def test_a_missing_page_outside_the_api_is_a_dutch_html_page(client):
    response = client.get("/bestaat-niet", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "Deze pagina bestaat niet." in html
    assert "Terug naar de startpagina" in html


@pytest.fixture
def broken_routes(app):  # type: ignore[no-untyped-def]
    """Routes that fail like a bug would, after reading the request body."""

    def explode_api():  # type: ignore[no-untyped-def]
        request.get_data()
        raise RuntimeError("simulated bug")

    def explode_page():  # type: ignore[no-untyped-def]
        raise KeyError("simulated bug")

    app.add_url_rule("/api/v1/test-explode", "test_explode_api", explode_api, methods=["POST"])
    app.add_url_rule("/test-explode", "test_explode_page", explode_page)
    csrf.exempt(explode_api)
    return app


def test_a_bug_under_the_api_is_a_generic_json_500_and_the_body_is_not_logged(
        broken_routes, caplog):
    secret_body = json.dumps({"note": "GEHEIM-7f3a name Jansen"})
    client = broken_routes.test_client()
    with caplog.at_level(logging.DEBUG):
        response = client.post("/api/v1/test-explode", data=secret_body,
                               content_type="application/json",
                               environ_base={"REMOTE_ADDR": "203.0.113.77"})
    errors = assert_json_error(response, 500)
    assert GENERIC in response.get_json()["message"]
    assert "simulated" not in response.get_data(as_text=True)
    assert errors == [{"field": "", "message": response.get_json()["message"]}]
    bug_records = [r for r in caplog.records if r.name == "signal_registry"]
    assert bug_records, "a bug must be logged"
    assert "/api/v1/test-explode" in bug_records[0].getMessage()
    for leak in ("GEHEIM-7f3a", "Jansen", "203.0.113.77"):
        assert leak not in caplog.text


def test_a_bug_on_a_page_is_a_generic_dutch_500_page(broken_routes, caplog):
    client = broken_routes.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/test-explode?naam=Jansen", headers={"Accept": "text/html"},
                              environ_base={"REMOTE_ADDR": "203.0.113.78"})
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert GENERIC in html
    assert "simulated" not in html and "Traceback" not in html
    assert "203.0.113.78" not in caplog.text
    assert "Jansen" not in caplog.text
