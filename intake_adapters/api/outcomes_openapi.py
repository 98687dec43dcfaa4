"""OpenAPI fragment of the follow-up outcomes: ``POST /api/v1/outcomes`` and its code list.

Code lists come from ``registry.taxonomy.outcomes``, so the document cannot drift from what
``OutcomeRecord.from_payload`` accepts. Shares the error shapes and the Idempotency-Key header
of the signals' fragment (``intake_adapters.api.openapi``).
"""

from __future__ import annotations

from typing import Any

from intake_adapters.api.openapi import (
    _BEARER,
    _CASE_INPUT_PATTERN,
    _IDEMPOTENCY_KEY,
    _LOGGING_ERRORS,
    _NO_STORE,
    _body,
    _json,
)
from registry.taxonomy.outcomes import OUTCOME_FIELDS, load_outcome_codes

_CODES = load_outcome_codes()


def _field_schema(name: str) -> dict[str, Any]:
    spec = _CODES.fields[name]
    one = {"type": "string", "enum": _CODES.codes(name)}
    if spec.multiple:
        return {"type": "array", "items": one, "minItems": 1, "uniqueItems": True,
                "description": f"{spec.label_en}: one or more codes; a code meaning 'none' "
                               "stands alone."}
    return {**one, "description": spec.label_en}


SCHEMAS: dict[str, Any] = {
    "OutcomeInput": {
        "description": (
            "Coded outcomes of one case, named by its case token: the month the outcome was "
            "recorded and one or more fields. No free text: every value is a code of GET "
            "/api/v1/outcome-codes. A later outcome for the same case replaces the earlier "
            "value of each field it names; fields it does not name are kept. The case must have "
            "a contact logged for the token's organisation (`case_token` error otherwise), and "
            "the month may not lie before its first contact or in the future."
        ),
        "type": "object",
        "required": ["case_token", "month", "fields"],
        "additionalProperties": False,
        "properties": {
            "case_token": {"type": "string", "pattern": _CASE_INPUT_PATTERN, "minLength": 1},
            "month": {"type": "string", "pattern": r"^\s*[0-9]{4}-[0-9]{2}\s*$",
                      "description": "Month the outcome was recorded, YYYY-MM."},
            "fields": {
                "type": "object", "minProperties": 1, "additionalProperties": False,
                "description": "Errors are named `fields.<field>`.",
                "properties": {name: _field_schema(name) for name in OUTCOME_FIELDS},
            },
        },
    },
    "OutcomeRecorded": {
        "type": "object",
        "required": ["ok", "fields"],
        "additionalProperties": False,
        "properties": {"ok": {"const": True},
                       "fields": {"type": "array", "minItems": 1, "uniqueItems": True,
                                  "items": {"type": "string", "enum": list(OUTCOME_FIELDS)},
                                  "description": "The fields now recorded by this request."}},
    },
    "OutcomeCodes": {
        "type": "object",
        "required": ["version", "fields"],
        "additionalProperties": False,
        "properties": {
            "version": {"type": "string"},
            "fields": {
                "type": "object", "required": list(OUTCOME_FIELDS), "additionalProperties": False,
                "properties": {name: {
                    "type": "object", "required": ["multiple", "label_nl", "label_en", "codes"],
                    "additionalProperties": False,
                    "properties": {
                        "multiple": {"type": "boolean"}, "label_nl": {"type": "string"},
                        "label_en": {"type": "string"},
                        "codes": {"type": "array", "minItems": 1,
                                  "items": {"$ref": "#/components/schemas/TaxonomyCode"}},
                    }} for name in OUTCOME_FIELDS},
            },
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/outcome-codes": {"get": {
        "operationId": "getOutcomeCodes",
        "tags": ["reference"],
        "summary": "The codes follow-up outcomes are recorded with (public).",
        "security": [],
        "responses": {"200": _json({"$ref": "#/components/schemas/OutcomeCodes"},
                                   "The outcome code list.")},
    }},
    "/api/v1/outcomes": {"post": {
        "operationId": "recordOutcome",
        "tags": ["signals"],
        "summary": "Add coded follow-up outcomes to a case by its token (advisers only).",
        "description": "All or nothing: an invalid body stores nothing and lists every problem.",
        "security": _BEARER,
        "parameters": [_IDEMPOTENCY_KEY],
        "requestBody": _body("OutcomeInput"),
        "responses": {
            "201": _json({"$ref": "#/components/schemas/OutcomeRecorded"},
                         "Recorded (or, for a retry with the same Idempotency-Key and body, "
                         "recorded before).", headers=_NO_STORE),
            **_LOGGING_ERRORS,
        },
    }},
}
