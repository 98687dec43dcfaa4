"""Case tokens and receipts through the API: issued with a check character, read back however a
case system spells them, and a mistyped one refused with a JSON error that names the field."""

from __future__ import annotations

import json

import pytest

from registry.accounts import Role
from registry.checked_codes import parse_case_token
from registry.periods import Month
from tests.intake_adapters.test_api_contract import valid_signal

SIGNALS = "/api/v1/signals"


@pytest.fixture
def adviser(make_token):  # type: ignore[no-untyped-def]
    return make_token(Role.ADVISER, "MIN-A")


def _post(client, headers, path, body):  # type: ignore[no-untyped-def]
    return client.post(path, data=json.dumps(body), headers=headers,
                       content_type="application/json")


def _pseudonyms(services) -> list[str]:  # type: ignore[no-untyped-def]
    with services.db.engine.connect() as conn:
        return [row[0] for row in conn.exec_driver_sql("SELECT case_pseudonym FROM signals")]


def test_an_issued_token_has_a_check_character_and_links_however_it_is_spelt(client, services,
                                                                            adviser):
    token = _post(client, adviser, "/api/v1/case-tokens", {}).get_json()["case_token"]
    assert parse_case_token(token) == token and len(token.replace("-", "")) == 18
    for spelling in (token, token.lower(), token.replace("-", ""), token.replace("-", " ")):
        assert _post(client, adviser, SIGNALS, valid_signal(case_token=spelling)).status_code == 201
    expected = services.pseudonymizer.case_pseudonym(token, Month.current().year)
    assert _pseudonyms(services) == [expected] * 4


def test_a_mistyped_token_is_refused_naming_the_field(client, services, adviser):
    token = _post(client, adviser, "/api/v1/case-tokens", {}).get_json()["case_token"]
    typo = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = _post(client, adviser, SIGNALS, valid_signal(case_token=typo))
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{
        "field": "case_token",
        "message": "Dit zaaknummer klopt niet: controleer het op typefouten."}]
    assert services.signals.count() == 0


def test_a_batch_with_one_mistyped_token_stores_nothing(client, services, adviser):
    good = _post(client, adviser, "/api/v1/case-tokens", {}).get_json()["case_token"]
    swapped = good[1] + good[0] + good[2:]
    if swapped == good:
        swapped = good[:-1] + ("A" if good[-1] != "A" else "B")
    body = {"signals": [valid_signal(case_token=good), valid_signal(case_token=swapped)]}
    response = _post(client, adviser, "/api/v1/signals/batch", body)
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["signals[1].case_token"]
    assert services.signals.count() == 0


def test_a_token_issued_before_check_characters_still_links_without_hyphens(client, services,
                                                                           adviser):
    old = "ABCD-EFGH-JKMN-PQRS"
    for spelling in (old, "abcdefghjkmnpqrs"):
        assert _post(client, adviser, SIGNALS, valid_signal(case_token=spelling)).status_code == 201
    expected = services.pseudonymizer.case_pseudonym(old, Month.current().year)
    assert _pseudonyms(services) == [expected, expected]


def test_the_meldknop_channel_is_refused_from_a_case_system(client, services, adviser):
    response = _post(client, adviser, SIGNALS, valid_signal(channel="meldpunt"))
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["channel"]
    assert services.signals.count() == 0


def test_a_receipt_corrects_and_withdraws_however_it_is_spelt(client, services, adviser):
    receipt = _post(client, adviser, SIGNALS, valid_signal()).get_json()["receipt"]
    typed = receipt.replace("-", "").lower()
    correction = {"receipt": typed, "signal": valid_signal(follow_up="bemiddeling")}
    assert _post(client, adviser, "/api/v1/signals/correction", correction).status_code == 200
    typo = receipt[:-1] + ("A" if receipt[-1] != "A" else "B")
    refused = _post(client, adviser, "/api/v1/signals/withdrawal", {"receipt": typo})
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "receipt"
    assert _post(client, adviser, "/api/v1/signals/withdrawal",
                 {"receipt": f" {receipt.lower()} "}).status_code == 200
    assert services.signals.count() == 0
