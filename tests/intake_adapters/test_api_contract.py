"""The JSON API v1 contract that case systems build on: statuses, shapes, and what is stored."""

from __future__ import annotations

import json

import pytest

from registry.accounts import Role
from registry.periods import Month

SIGNALS = "/api/v1/signals"
CORRECTION = "/api/v1/signals/correction"
WITHDRAWAL = "/api/v1/signals/withdrawal"


def valid_signal(**changes: object) -> dict[str, object]:
    signal: dict[str, object] = {
        "period": str(Month.current()),
        "unit": "MIN-A-DG1-D1",
        "channel": "vp_intern",
        "categories": ["pesten", "werkdruk"],
        "implicated_party": "direct_leidinggevende",
        "reporter_role": "medewerker",
        "follow_up": "advies",
        "impact": ["verzuim"],
    }
    signal.update(changes)
    return signal


def error_fields(response) -> set[str]:  # type: ignore[no-untyped-def]
    body = response.get_json()
    assert body["ok"] is False
    assert body["status"] == response.status_code
    assert body["errors"], "an error always names at least one problem"
    return {e["field"] for e in body["errors"]}


@pytest.fixture
def adviser(make_token):  # type: ignore[no-untyped-def]
    return make_token(Role.ADVISER, "MIN-A")


def test_taxonomy_is_public_and_matches_the_service(client, services):
    response = client.get("/api/v1/taxonomy")
    assert response.status_code == 200
    assert response.get_json() == services.taxonomy.as_api()
    assert response.get_json()["fields"]["categories"][0].keys() == {
        "code", "label_nl", "label_en", "definition_nl", "definition_en", "meldknop_only"}


def test_taxonomy_names_the_meldknop_only_codes_and_the_psa_group(client, services):
    # A case system must know which code it may never send (the meldknop's own follow-up
    # code) and which categories reports add up as psychosociale arbeidsbelasting.
    taxonomy = client.get("/api/v1/taxonomy").get_json()
    only = {(field, c["code"]) for field, codes in taxonomy["fields"].items() for c in codes
            if c["meldknop_only"]}
    assert only == {(name, c.code) for name, f in services.taxonomy.fields.items()
                    for c in f.codes if c.self_report}
    assert ("follow_up", "zelfmelding_geen_opvolging") in only
    psa = taxonomy["groups"]["psa"]
    assert psa["field"] == "categories"
    assert psa["codes"] == list(services.taxonomy.group_codes("psa"))
    assert set(psa["codes"]) <= {c["code"] for c in taxonomy["fields"]["categories"]}


def test_org_structure_is_public_and_lists_every_unit(client):
    response = client.get("/api/v1/org")
    assert response.status_code == 200
    units = {u["code"]: u for u in response.get_json()}
    assert len(units) == 9
    assert units["MIN-A"] == {"code": "MIN-A", "name": "Ministerie van Voorbeeldzaken",
                              "parent": None, "organisation": "MIN-A", "headcount": 1200}
    assert units["MIN-B-D2"]["parent"] == "MIN-B"


def test_adviser_logs_a_signal_and_gets_an_uncached_receipt(client, services, adviser):
    response = client.post(SIGNALS, json=valid_signal(), headers=adviser)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["ok"] is True
    assert len(body["id"]) == 32
    assert body["receipt"].startswith(str(Month.current()) + "-")
    assert response.headers["Cache-Control"] == "no-store"
    assert services.signals.count() == 1
    stored = services.signals.find_by_receipt(body["receipt"])
    assert stored["categories"] == ["pesten", "werkdruk"]
    assert stored["unit"] == "MIN-A-DG1-D1"


def test_a_case_token_links_follow_up_contacts(client, services, adviser):
    token = client.post("/api/v1/case-tokens", headers=adviser)
    assert token.status_code == 201
    assert token.headers["Cache-Control"] == "no-store"
    case_token = token.get_json()["case_token"]
    for _ in range(2):
        response = client.post(SIGNALS, json=valid_signal(case_token=case_token.lower()),
                               headers=adviser)
        assert response.status_code == 201
    assert services.signals.count() == 2


def test_case_tokens_are_fresh_every_time(client, adviser):
    tokens = {client.post("/api/v1/case-tokens", headers=adviser).get_json()["case_token"]
              for _ in range(5)}
    assert len(tokens) == 5


