"""Properties of POST /api/v1/signals over generated payloads: all or nothing, always explained.

Payloads start valid and get zero to three mutations (an invalid value, a dropped field or an
unknown field). A payload without harmful mutations must be stored exactly once; any harmful
mutation must give 422 naming that field, with nothing stored. Whatever the server accepts must
also satisfy the request schema published in the OpenAPI document.
"""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from registry.accounts import Role
from registry.checked_codes import case_token_from_bits
from registry.periods import Month
from registry.records import RECORD_FIELDS, SELF_REPORT_CHANNEL
from registry.taxonomy import load_taxonomy
from server.openapi import build_document

TAXONOMY = load_taxonomy()
MIN_A_UNITS = ["MIN-A", "MIN-A-DG1", "MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG1-D2-T1",
               "MIN-A-DG2"]
OPTIONAL = {"impact", "case_token"}
TOKEN_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=6,
)
PERIOD_LIKE = re.compile(r"^\s*\d{4}-\d{2}\s*$")
DOC_URI = "urn:signal-registry:openapi"
DOCUMENTED_INPUT = Draft202012Validator(
    {"$ref": f"{DOC_URI}#/components/schemas/SignalInput"},
    registry=Registry().with_resource(
        DOC_URI, Resource.from_contents(build_document(), default_specification=DRAFT202012)),
)


def codes(field: str) -> st.SearchStrategy[str]:
    return st.sampled_from(TAXONOMY.codes(field))


def code_lists(field: str, minimum: int) -> st.SearchStrategy[list[str]]:
    return st.lists(codes(field), min_size=minimum, max_size=4, unique=True)


def past_months() -> st.SearchStrategy[str]:
    now = Month.current()
    return st.integers(0, 120).map(lambda back: str(now.add(-back)))


# Tokens issued before check characters (16, 20 or 24 characters) and tokens issued now.
case_tokens = st.lists(st.text(TOKEN_CHARS, min_size=4, max_size=4), min_size=4, max_size=6).map(
    "-".join) | st.integers(0, 2**85 - 1).map(case_token_from_bits)
# An issued token with one character wrong: its check character no longer matches.
mistyped_tokens = st.tuples(st.integers(0, 2**85 - 1), st.integers(0, 17), st.integers(1, 31)).map(
    lambda t: _mistype(case_token_from_bits(t[0]).replace("-", ""), t[1], t[2]))


def _mistype(token: str, position: int, shift: int) -> str:
    wrong = TOKEN_CHARS[(TOKEN_CHARS.index(token[position]) + shift) % 32]
    return token[:position] + wrong + token[position + 1:]

VALID: dict[str, st.SearchStrategy[object]] = {
    "period": past_months(),
    "unit": st.sampled_from(MIN_A_UNITS),
    "channel": codes("channel").filter(lambda code: code != SELF_REPORT_CHANNEL),
    "categories": code_lists("categories", 1),
    "implicated_party": codes("implicated_party"),
    "reporter_role": codes("reporter_role"),
    "follow_up": codes("follow_up"),
    "impact": code_lists("impact", 0) | st.none(),
    "case_token": case_tokens | case_tokens.map(str.lower) | st.sampled_from([None, ""]),
}


def wrong_code(field: str) -> st.SearchStrategy[object]:
    return (st.text(max_size=12).filter(lambda t: t not in TAXONOMY.codes(field))
            | st.integers() | st.none() | st.lists(codes(field), min_size=1, max_size=2))


def wrong_list(field: str, minimum: int) -> st.SearchStrategy[object]:
    duplicated = codes(field).map(lambda c: [c, c])
    unknown = st.lists(st.text(max_size=8), min_size=1, max_size=3).filter(
        lambda values: any(v not in TAXONOMY.codes(field) for v in values))
    out = duplicated | unknown | codes(field) | st.lists(st.integers(), min_size=1, max_size=2)
    return out | st.just([]) | st.none() if minimum else out


