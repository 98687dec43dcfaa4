"""POST /api/v1/outcomes: coded outcomes added to a case by its token, month only, idempotent,
all or nothing, never free text; stored under the case's pseudonym of its first data year."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from privacy.pseudonyms import new_case_token
from registry.accounts import Role
from registry.periods import Month
from registry.taxonomy.outcomes import OUTCOME_FIELDS, load_outcome_codes

OUTCOMES = "/api/v1/outcomes"
KEY = "Idempotency-Key"
THIS_MONTH = Month.current()


def signal(case_token: str, period: Month = THIS_MONTH, unit: str = "MIN-A-DG1-D1") -> dict:
    return {"period": str(period), "unit": unit, "channel": "vp_intern", "categories": ["pesten"],
            "implicated_party": "collega", "reporter_role": "medewerker", "follow_up": "advies",
            "case_token": case_token}


@pytest.fixture
def adviser(services, make_user):  # type: ignore[no-untyped-def]
    principal, _ = make_user(Role.ADVISER, "MIN-A")
    token = services.accounts.create_token(principal.account_id, "zaaksysteem")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def case(client, adviser) -> str:  # type: ignore[no-untyped-def]
    token = new_case_token()
    assert client.post("/api/v1/signals", json=signal(token), headers=adviser).status_code == 201
    return token


def rows(services) -> list[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        return sorted(tuple(r) for r in session.execute(text(
            "SELECT case_pseudonym, period, field, code FROM case_outcomes")))


def stored_codes(services) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[str]] = {}
    for _case, _period, field, code in rows(services):
        out.setdefault(field, []).append(code)
    return {k: sorted(v) for k, v in out.items()}


def body(token: str, **fields: Any) -> dict[str, Any]:
    return {"case_token": token, "month": str(THIS_MONTH), "fields": fields}


def test_outcomes_are_stored_coded_under_the_case_pseudonym_with_the_month(client, services,
                                                                           adviser, case):
    reply = client.post(OUTCOMES, json=body(case, feedback_3m="ja", outcome="gegrond",
                                            measures=["waarschuwing", "gesprek"],
                                            aftercare=["melder", "getuigen"]), headers=adviser)
    assert reply.status_code == 201, reply.get_json()
    assert reply.get_json() == {"ok": True, "fields": ["feedback_3m", "outcome", "measures",
                                                       "aftercare"]}
    assert reply.headers["Cache-Control"] == "no-store"
    pseudonym = services.pseudonymizer.case_pseudonym(case, THIS_MONTH.year)
    assert {r[0] for r in rows(services)} == {pseudonym}
    assert {r[1] for r in rows(services)} == {str(THIS_MONTH)}
    assert stored_codes(services) == {"aftercare": ["getuigen", "melder"], "feedback_3m": ["ja"],
                                      "measures": ["gesprek", "waarschuwing"],
                                      "outcome": ["gegrond"]}
    with services.db.session() as session:
        columns = {c[1] for c in session.execute(text("PRAGMA table_info(case_outcomes)"))} \
            if services.db.engine.dialect.name == "sqlite" else set()
    assert not columns or columns == {"id", "case_pseudonym", "period", "field", "code"}


def test_a_later_outcome_replaces_the_same_field_and_keeps_the_others(client, services, adviser,
                                                                      case):
    client.post(OUTCOMES, json=body(case, feedback_3m="nee", measures=["gesprek", "bemiddeling"]),
                headers=adviser)
    reply = client.post(OUTCOMES, json=body(case, feedback_3m="ja", measures=["geen_maatregel"]),
                        headers=adviser)
    assert reply.status_code == 201
    client.post(OUTCOMES, json=body(case, employer_acted="ja"), headers=adviser)
    assert stored_codes(services) == {"employer_acted": ["ja"], "feedback_3m": ["ja"],
                                      "measures": ["geen_maatregel"]}


def test_a_case_over_new_year_gets_its_outcome_in_the_year_of_its_first_contact(
        client, services, adviser):
    token = new_case_token()
    december = Month(THIS_MONTH.year - 1, 12)
    for period in (december, Month(THIS_MONTH.year, 1)):
        assert client.post("/api/v1/signals", json=signal(token, period),
                           headers=adviser).status_code == 201
    assert client.post(OUTCOMES, json=body(token, acknowledged_7d="ja"),
                       headers=adviser).status_code == 201
    assert {r[0] for r in rows(services)} == {
        services.pseudonymizer.case_pseudonym(token, december.year)}
    too_early = {**body(token, acknowledged_7d="nee"), "month": str(december.add(-1))}
    reply = client.post(OUTCOMES, json=too_early, headers=adviser)
    assert reply.status_code == 422
    assert [e["field"] for e in reply.get_json()["errors"]] == ["month"]


def test_a_retry_with_the_same_key_stores_nothing_new_and_answers_the_same(client, services,
                                                                          adviser, case):
    headers = {**adviser, KEY: "uitkomst-1"}
    first = client.post(OUTCOMES, json=body(case, feedback_3m="nee"), headers=headers)
    client.post(OUTCOMES, json=body(case, feedback_3m="ja"), headers=adviser)  # later news
    again = client.post(OUTCOMES, json=body(case, feedback_3m="nee"), headers=headers)
    assert (first.status_code, first.get_json()) == (again.status_code, again.get_json())
    assert stored_codes(services) == {"feedback_3m": ["ja"]}  # the retry did not undo it
    other = client.post(OUTCOMES, json=body(case, feedback_3m="onbekend"), headers=headers)
    assert other.status_code == 409
    assert other.get_json()["errors"][0]["field"] == KEY
    assert stored_codes(services) == {"feedback_3m": ["ja"]}


@pytest.mark.parametrize(("payload", "fields"), [
    ({"fields": {"feedback_3m": "ja"}, "month": str(THIS_MONTH)}, ["case_token"]),
    ({"fields": {"feedback_3m": "ja"}}, ["month"]),
    ({"fields": {"feedback_3m": "ja"}, "month": str(THIS_MONTH.add(1))}, ["month"]),
    ({"fields": {}, "month": str(THIS_MONTH)}, ["fields"]),
    ({"fields": {"feedback_3m": "binnen twee weken, zei Jan"}, "month": str(THIS_MONTH)},
     ["fields.feedback_3m"]),
    ({"fields": {"feedback_3m": "ja", "toelichting": "vrije tekst"}, "month": str(THIS_MONTH)},
     ["fields.toelichting"]),
    ({"fields": {"feedback_3m": "ja"}, "month": str(THIS_MONTH), "notitie": "x"}, ["notitie"]),
    ({"fields": {"measures": "gesprek"}, "month": str(THIS_MONTH)}, ["fields.measures"]),
    ({"fields": {"measures": ["gesprek", "geen_maatregel"]}, "month": str(THIS_MONTH)},
     ["fields.measures"]),
    ({"fields": {"aftercare": ["melder", "melder"]}, "month": str(THIS_MONTH)},
     ["fields.aftercare"]),
    ({"fields": {"outcome": ["gegrond"]}, "month": str(THIS_MONTH)}, ["fields.outcome"]),
])
def test_bad_input_gets_a_json_error_list_and_nothing_is_stored(client, services, adviser, case,
                                                                payload, fields):
    payload = {"case_token": case, **payload} if fields != ["case_token"] else payload
    # A valid field beside the bad one is not stored either: all or nothing.
    payload["fields"] = {"employer_acted": "ja", **payload["fields"]} if payload["fields"] else {}
    reply = client.post(OUTCOMES, json=payload, headers=adviser)
    assert reply.status_code == 422, reply.get_json()
    assert sorted(e["field"] for e in reply.get_json()["errors"]) == fields
    assert rows(services) == []


def test_a_mistyped_unknown_or_foreign_case_token_is_refused(client, services, adviser, case,
                                                             make_user):
    mistyped = case[:-1] + ("A" if case[-1] != "A" else "B")
    unknown = new_case_token()
    other, _ = make_user(Role.ADVISER, "MIN-B")
    other_headers = {"Authorization": "Bearer "
                     + services.accounts.create_token(other.account_id, "b")}
    for token, headers in ((mistyped, adviser), (unknown, adviser), (case, other_headers)):
        reply = client.post(OUTCOMES, json=body(token, feedback_3m="ja"), headers=headers)
        assert reply.status_code == 422
        assert [e["field"] for e in reply.get_json()["errors"]] == ["case_token"]
    assert rows(services) == []


def test_only_advisers_tokens_may_record_outcomes(client, services, make_user, case):
    officer, _ = make_user(Role.PREVENTION_OFFICER, "MIN-A")
    token = services.accounts.create_token(officer.account_id, "p")
    reply = client.post(OUTCOMES, json=body(case, feedback_3m="ja"),
                        headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 403
    assert client.post(OUTCOMES, json=body(case, feedback_3m="ja")).status_code == 401
    assert rows(services) == []


def test_the_outcome_codes_are_public_with_dutch_labels(client):
    reply = client.get("/api/v1/outcome-codes").get_json()
    assert set(reply["fields"]) == set(OUTCOME_FIELDS)
    assert [c["code"] for c in reply["fields"]["outcome"]["codes"]] == [
        "gegrond", "ongegrond", "schikking", "geen_oordeel"]
    assert reply["fields"]["employer_acted"]["label_nl"] == "Werkgever heeft actie ondernomen"


CODES = load_outcome_codes()
ANY_FIELD = st.sampled_from(OUTCOME_FIELDS)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=ANY_FIELD, text_value=st.text(min_size=1, max_size=40))
def test_no_free_text_is_ever_stored(client, services, adviser, case, field, text_value):
    if text_value in CODES.codes(field):
        return
    value: Any = [text_value] if CODES.fields[field].multiple else text_value
    reply = client.post(OUTCOMES, json=body(case, **{field: value}), headers=adviser)
    assert reply.status_code == 422
    assert rows(services) == []