def test_invalid_signal_lists_every_bad_field_and_stores_nothing(client, services, adviser):
    payload = valid_signal(channel="fax", categories=[], period="2026-13")
    del payload["follow_up"]
    response = client.post(SIGNALS, json=payload, headers=adviser)
    assert response.status_code == 422
    assert error_fields(response) == {"channel", "categories", "period", "follow_up"}
    assert services.signals.count() == 0


def test_unknown_fields_are_refused_by_name(client, services, adviser):
    response = client.post(SIGNALS, json=valid_signal(toelichting="Jan zei dat..."),
                           headers=adviser)
    assert response.status_code == 422
    assert error_fields(response) == {"toelichting"}
    assert services.signals.count() == 0


def test_a_future_month_is_refused(client, adviser):
    response = client.post(SIGNALS, json=valid_signal(period=str(Month.current().add(1))),
                           headers=adviser)
    assert response.status_code == 422
    assert error_fields(response) == {"period"}


def test_adviser_of_one_ministry_cannot_log_for_another(client, services, adviser):
    response = client.post(SIGNALS, json=valid_signal(unit="MIN-B-D1"), headers=adviser)
    assert response.status_code == 422
    assert error_fields(response) == {"unit"}
    assert services.signals.count() == 0


def test_non_json_content_type_gets_415_json(client, adviser):
    response = client.post(SIGNALS, data=json.dumps(valid_signal()), headers=adviser,
                           content_type="text/plain")
    assert response.status_code == 415
    assert error_fields(response) == {""}


def test_form_encoded_body_gets_415(client, adviser):
    response = client.post(SIGNALS, data={"period": "2026-01"}, headers=adviser)
    assert response.status_code == 415


@pytest.mark.parametrize("raw", [b"", b"{", b"{'a': 1}", b"\xff\xfe\x00", b"[" * 100_000])
def test_unreadable_json_gets_400(client, services, adviser, raw):
    response = client.post(SIGNALS, data=raw, headers=adviser, content_type="application/json")
    assert response.status_code == 400
    assert error_fields(response) == {""}
    assert services.signals.count() == 0


def test_a_field_sent_twice_gets_400_naming_it(client, adviser):
    raw = json.dumps(valid_signal())[:-1] + ', "unit": "MIN-B-D1"}'
    response = client.post(SIGNALS, data=raw, headers=adviser, content_type="application/json")
    assert response.status_code == 400
    assert error_fields(response) == {"unit"}


@pytest.mark.parametrize("body", [[], "text", 3, None, [valid_signal()]])
def test_json_that_is_not_an_object_gets_422(client, services, adviser, body):
    response = client.post(SIGNALS, data=json.dumps(body), headers=adviser,
                           content_type="application/json")
    assert response.status_code == 422
    assert error_fields(response) == {""}
    assert services.signals.count() == 0


