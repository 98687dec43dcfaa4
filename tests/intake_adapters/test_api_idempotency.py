"""Idempotency-Key on POST /api/v1/signals (and /batch): a retry gets the first answer, once.

What is kept per key must not betray the receipt, the key or the account: those checks read the
table itself.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text, update

from registry.accounts import Role
from registry.errors import Conflict
from registry.idempotency import IdempotencyKey, IdempotentRequest
from registry.periods import Month
from registry.records import SignalRecord

SIGNALS = "/api/v1/signals"
BATCH = "/api/v1/signals/batch"
KEY = "Idempotency-Key"
THREADS = 10


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


@pytest.fixture
def adviser(services, make_user):  # type: ignore[no-untyped-def]
    """(account id, bearer headers) of a new MIN-A adviser."""
    principal, _ = make_user(Role.ADVISER, "MIN-A")
    token = services.accounts.create_token(principal.account_id, "zaaksysteem")
    return principal.account_id, {"Authorization": f"Bearer {token}"}


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, KEY: key}


def idempotency_rows(services) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        return [dict(row._mapping) for row in session.execute(text("SELECT * FROM idempotency_keys"))]


def test_a_retry_gets_the_first_answer_and_stores_nothing_new(client, services, adviser):
    _, headers = adviser
    first = client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, "zaak-17/contact-3"))
    retry = client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, "zaak-17/contact-3"))
    assert first.status_code == retry.status_code == 201, first.get_json()
    assert retry.get_json() == first.get_json()
    assert retry.headers["Cache-Control"] == "no-store"
    assert services.signals.count() == 1
    assert len(idempotency_rows(services)) == 1


def test_key_order_and_whitespace_do_not_make_a_body_different(client, services, adviser):
    _, headers = adviser
    body = valid_signal()
    first = client.post(SIGNALS, json=body, headers=keyed(headers, "k1"))
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=3)
    retry = client.post(SIGNALS, data=reordered, content_type="application/json",
                        headers=keyed(headers, "k1"))
    assert retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert services.signals.count() == 1


def test_the_retried_receipt_is_a_working_receipt(client, services, adviser):
    _, headers = adviser
    client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, "k1"))
    receipt = client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, "k1")).get_json()["receipt"]
    assert services.signals.find_by_receipt(receipt)["unit"] == "MIN-A-DG1-D1"
    response = client.post(f"{SIGNALS}/withdrawal", json={"receipt": receipt}, headers=headers)
    assert response.status_code == 200
    assert services.signals.count() == 0


def test_a_retry_after_withdrawal_replays_the_answer_and_does_not_store_again(client, services, adviser):
    _, headers = adviser
    first = client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, "k1")).get_json()
    client.post(f"{SIGNALS}/withdrawal", json={"receipt": first["receipt"]}, headers=headers)
    retry = client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, "k1"))
    assert retry.status_code == 201
    assert retry.get_json() == first
    assert services.signals.count() == 0


def test_the_same_key_with_another_body_is_a_conflict_and_stores_nothing(client, services, adviser):
    _, headers = adviser
    first = client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, "k1"))
    assert first.status_code == 201
    other = client.post(SIGNALS, json=valid_signal(unit="MIN-A-DG2"), headers=keyed(headers, "k1"))
    assert other.status_code == 409
    body = other.get_json()
    assert body["ok"] is False and body["status"] == 409
    assert [e["field"] for e in body["errors"]] == [KEY]
    assert "Idempotency-Key" in body["message"]
    assert services.signals.count() == 1
    # The first answer still stands.
    again = client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, "k1"))
    assert again.get_json() == first.get_json()


def test_the_same_key_on_the_other_endpoint_is_a_conflict(client, services, adviser):
    _, headers = adviser
    client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, "k1"))
    batch = client.post(BATCH, json={"signals": [valid_signal()]}, headers=keyed(headers, "k1"))
    assert batch.status_code == 409
    assert services.signals.count() == 1


def test_keys_belong_to_one_account(client, services, adviser, make_token):
    _, headers = adviser
    other = make_token(Role.ADVISER, "MIN-A")
    mine = client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, "k1")).get_json()
    theirs = client.post(SIGNALS, json=valid_signal(), headers=keyed(other, "k1"))
    assert theirs.status_code == 201
    assert theirs.get_json()["id"] != mine["id"]
    assert theirs.get_json()["receipt"] != mine["receipt"]
    assert services.signals.count() == 2
    assert len(idempotency_rows(services)) == 2


def test_without_a_key_every_request_stores_a_signal(client, services, adviser):
    _, headers = adviser
    answers = [client.post(SIGNALS, json=valid_signal(), headers=headers).get_json() for _ in range(2)]
    assert answers[0]["receipt"] != answers[1]["receipt"]
    assert services.signals.count() == 2
    assert idempotency_rows(services) == []


@pytest.mark.parametrize("key", ["", "x" * 201, "tab\there", "sleutel-é", "bel\x07"])
def test_a_malformed_key_is_refused_by_name_and_stores_nothing(client, services, adviser, key):
    _, headers = adviser
    for path, body in ((SIGNALS, valid_signal()), (BATCH, {"signals": [valid_signal()]})):
        response = client.post(path, json=body, headers=keyed(headers, key))
        assert response.status_code == 422, (path, response.get_json())
        assert {e["field"] for e in response.get_json()["errors"]} == {KEY}
    assert services.signals.count() == 0
    assert idempotency_rows(services) == []


def test_a_malformed_key_and_a_bad_body_are_reported_together(client, adviser):
    _, headers = adviser
    response = client.post(SIGNALS, json=valid_signal(channel="fax"), headers=keyed(headers, ""))
    assert response.status_code == 422
    assert {e["field"] for e in response.get_json()["errors"]} == {KEY, "channel"}


@pytest.mark.parametrize("key", ["k", "x" * 200, "a b ~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}"])
def test_keys_of_one_to_two_hundred_printable_characters_are_accepted(client, services, adviser, key):
    _, headers = adviser
    first = client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, key))
    retry = client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, key))
    assert first.status_code == 201, first.get_json()
    assert retry.get_json() == first.get_json()
    assert services.signals.count() == 1


def test_an_invalid_first_request_reserves_nothing(client, services, adviser):
    _, headers = adviser
    bad = client.post(SIGNALS, json=valid_signal(channel="fax"), headers=keyed(headers, "k1"))
    assert bad.status_code == 422
    good = client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, "k1"))
    assert good.status_code == 201
    assert services.signals.count() == 1


def test_concurrent_retries_store_exactly_one_signal_and_answer_alike(app, services, adviser):
    _, headers = adviser
    barrier = threading.Barrier(THREADS)

    def attempt(_: int) -> tuple[int, str]:
        client = app.test_client()  # one client per thread, like separate connections
        barrier.wait()
        response = client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, "race"))
        return response.status_code, response.get_data(as_text=True)

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(attempt, range(THREADS)))

    assert {status for status, _ in answers} == {201}, answers
    assert len({body for _, body in answers}) == 1
    assert services.signals.count() == 1
    assert len(idempotency_rows(services)) == 1


def test_concurrent_batches_with_one_key_store_the_batch_once(app, services, adviser):
    _, headers = adviser
    body = {"signals": [valid_signal(), valid_signal(unit="MIN-A-DG2"), valid_signal()]}
    barrier = threading.Barrier(THREADS)

    def attempt(_: int) -> tuple[int, str]:
        client = app.test_client()
        barrier.wait()
        response = client.post(BATCH, json=body, headers=keyed(headers, "batch-race"))
        return response.status_code, response.get_data(as_text=True)

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(attempt, range(THREADS)))

    assert {status for status, _ in answers} == {201}, answers
    assert len({text for _, text in answers}) == 1
    assert services.signals.count() == 3


def test_the_key_table_holds_no_receipt_key_account_or_signal_id(client, services, adviser):
    account_id, headers = adviser
    key = "zaak-2026-0042"
    answer = client.post(SIGNALS, json=valid_signal(case_token="ABCD-EFGH-JKLM-NPQR"),
                         headers=keyed(headers, key)).get_json()
    assert {c["name"] for c in inspect(services.db.engine).get_columns("idempotency_keys")} == {
        "key_hash", "fingerprint", "month"}
    rows = idempotency_rows(services)
    assert len(rows) == 1
    dump = json.dumps(rows).upper()
    receipt_groups = answer["receipt"].split("-")[2:]
    for secret in (answer["receipt"], key, account_id, answer["id"], "ABCD-EFGH-JKLM-NPQR",
                   *receipt_groups):
        assert secret.upper() not in dump, secret
    assert rows[0]["month"] == str(Month.current())
    assert str(rows[0]["key_hash"]).startswith("v1:idempotency:")
    # Nor does the signal: only the keyed receipt hash, as for any signal.
    with services.db.session() as session:
        signal_dump = json.dumps([dict(r._mapping) for r in session.execute(
            text("SELECT * FROM signals"))]).upper()
    assert answer["receipt"].upper() not in signal_dump
    assert key.upper() not in signal_dump and account_id.upper() not in signal_dump


def test_equal_bodies_under_different_keys_leave_unrelated_fingerprints(client, services, adviser):
    _, headers = adviser
    for key in ("k1", "k2"):
        client.post(SIGNALS, json=valid_signal(), headers=keyed(headers, key))
    fingerprints = {row["fingerprint"] for row in idempotency_rows(services)}
    assert len(fingerprints) == 2


def test_sqlite_key_table_has_no_rowid(services):
    if not services.db.is_sqlite:
        pytest.skip("WITHOUT ROWID is a SQLite table option")
    with services.db.session() as session:
        sql = session.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'idempotency_keys'")).scalar_one()
    assert "WITHOUT ROWID" in sql.upper()


# The service layer: cleanup, and a key whose row was forgotten too early.

def _record(services) -> SignalRecord:  # type: ignore[no-untyped-def]
    return SignalRecord.from_payload(valid_signal(), services.taxonomy, services.org())


def _age_rows(services, month: Month) -> None:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        session.execute(update(IdempotencyKey).values(month=str(month)))


def test_purge_forgets_keys_of_earlier_months_only(services):
    request = IdempotentRequest("a" * 32, "k1", "one")
    services.signals.store_many([_record(services)], idempotency=request)
    services.signals.store_many([_record(services)], idempotency=IdempotentRequest("a" * 32, "k2", "x"))
    assert services.signals.purge_idempotency(Month.current()) == 0
    _age_rows(services, Month.current().add(-1))
    assert services.signals.purge_idempotency(Month.current()) == 2
    assert services.signals.count() == 2


def test_purging_signals_also_forgets_keys_older_than_last_month(services):
    services.signals.store_many([_record(services)], idempotency=IdempotentRequest("a" * 32, "k1", "x"))
    _age_rows(services, Month.current().add(-1))
    services.signals.purge(Month(2000, 1))
    assert len(idempotency_rows(services)) == 1  # last month's keys are still remembered
    _age_rows(services, Month.current().add(-2))
    services.signals.purge(Month(2000, 1))
    assert idempotency_rows(services) == []


def test_a_key_forgotten_within_its_month_is_refused_not_stored_twice(services):
    request = IdempotentRequest("a" * 32, "k1", "one")
    services.signals.store_many([_record(services)], idempotency=request)
    services.signals.purge_idempotency(Month.current().add(1))
    with pytest.raises(Conflict):
        services.signals.store_many([_record(services)], idempotency=request)
    assert services.signals.count() == 1


def test_an_idempotent_request_repr_shows_neither_key_nor_body():
    assert "secret-key" not in repr(IdempotentRequest("a" * 32, "secret-key", "body"))


# A property: whatever mix of keys and bodies arrives, one signal per key, and every request
# answered by its key's first body (201, the same answer) or refused (409).

BODIES = [valid_signal(), valid_signal(unit="MIN-A-DG2"), valid_signal(impact=[])]


def test_any_request_sequence_stores_one_signal_per_key(client, services, adviser):
    _, headers = adviser
    run = iter(range(10**6))

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(sequence=st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, len(BODIES) - 1)),
                             min_size=1, max_size=8))
    def check(sequence: list[tuple[str, int]]) -> None:
        prefix = f"run{next(run)}-"
        before = services.signals.count()
        first: dict[str, tuple[int, dict[str, object]]] = {}
        for key, body in sequence:
            response = client.post(SIGNALS, json=BODIES[body], headers=keyed(headers, prefix + key))
            if key not in first:
                assert response.status_code == 201
                first[key] = (body, response.get_json())
            elif first[key][0] == body:
                assert response.status_code == 201
                assert response.get_json() == first[key][1]
            else:
                assert response.status_code == 409
        assert services.signals.count() == before + len(first)

    check()


def test_derived_ids_and_receipts_look_like_random_ones_and_depend_on_every_input():
    from privacy.pseudonyms import KeyedPseudonymizer
    from registry.checked_codes import parse_receipt

    pseudonymizer = KeyedPseudonymizer(bytes(range(32)))
    month = Month(2026, 3)
    signal_id, receipt = pseudonymizer.idempotent_signal("a" * 32, "k1", month, 0)
    assert len(signal_id) == 32 and int(signal_id, 16) >= 0
    assert pseudonymizer.receipt_month(receipt) == month
    assert parse_receipt(receipt).text == receipt  # the shape and check character of any receipt
    assert pseudonymizer.idempotent_signal("a" * 32, "k1", month, 0) == (signal_id, receipt)
    others = [pseudonymizer.idempotent_signal("b" * 32, "k1", month, 0),
              pseudonymizer.idempotent_signal("a" * 32, "k2", month, 0),
              pseudonymizer.idempotent_signal("a" * 32, "k1", month.add(1), 0),
              pseudonymizer.idempotent_signal("a" * 32, "k1", month, 1),
              KeyedPseudonymizer(bytes(range(1, 33))).idempotent_signal("a" * 32, "k1", month, 0)]
    assert all(o[0] != signal_id and o[1][8:] != receipt[8:] for o in others)