INVALID: dict[str, st.SearchStrategy[object]] = {
    "period": (st.text(max_size=10).filter(lambda t: not PERIOD_LIKE.match(t))
               | st.sampled_from(["2026-13", "2026-00", "1800-01", "2026-1", "2026/01"])
               | st.integers(1, 12).map(lambda n: str(Month.current().add(n)))
               | st.integers() | st.none() | st.lists(past_months(), max_size=1)),
    "unit": (st.sampled_from(["MIN-B", "MIN-B-D1", "MIN-B-D2", "NOPE", ""])
             | st.integers() | st.none() | st.just(["MIN-A"])),
    "channel": wrong_code("channel") | st.just(SELF_REPORT_CHANNEL),
    "categories": wrong_list("categories", 1),
    "implicated_party": wrong_code("implicated_party"),
    "reporter_role": wrong_code("reporter_role"),
    "follow_up": wrong_code("follow_up"),
    "impact": wrong_list("impact", 0),
    "case_token": (st.text(max_size=12).filter(lambda t: t.strip() != "")
                   | st.integers() | st.just(["ABCD-EFGH-JKLM-NPQR"])
                   | mistyped_tokens),
}


@st.composite
def payloads(draw: st.DrawFn) -> tuple[dict[str, object], set[str]]:
    """A payload and the set of fields whose errors the server must report."""
    payload = {name: draw(VALID[name]) for name in RECORD_FIELDS}
    harmed: set[str] = set()
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["invalid", "drop", "unknown"]))
        if action == "unknown":
            name = draw(st.text(min_size=1, max_size=20).filter(lambda n: n not in RECORD_FIELDS))
            payload[name] = draw(ANY_JSON)
            harmed.add(name)
            continue
        name = draw(st.sampled_from(RECORD_FIELDS))
        if action == "drop":
            payload.pop(name, None)
            harmed.discard(name)
            if name not in OPTIONAL:
                harmed.add(name)
        else:
            payload[name] = draw(INVALID[name])
            harmed.add(name)
    return payload, harmed


SLOW_OK = [HealthCheck.too_slow]


def test_any_payload_is_stored_whole_or_not_at_all(client, services, make_token):
    headers = make_token(Role.ADVISER, "MIN-A")

    @settings(max_examples=120, deadline=None, suppress_health_check=SLOW_OK)
    @given(case=payloads())
    def check(case: tuple[dict[str, object], set[str]]) -> None:
        payload, harmed = case
        before = services.signals.count()
        response = client.post("/api/v1/signals", data=json.dumps(payload), headers=headers,
                               content_type="application/json")
        body = response.get_json()
        if harmed:
            assert response.status_code == 422, (payload, body)
            assert body["ok"] is False and body["status"] == 422
            reported = {e["field"] for e in body["errors"]}
            assert {name[:64] for name in harmed} <= reported, (payload, reported)
            assert all(isinstance(e["message"], str) and e["message"] for e in body["errors"])
            assert services.signals.count() == before
        else:
            assert response.status_code == 201, (payload, body)
            assert body["ok"] is True and body["receipt"] and body["id"]
            assert services.signals.count() == before + 1
        if response.status_code == 201:
            assert DOCUMENTED_INPUT.is_valid(payload), payload

    check()


def test_any_body_gets_a_json_answer_and_never_a_500(client, services, make_token):
    headers = make_token(Role.ADVISER, "MIN-A")
    paths = ("/api/v1/signals", "/api/v1/signals/correction", "/api/v1/signals/withdrawal")

    @settings(max_examples=60, deadline=None, suppress_health_check=SLOW_OK)
    @given(raw=st.binary(max_size=200) | ANY_JSON.map(lambda v: json.dumps(v).encode()))
    def check(raw: bytes) -> None:
        for path in paths:
            response = client.post(path, data=raw, headers=headers,
                                   content_type="application/json")
            assert response.status_code in (400, 404, 422), (path, raw, response.status_code)
            body = response.get_json()
            assert body["ok"] is False and body["errors"]
        assert services.signals.count() == 0

    check()
