"""POST /api/v1/signals/batch: many signals at once, all or nothing, errors named per index."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.accounts import Role
from registry.periods import Month

BATCH = "/api/v1/signals/batch"
UNITS = ["MIN-A", "MIN-A-DG1", "MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG1-D2-T1", "MIN-A-DG2"]


def valid_signal(**changes: object) -> dict[str, object]:
    signal: dict[str, object] = {
        "period": str(Month.current()),
        "unit": "MIN-A-DG1-D1",
        "channel": "vp_intern",
        "categories": ["pesten"],
        "implicated_party": "direct_leidinggevende",
        "reporter_role": "medewerker",
        "follow_up": "advies",
    }
    signal.update(changes)
    return signal


def fields(response) -> set[str]:  # type: ignore[no-untyped-def]
    body = response.get_json()
    assert body["ok"] is False and body["status"] == response.status_code
    return {e["field"] for e in body["errors"]}


@pytest.fixture
def adviser(make_token):  # type: ignore[no-untyped-def]
    return make_token(Role.ADVISER, "MIN-A")


def test_a_batch_is_stored_and_answered_in_order(client, services, adviser):
    signals = [valid_signal(unit=unit) for unit in UNITS]
    response = client.post(BATCH, json={"signals": signals}, headers=adviser)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["ok"] is True and body["stored"] == len(UNITS)
    assert response.headers["Cache-Control"] == "no-store"
    assert services.signals.count() == len(UNITS)
    assert len({r["id"] for r in body["results"]}) == len({r["receipt"] for r in body["results"]}) == 6
    for unit, result in zip(UNITS, body["results"], strict=True):
        assert services.signals.find_by_receipt(result["receipt"])["unit"] == unit


def test_one_invalid_record_stores_nothing_and_every_problem_is_named_by_index(client, services, adviser):
    signals = [valid_signal(), valid_signal(unit="MIN-B-D1"), valid_signal(),
               valid_signal(channel="fax", categories=[]), "geen object"]
    response = client.post(BATCH, json={"signals": signals}, headers=adviser)
    assert response.status_code == 422
    assert fields(response) == {"signals[1].unit", "signals[3].channel", "signals[3].categories",
                                "signals[4]"}
    assert services.signals.count() == 0


def test_unknown_fields_in_a_record_are_named_with_its_index(client, services, adviser):
    response = client.post(BATCH, json={"signals": [valid_signal(notitie="vrije tekst")]},
                           headers=adviser)
    assert response.status_code == 422
    assert fields(response) == {"signals[0].notitie"}


@pytest.mark.parametrize("body", [{}, {"signals": []}, {"signals": "alles"},
                                  {"signals": {"0": {}}}, {"signals": None}])
def test_a_missing_or_empty_list_is_refused_naming_signals(client, services, adviser, body):
    response = client.post(BATCH, json=body, headers=adviser)
    assert response.status_code == 422
    assert fields(response) == {"signals"}
    assert services.signals.count() == 0


def test_unknown_top_level_fields_are_refused(client, services, adviser):
    response = client.post(BATCH, json={"signals": [valid_signal()], "bron": "x"}, headers=adviser)
    assert response.status_code == 422
    assert fields(response) == {"bron"}
    assert services.signals.count() == 0


def test_a_thousand_signals_are_accepted_and_one_more_is_refused(client, services, adviser):
    thousand = {"signals": [valid_signal()] * 1000}
    response = client.post(BATCH, json=thousand, headers=adviser)
    assert response.status_code == 201
    assert response.get_json()["stored"] == 1000
    assert len(response.get_json()["results"]) == 1000
    too_many = client.post(BATCH, json={"signals": [valid_signal()] * 1001}, headers=adviser)
    assert too_many.status_code == 422
    assert fields(too_many) == {"signals"}
    assert "1000" in too_many.get_json()["errors"][0]["message"]
    assert services.signals.count() == 1000


def test_only_advisers_may_log_a_batch(client, services, make_token):
    body = {"signals": [valid_signal()]}
    assert client.post(BATCH, json=body).status_code == 401
    assert client.post(BATCH, json=body, headers=make_token(Role.RESEARCHER, None)).status_code == 403
    assert services.signals.count() == 0


def test_an_adviser_may_not_log_for_another_organisation(client, services, make_token):
    other = make_token(Role.ADVISER, "MIN-B")
    response = client.post(BATCH, json={"signals": [valid_signal(unit="MIN-B-D1"), valid_signal()]},
                           headers=other)
    assert response.status_code == 422
    assert fields(response) == {"signals[1].unit"}
    assert services.signals.count() == 0


def test_a_batch_retry_with_its_key_gets_the_same_results(client, services, adviser):
    headers = {**adviser, "Idempotency-Key": "import-2026-03"}
    body = {"signals": [valid_signal(), valid_signal(unit="MIN-A-DG2")]}
    first = client.post(BATCH, json=body, headers=headers)
    retry = client.post(BATCH, json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert services.signals.count() == 2
    other = client.post(BATCH, json={"signals": body["signals"][:1]}, headers=headers)
    assert other.status_code == 409
    assert fields(other) == {"Idempotency-Key"}
    assert services.signals.count() == 2


# Property: a batch with any invalid record stores nothing, and names exactly the bad indexes.

INVALID_CHANGES = st.sampled_from([
    {"unit": "MIN-B-D1"}, {"unit": "NOPE"}, {"unit": 7}, {"channel": "fax"}, {"channel": None},
    {"categories": []}, {"categories": ["pesten", "pesten"]}, {"impact": ["onbekend"]},
    {"period": "2026-13"}, {"period": str(Month.current().add(1))}, {"case_token": "ABCD"},
    {"follow_up": ["advies"]}, {"vrije_tekst": "naam van de melder"},
])
VALID_CHANGES = st.fixed_dictionaries({}, optional={
    "unit": st.sampled_from(UNITS),
    "period": st.integers(0, 24).map(lambda back: str(Month.current().add(-back))),
    "impact": st.sampled_from([[], ["verzuim"], None]),
})


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[object], set[int]]:
    """A batch and the indexes of its invalid records (at least one)."""
    size = draw(st.integers(1, 12))
    bad = draw(st.sets(st.integers(0, size - 1), min_size=1))
    signals: list[object] = []
    for index in range(size):
        if index in bad:
            item: object = draw(st.one_of(
                INVALID_CHANGES.map(lambda c: valid_signal(**c)),
                st.sampled_from([None, 1, "x", [valid_signal()]]),
            ))
        else:
            item = valid_signal(**draw(VALID_CHANGES))
        signals.append(item)
    return signals, bad


def _index(field: str) -> int:
    return int(field.split("[", 1)[1].split("]", 1)[0])


def test_a_batch_with_any_invalid_record_stores_nothing(client, services, adviser):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case=batches())
    def check(case: tuple[list[object], set[int]]) -> None:
        signals, bad = case
        response = client.post(BATCH, data=json.dumps({"signals": signals}), headers=adviser,
                               content_type="application/json")
        assert response.status_code == 422, (signals, response.get_json())
        assert {_index(f) for f in fields(response)} == bad
        assert services.signals.count() == 0

    check()


def test_any_batch_body_gets_a_json_answer_and_never_a_500(client, services, adviser):
    values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                     max_size=3),
        max_leaves=8,
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(raw=st.binary(max_size=100) | values.map(lambda v: json.dumps({"signals": v}).encode()))
    def check(raw: bytes) -> None:
        response = client.post(BATCH, data=raw, headers=adviser, content_type="application/json")
        assert response.status_code in (400, 422), (raw, response.status_code)
        assert response.get_json()["errors"]
        assert services.signals.count() == 0

    check()
