"""The OpenAPI document stays true: it matches the URL map and every real response it describes."""

from __future__ import annotations

import json
import re
import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from registry.accounts import Role
from registry.periods import Month
from server.openapi import FRAGMENTS, build_document, merge

DOC_URI = "urn:signal-registry:openapi"
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
MAX_BYTES = 4096


@pytest.fixture
def settings_overrides(settings_overrides):  # type: ignore[no-untyped-def]
    # A small request limit makes the documented 413 cheap to produce.
    return {**settings_overrides, "max_request_bytes": MAX_BYTES}


def pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def validator(document: dict[str, Any], ref: str) -> Draft202012Validator:
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry = Registry().with_resource(DOC_URI, resource)
    return Draft202012Validator({"$ref": DOC_URI + ref}, registry=registry)


def flask_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_document_is_valid_openapi_3_1():
    document = build_document()
    assert document["openapi"].startswith("3.1")
    validate_openapi(document)


def test_every_reference_resolves():
    document = build_document()
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/"), ref
        target: Any = document
        for part in ref[2:].split("/"):
            target = target[part]


def test_served_document_is_the_merged_document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == json.loads(json.dumps(build_document()))


def test_url_map_and_document_list_the_same_operations(app):
    document = build_document()
    routed = {
        (flask_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.endpoint != "static"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method)
        for path, operations in document["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }
    assert routed == documented


def test_protected_operations_declare_bearer_auth_and_a_401():
    document = build_document()
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "security" in operation, (path, method)
            if operation["security"]:
                assert operation["security"] == [{"bearerAuth": []}]
                assert {"401", "403"} <= set(operation["responses"]), (path, method)


def test_a_fragment_joins_the_document_by_module_name(monkeypatch):
    fragment = types.ModuleType("fragment_for_test")
    fragment.PATHS = {"/api/v1/example": {"get": {"responses": {"200": {"description": "x"}}}}}  # type: ignore[attr-defined]
    fragment.SCHEMAS = {"Example": {"type": "object"}}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fragment_for_test", fragment)
    document = build_document((*FRAGMENTS, "fragment_for_test"))
    assert "get" in document["paths"]["/api/v1/example"]
    assert document["components"]["schemas"]["Example"] == {"type": "object"}
    assert "/api/v1/signals" in document["paths"]


def test_an_operation_documented_twice_is_refused():
    with pytest.raises(ValueError, match="already documented"):
        build_document((*FRAGMENTS, *FRAGMENTS))


def test_a_schema_defined_twice_differently_is_refused():
    document = build_document()
    merge(document, {}, {"Error": document["components"]["schemas"]["Error"]}, "same")
    with pytest.raises(ValueError, match="Error"):
        merge(document, {}, {"Error": {"type": "string"}}, "other")


# Real calls for every documented (path, method, status): each response must match its schema.

def signal(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "period": str(Month.current()), "unit": "MIN-A-DG1-D2", "channel": "integriteitscoordinator",
        "categories": ["discriminatie"], "implicated_party": "burger_extern",
        "reporter_role": "inhuur_extern", "follow_up": "doorverwijzing",
        "case_token": "ABCD-EFGH-JKLM-NPQR",
    }
    body.update(changes)
    return body


@dataclass
class Call:
    method: str
    path: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    json_body: Any = None
    raw: bytes | None = None
    content_type: str = "application/json"
    doc_path: str | None = None  # the documented path template, when it differs from `path`

    @property
    def documented(self) -> str:
        return self.doc_path or self.path.split("?", 1)[0]


def calls(client, make_token) -> list[Call]:  # type: ignore[no-untyped-def]
    adviser = make_token(Role.ADVISER, "MIN-A")
    researcher = make_token(Role.RESEARCHER, None)
    receipts = [client.post("/api/v1/signals", json=signal(), headers=adviser).get_json()["receipt"]
                for _ in range(2)]
    unknown = f"{Month.current()}-ABCD-EFGH-JKLM-NPQR-STUV"
    oversize = json.dumps(signal(impact=["verzuim"] * MAX_BYTES)).encode()
    out = [
        Call("GET", "/api/v1/taxonomy", 200),
        Call("GET", "/api/v1/org", 200),
        Call("GET", "/api/openapi.json", 200),
        Call("GET", "/api/docs", 200),
        Call("POST", "/api/v1/case-tokens", 201, adviser),
        Call("POST", "/api/v1/case-tokens", 401),
        Call("POST", "/api/v1/case-tokens", 403, researcher),
        Call("POST", "/api/v1/signals", 201, adviser, signal()),
        Call("POST", "/api/v1/signals/batch", 201, adviser, {"signals": [signal(), signal()]}),
    ]
    out += idempotency_calls(adviser)
    out += outcome_calls(adviser, researcher)
    bodies = {
        "/api/v1/signals": (signal(), signal(unit="MIN-B-D1", extra=1)),
        "/api/v1/signals/batch": ({"signals": [signal()]},
                                  {"signals": [signal(), signal(unit="MIN-B-D1")]}),
        "/api/v1/signals/correction": ({"receipt": receipts[0], "signal": signal(impact=[])},
                                       {"receipt": receipts[0], "signal": {}}),
        "/api/v1/signals/withdrawal": ({"receipt": receipts[1]}, {"receipt": 5}),
    }
    for path, (good, bad) in bodies.items():
        out += [
            Call("POST", path, 400, adviser, raw=b'{"receipt": '),
            Call("POST", path, 401, {}, good),
            Call("POST", path, 401, {"Authorization": "Bearer sr_revoked-or-unknown"}, good),
            Call("POST", path, 403, researcher, good),
            Call("POST", path, 413, adviser, raw=oversize),
            Call("POST", path, 415, adviser, raw=json.dumps(good).encode(),
                 content_type="text/plain"),
            Call("POST", path, 422, adviser, bad),
            Call("POST", path, 422, adviser, [good]),
        ]
        if "receipt" in good:
            unknown_body = {**good, "receipt": unknown}
            out += [Call("POST", path, 404, adviser, unknown_body),
                    Call("POST", path, 200, adviser, good)]
    out += research_calls(client, make_token, researcher, adviser)
    if "dashboards.analytics_api.openapi" in FRAGMENTS:  # once the lead registers the analytics API
        out += analytics_calls(make_token, researcher)
    return out


def analytics_calls(make_token, researcher) -> list[Call]:  # type: ignore[no-untyped-def]
    """Nothing published here: 200 answers carry an empty result and a Dutch note."""
    officer = make_token(Role.PREVENTION_OFFICER, "MIN-A")
    month = str(Month.current())
    out: list[Call] = []
    for path, good, bad in (
        ("/api/v1/trends", f"?organisation=MIN-A&from={month}&to={month}",
         f"?organisation=MIN-A&from={month}&to=gisteren"),
        ("/api/v1/checks", "?organisation=MIN-A", "?organisation=MIN-A&to=2025-13"),
        ("/api/v1/benchmarks", "?organisation=MIN-A&year=2025", "?organisation=MIN-A&year=x"),
    ):
        out += [Call("GET", path + good, 200, officer), Call("GET", path + good, 401),
                Call("GET", path + good, 403, researcher),
                Call("GET", path + good.replace("MIN-A", "MIN-B"), 403, officer),
                Call("GET", path + bad, 422, officer)]
    return out


def idempotency_calls(adviser: dict[str, str]) -> list[Call]:
    """A first request, its retry (the same answer), then the key reused for another body."""
    out: list[Call] = []
    for path, body, other in (
        ("/api/v1/signals", signal(), signal(impact=["verzuim"])),
        ("/api/v1/signals/batch", {"signals": [signal()]}, {"signals": [signal(), signal()]}),
    ):
        keyed = {**adviser, "Idempotency-Key": f"openapi-{path}"}
        out += [Call("POST", path, 201, keyed, body), Call("POST", path, 201, keyed, body),
                Call("POST", path, 409, keyed, other),
                Call("POST", path, 422, {**adviser, "Idempotency-Key": "sleutel\t1"}, body)]
    return out


def outcome_calls(adviser: dict[str, str], researcher: dict[str, str]) -> list[Call]:
    """Outcomes for the case the signals above were logged with (``signal()``'s token)."""
    path = "/api/v1/outcomes"
    good = {"case_token": "abcd efgh jklm npqr", "month": str(Month.current()),
            "fields": {"feedback_3m": "ja", "measures": ["gesprek"]}}
    keyed = {**adviser, "Idempotency-Key": "openapi-outcome"}
    other = {**good, "fields": {"feedback_3m": "nee"}}
    return [
        Call("GET", "/api/v1/outcome-codes", 200),
        Call("POST", path, 201, adviser, good),
        Call("POST", path, 201, keyed, good), Call("POST", path, 201, keyed, good),
        Call("POST", path, 409, keyed, other),
        Call("POST", path, 422, {**adviser, "Idempotency-Key": "sleutel\t1"}, good),
        Call("POST", path, 400, adviser, raw=b'{"case_token": '),
        Call("POST", path, 401, {}, good),
        Call("POST", path, 403, researcher, good),
        Call("POST", path, 413, adviser,
             raw=json.dumps({**good, "fields": {"measures": ["gesprek"] * MAX_BYTES}}).encode()),
        Call("POST", path, 415, adviser, raw=json.dumps(good).encode(), content_type="text/plain"),
        Call("POST", path, 422, adviser, {**good, "fields": {"feedback_3m": "vrije tekst"}}),
    ]


def research_calls(client, make_token, researcher, adviser) -> list[Call]:  # type: ignore[no-untyped-def]
    month = str(Month.current())
    spec = {"measure": "contacts", "group_by": ["unit"], "from": month, "to": month,
            "epsilon": "0.5"}
    release_id = client.post("/api/v1/queries", json={**spec, "measure": "cases"},
                             headers=researcher).get_json()["release_id"]
    out = [Call("GET", "/api/v1/releases/public-key", 200),
           Call("GET", "/api/v1/privacy-budget", 200)]
    for path in ("/api/v1/queries/preview", "/api/v1/queries"):
        out += [
            Call("POST", path, 400, researcher, raw=b'{"measure": '),
            Call("POST", path, 401, {}, spec),
            Call("POST", path, 403, adviser, spec),
            Call("POST", path, 415, researcher, raw=json.dumps(spec).encode(),
                 content_type="text/plain"),
            Call("POST", path, 422, researcher, {**spec, "measure": "people"}),
        ]
    out += [
        Call("POST", "/api/v1/queries/preview", 200, researcher, spec),
        Call("POST", "/api/v1/queries", 201, researcher, spec),
        Call("POST", "/api/v1/queries", 200, researcher, spec),
        Call("GET", "/api/v1/budget", 200, researcher),
        Call("GET", "/api/v1/budget?year=twenty", 422, researcher),
        Call("GET", "/api/v1/budget", 401),
        Call("GET", "/api/v1/budget", 403, adviser),
    ]
    template = "/api/v1/releases/{release_id}"
    path = f"/api/v1/releases/{release_id}"
    out += [
        Call("GET", path, 200, researcher, doc_path=template),
        Call("GET", f"{path}?format=xml", 400, researcher, doc_path=template),
        Call("GET", path, 404, make_token(Role.RESEARCHER, None), doc_path=template),
        Call("GET", path, 401, doc_path=template),
        Call("GET", path, 403, adviser, doc_path=template),
    ]
    return out


def send(client, call: Call):  # type: ignore[no-untyped-def]
    if call.json_body is not None:
        return client.open(call.path, method=call.method, headers=call.headers,
                           json=call.json_body)
    return client.open(call.path, method=call.method, headers=call.headers, data=call.raw,
                       content_type=call.content_type if call.raw is not None else None)


def test_every_documented_response_is_produced_and_matches_its_schema(client, make_token):
    document = build_document()
    checked: set[tuple[str, str, str]] = set()
    for call in calls(client, make_token):
        response = send(client, call)
        status = str(response.status_code)
        assert response.status_code == call.status, (call, response.get_json())
        operation = document["paths"][call.documented][call.method.lower()]
        assert status in operation["responses"], f"{call.method} {call.path} {status} undocumented"
        documented = operation["responses"][status]
        assert response.mimetype in documented["content"]
        ref = pointer("paths", call.documented, call.method.lower(), "responses", status, "content",
                      response.mimetype, "schema")
        body = response.get_json() if response.is_json else response.get_data(as_text=True)
        validator(document, ref).validate(body)
        _check_headers(documented.get("headers", {}), response.headers)
        if response.status_code >= 400:
            assert response.get_json()["status"] == response.status_code
        checked.add((call.documented, call.method.lower(), status))
    documented_all = {
        (path, method, status)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status in operation["responses"]
        if status != "default"
    }
    assert documented_all - checked == set(), "documented responses that no call produced"


def _check_headers(documented: dict[str, Any], actual: Any) -> None:
    for name, header in documented.items():
        assert name in actual, name
        const = header["schema"].get("const")
        if const is not None:
            assert actual[name] == const, name


def test_accepted_and_documented_signal_inputs_agree(client, make_token):
    document = build_document()
    schema = validator(document, "#/components/schemas/SignalInput")
    adviser = make_token(Role.ADVISER, "MIN-A")
    examples = [signal(), signal(case_token=None, impact=None), signal(case_token="abcd-efgh-jklm-npqr"),
                signal(period=" 2025-01 "), signal(categories=[]), signal(channel="fax"),
                signal(unit=""), signal(extra="x"), signal(case_token="ABCD")]
    for example in examples:
        accepted = client.post("/api/v1/signals", json=example, headers=adviser).status_code == 201
        assert accepted == schema.is_valid(example), example