def test_oversize_body_gets_413_json(app, client, services, adviser):
    limit = app.config["MAX_CONTENT_LENGTH"]
    payload = valid_signal(impact=["verzuim"] * (limit // 10))
    raw = json.dumps(payload).encode()
    assert len(raw) > limit
    response = client.post(SIGNALS, data=raw, headers=adviser, content_type="application/json")
    assert response.status_code == 413
    assert error_fields(response) == {""}
    assert services.signals.count() == 0


def test_a_browser_session_is_not_api_auth(client, login, services):
    login(Role.ADVISER, "MIN-A")
    assert client.post(SIGNALS, json=valid_signal()).status_code == 401
    assert client.post("/api/v1/case-tokens").status_code == 401
    assert services.signals.count() == 0


def test_api_needs_no_csrf_token_because_it_takes_bearer_tokens_only(app, client, adviser):
    assert app.config["WTF_CSRF_ENABLED"] is True
    assert client.post(SIGNALS, json=valid_signal(), headers=adviser).status_code == 201


def test_missing_or_malformed_authorization_gets_401_with_challenge(client):
    for headers in ({}, {"Authorization": "Basic dXNlcjpwdw=="}, {"Authorization": "Bearer "},
                    {"Authorization": "Bearer sr_not-a-real-token"}):
        response = client.post(SIGNALS, json=valid_signal(), headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert error_fields(response) == {""}


def test_auth_is_checked_before_the_body_is_read(client):
    response = client.post(SIGNALS, data="not json", content_type="text/plain")
    assert response.status_code == 401


def test_correction_replaces_the_coded_fields(client, services, adviser):
    receipt = client.post(SIGNALS, json=valid_signal(), headers=adviser).get_json()["receipt"]
    corrected = valid_signal(categories=["intimidatie"], unit="MIN-A-DG2", impact=[])
    response = client.post(CORRECTION, json={"receipt": receipt, "signal": corrected},
                           headers=adviser)
    assert response.status_code == 200
    assert response.get_json() == {"ok": True}
    assert response.headers["Cache-Control"] == "no-store"
    stored = services.signals.find_by_receipt(receipt)
    assert stored["categories"] == ["intimidatie"]
    assert stored["unit"] == "MIN-A-DG2"
    assert stored["impact"] == []
    assert services.signals.count() == 1


def test_invalid_correction_names_nested_fields_and_changes_nothing(client, services, adviser):
    receipt = client.post(SIGNALS, json=valid_signal(), headers=adviser).get_json()["receipt"]
    response = client.post(CORRECTION, json={"receipt": receipt, "note": "x",
                                             "signal": valid_signal(channel="fax", unit="MIN-B")},
                           headers=adviser)
    assert response.status_code == 422
    assert error_fields(response) == {"note", "signal.channel", "signal.unit"}
    assert services.signals.find_by_receipt(receipt)["channel"] == "vp_intern"


@pytest.mark.parametrize("body, fields", [
    ({}, {"receipt", "signal"}),
    ({"receipt": 12, "signal": []}, {"receipt", "signal"}),
    ({"receipt": "  ", "signal": valid_signal()}, {"receipt"}),
])
def test_correction_body_must_have_receipt_and_signal(client, adviser, body, fields):
    response = client.post(CORRECTION, json=body, headers=adviser)
    assert response.status_code == 422
    assert error_fields(response) == fields


def test_withdrawal_removes_the_signal_once(client, services, adviser):
    receipt = client.post(SIGNALS, json=valid_signal(), headers=adviser).get_json()["receipt"]
    response = client.post(WITHDRAWAL, json={"receipt": receipt}, headers=adviser)
    assert response.status_code == 200
    assert response.get_json() == {"ok": True}
    assert services.signals.count() == 0
    again = client.post(WITHDRAWAL, json={"receipt": receipt}, headers=adviser)
    assert again.status_code == 404
    assert error_fields(again) == {""}


@pytest.mark.parametrize("path", [CORRECTION, WITHDRAWAL])
def test_receipts_are_checked_for_format_month_and_existence(client, adviser, path):
    def call(receipt: str):  # type: ignore[no-untyped-def]
        body: dict[str, object] = {"receipt": receipt}
        if path == CORRECTION:
            body["signal"] = valid_signal()
        return client.post(path, json=body, headers=adviser)

    malformed = call("not-a-receipt")
    assert malformed.status_code == 422
    assert error_fields(malformed) == {"receipt"}
    last_month = call(f"{Month.current().add(-1)}-ABCD-EFGH-JKLM-NPQR-STUV")
    assert last_month.status_code == 422
    assert error_fields(last_month) == {"receipt"}
    unknown = call(f"{Month.current()}-ABCD-EFGH-JKLM-NPQR-STUV")
    assert unknown.status_code == 404


def test_withdrawal_refuses_unknown_fields(client, adviser):
    response = client.post(WITHDRAWAL, json={"receipt": "x", "reden": "vrije tekst"},
                           headers=adviser)
    assert response.status_code == 422
    assert "reden" in error_fields(response)


@pytest.mark.parametrize("path", [CORRECTION, WITHDRAWAL])
def test_another_ministrys_adviser_cannot_touch_a_signal(client, services, make_token, adviser,
                                                         path):
    receipt = client.post(SIGNALS, json=valid_signal(), headers=adviser).get_json()["receipt"]
    other = make_token(Role.ADVISER, "MIN-B")
    body: dict[str, object] = {"receipt": receipt}
    if path == CORRECTION:
        body["signal"] = valid_signal(unit="MIN-B-D1")
    response = client.post(path, json=body, headers=other)
    assert response.status_code == 404
    assert services.signals.find_by_receipt(receipt)["unit"] == "MIN-A-DG1-D1"


def test_receipts_never_appear_in_urls(app):
    # Only release ids (public, random, not secrets) may travel in an API path.
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            assert "<" not in rule.rule.replace("<release_id>", ""), rule.rule
