"""OpenAPI 3.1 fragment of the JSON API v1: ``PATHS`` and ``SCHEMAS``, merged by ``server.openapi``.

Schemas are JSON Schema 2020-12. Code lists come from the taxonomy shipped with the product, so
the document cannot drift from what ``SignalRecord.from_payload`` accepts. ``Error`` is provided
by the server, which renders every error in one shape.
"""

from __future__ import annotations

from typing import Any

from intake_adapters.api.api import MAX_BATCH
from registry.checked_codes import SEPARATOR_CLASS
from registry.fields import REQUIRED_FIELDS, SIGNAL_FIELDS, FieldKind, SignalField
from registry.idempotency import HEADER, MAX_KEY_LENGTH
from registry.records import SELF_REPORT_CHANNEL
from registry.taxonomy import load_taxonomy

_TAXONOMY = load_taxonomy()
_ERROR = {"$ref": "#/components/schemas/Error"}
_BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
_NO_STORE = {
    "Cache-Control": {
        "description": "Never cached: the reply carries a receipt or case token.",
        "schema": {"type": "string", "const": "no-store"},
    }
}
# Receipts: the month they were issued in, then six groups of three characters.
# Both end in a check character (registry.checked_codes), which no pattern can express.
RECEIPT_PATTERN = r"^[0-9]{4}-[0-9]{2}(-[A-HJ-NP-Z2-9]{3}){6}$"
CASE_PATTERN = r"^[A-HJ-NP-Z2-9]{3}(-[A-HJ-NP-Z2-9]{3}){5}$"
# What is read back: any letter case, spaces and dashes anywhere; 18 characters (or 16, 20 or
# 24 for tokens issued before check characters), which the pattern only bounds.
_SEPARATORS = SEPARATOR_CLASS + "*"
_CASE_INPUT_PATTERN = rf"^({_SEPARATORS}([A-HJ-NP-Za-hj-np-z2-9]{_SEPARATORS}){{16,24}})?$"


def _json(schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}},
            **extra}


def _error(description: str) -> dict[str, Any]:
    return _json(_ERROR, description)


def _codes(field: str) -> dict[str, Any]:
    return {"type": "string", "enum": _TAXONOMY.codes(field)}


def _code_list(field: str, minimum: int) -> dict[str, Any]:
    return {"type": "array", "items": _codes(field), "minItems": minimum, "uniqueItems": True}



def _code_property(spec: SignalField) -> dict[str, Any]:
    if spec.name == "channel":
        return {"type": "string",
                "enum": [code for code in _TAXONOMY.codes("channel") if code != SELF_REPORT_CHANNEL],
                "description": "How the contact reached the adviser; never "
                               f"`{SELF_REPORT_CHANNEL}`, the meldknop's own channel."}
    return _codes(spec.name)


def _codes_property(spec: SignalField) -> dict[str, Any]:
    codes = _code_list(spec.name, spec.minimum)
    return codes if spec.required else {"oneOf": [codes, {"type": "null"}]}


def _property(spec: SignalField) -> dict[str, Any]:
    """The JSON Schema of one signal field, as ``SignalRecord.from_payload`` reads it."""
    match spec.kind:
        case FieldKind.MONTH:
            return {"type": "string", "pattern": r"^\s*[0-9]{4}-[0-9]{2}\s*$",
                    "description": "Month of the contact, YYYY-MM; not in the future."}
        case FieldKind.UNIT:
            return {"type": "string", "minLength": 1,
                    "description": "A unit code from GET /api/v1/org within the organisation "
                                   "of the token's account."}
        case FieldKind.CODE:
            return _code_property(spec)
        case FieldKind.CODES:
            return _codes_property(spec)
        case FieldKind.CASE:
            return {
                "type": ["string", "null"], "pattern": _CASE_INPUT_PATTERN,
                "description": "Token from POST /api/v1/case-tokens, sent again with follow-up "
                               "contacts of the same case (letter case, spaces and hyphens are "
                               "ignored). A token whose check character does not match is "
                               "refused with an error for `case_token`.",
            }

_BODY_ERRORS = {
    "400": _error("The body is not valid JSON or names a field twice."),
    "401": {**_error("No token, or an unknown or revoked token."),
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
    "403": _error("The token's role may not use this endpoint (only advisers may)."),
    "413": _error("The body is larger than the configured maximum."),
    "415": _error("The body is not sent as application/json."),
    "422": _error("The body was read but is not valid; `errors` names every field "
                  "that is wrong (`\"\"` for the body as a whole)."),
    "default": _error("Unexpected server error or service unavailable; nothing was stored."),
}
_AUTH_ERRORS = {key: _BODY_ERRORS[key] for key in ("401", "403", "default")}
_LOGGING_ERRORS = {
    **_BODY_ERRORS,
    "409": _error(f"The `{HEADER}` was used before by this token's account for another "
                  "request (another body or the other endpoint); nothing was stored."),
    "422": _error("The body was read but is not valid, or the `Idempotency-Key` header is "
                  "malformed; `errors` names every field that is wrong (`\"\"` for the body "
                  "as a whole, `Idempotency-Key` for the header)."),
}
_IDEMPOTENCY_KEY = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Any unique string chosen by the case system per logical request (a UUID will do). A "
        "retry with the same key and the same body (after JSON parsing: key order and "
        "whitespace do not matter) returns the first answer, same status, ids and receipts, "
        "and stores nothing new; the same key with another body is refused with 409. Keys "
        "are scoped to the token's account and remembered at least until the end of the "
        "next calendar month. Only keyed hashes of the key are stored."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH,
               "pattern": "^[ -~]+$"},
}

_STORED: dict[str, Any] = {
    "id": {"type": "string", "pattern": "^[0-9a-f]{32}$",
           "description": "Random (or, with an Idempotency-Key, derived with a secret key); "
                          "reveals nothing about order or time."},
    "receipt": {"type": "string", "pattern": RECEIPT_PATTERN,
                "description": "Shown once; needed to correct or withdraw the signal "
                               "in the same calendar month."},
}

SCHEMAS: dict[str, Any] = {
    "TaxonomyCode": {
        "type": "object",
        # meldknop_only is in every signal field's codes; the outcome codes reuse this shape.
        "required": ["code", "label_nl", "label_en", "definition_nl", "definition_en"],
        "additionalProperties": False,
        "properties": {
            **{name: {"type": "string"} for name in
               ("code", "label_nl", "label_en", "definition_nl", "definition_en")},
            "meldknop_only": {"type": "boolean",
                              "description": "Stored only by the anonymous meldknop (an "
                                             "employee's own report); refused from case systems."},
        },
    },
    "TaxonomyGroup": {
        "type": "object",
        "required": ["field", "label_nl", "label_en", "definition_nl", "definition_en", "codes"],
        "additionalProperties": False,
        "properties": {
            **{name: {"type": "string"} for name in
               ("field", "label_nl", "label_en", "definition_nl", "definition_en")},
            "codes": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        },
    },
    "Taxonomy": {
        "type": "object",
        "required": ["version", "definitions", "fields", "groups"],
        "additionalProperties": False,
        "properties": {
            "version": {"type": "string"},
            "definitions": {
                "description": "Rijk-wide definitions of signaal, melding and incident.",
                "type": "object",
                "required": ["signaal", "melding", "incident"],
                "additionalProperties": {
                    "type": "object", "additionalProperties": {"type": "string"},
                },
            },
            "fields": {
                "type": "object",
                "required": list(_TAXONOMY.fields),
                "additionalProperties": False,
                "properties": {
                    name: {"type": "array", "minItems": 1,
                           "items": {"$ref": "#/components/schemas/TaxonomyCode"}}
                    for name in _TAXONOMY.fields
                },
            },
            "groups": {
                "description": "Named sets of codes that reports add up, e.g. psa: the categories "
                               "that together are psychosociale arbeidsbelasting (Arbowet art. 1 "
                               "lid 3 sub e).",
                "type": "object",
                "additionalProperties": {"$ref": "#/components/schemas/TaxonomyGroup"},
            },
        },
    },
    "OrgUnit": {
        "type": "object",
        "required": ["code", "name", "parent", "organisation", "headcount"],
        "additionalProperties": False,
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "parent": {"type": ["string", "null"],
                       "description": "null for an organisation (a root unit)."},
            "organisation": {"type": "string"},
            "headcount": {"type": "integer", "minimum": 1,
                          "description": "FTE of the unit including its sub-units."},
        },
    },
    "SignalInput": {
        "description": (
            "One contact, coded. No names, no free text, no day or time: the month only. "
            f"Codes are those of GET /api/v1/taxonomy (version {_TAXONOMY.version})."
        ),
        "type": "object",
        "required": list(REQUIRED_FIELDS),
        "additionalProperties": False,
        "properties": {spec.name: _property(spec) for spec in SIGNAL_FIELDS},
    },
    "SignalCreated": {
        "type": "object",
        "required": ["ok", "id", "receipt"],
        "additionalProperties": False,
        "properties": {"ok": {"const": True}, **_STORED},
    },
    "StoredSignal": {
        "type": "object",
        "required": ["id", "receipt"],
        "additionalProperties": False,
        "properties": _STORED,
    },
    "SignalBatch": {
        "description": "Errors are named `signals[<index>].<field>` (index from 0), or "
                       "`signals` for the list itself.",
        "type": "object",
        "required": ["signals"],
        "additionalProperties": False,
        "properties": {"signals": {
            "type": "array", "minItems": 1, "maxItems": MAX_BATCH,
            "items": {"$ref": "#/components/schemas/SignalInput"},
        }},
    },
    "BatchCreated": {
        "type": "object",
        "required": ["ok", "stored", "results"],
        "additionalProperties": False,
        "properties": {
            "ok": {"const": True},
            "stored": {"type": "integer", "minimum": 1, "maximum": MAX_BATCH},
            "results": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH,
                        "description": "One per input signal, in the same order.",
                        "items": {"$ref": "#/components/schemas/StoredSignal"}},
        },
    },
    "CaseToken": {
        "type": "object",
        "required": ["case_token"],
        "additionalProperties": False,
        "properties": {"case_token": {"type": "string", "pattern": CASE_PATTERN}},
    },
    "Ok": {
        "type": "object",
        "required": ["ok"],
        "additionalProperties": False,
        "properties": {"ok": {"const": True}},
    },
    "Correction": {
        "type": "object",
        "required": ["receipt", "signal"],
        "additionalProperties": False,
        "properties": {
            "receipt": {"type": "string", "minLength": 1},
            "signal": {"$ref": "#/components/schemas/SignalInput"},
        },
        "description": "Errors in `signal` are named `signal.<field>`.",
    },
    "Withdrawal": {
        "type": "object",
        "required": ["receipt"],
        "additionalProperties": False,
        "properties": {"receipt": {"type": "string", "minLength": 1}},
    },
}


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _receipt_operation(operation_id: str, summary: str, schema: str) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "tags": ["signals"],
        "summary": summary,
        "description": "Only in the calendar month the receipt was issued, and only for a "
                       "signal of the token's organisation. The receipt travels in the body.",
        "security": _BEARER,
        "requestBody": _body(schema),
        "responses": {
            "200": _json({"$ref": "#/components/schemas/Ok"}, "Done.", headers=_NO_STORE),
            **_BODY_ERRORS,
            "404": _error("No signal of your organisation has this receipt."),
        },
    }


PATHS: dict[str, Any] = {
    "/api/v1/taxonomy": {"get": {
        "operationId": "getTaxonomy",
        "tags": ["reference"],
        "summary": "The codes and definitions a signal is coded with (public).",
        "security": [],
        "responses": {"200": _json({"$ref": "#/components/schemas/Taxonomy"}, "The taxonomy.")},
    }},
    "/api/v1/org": {"get": {
        "operationId": "getOrganisationStructure",
        "tags": ["reference"],
        "summary": "The public organisation structure: units with headcount (public).",
        "security": [],
        "responses": {"200": _json(
            {"type": "array", "items": {"$ref": "#/components/schemas/OrgUnit"}}, "All units.")},
    }},
    "/api/v1/signals": {"post": {
        "operationId": "createSignal",
        "tags": ["signals"],
        "summary": "Log one contact (advisers only).",
        "description": "All or nothing: an invalid body stores nothing and lists every problem.",
        "security": _BEARER,
        "parameters": [_IDEMPOTENCY_KEY],
        "requestBody": _body("SignalInput"),
        "responses": {
            "201": _json({"$ref": "#/components/schemas/SignalCreated"},
                         "Stored (or, for a retry with the same Idempotency-Key and body, "
                         "stored before).", headers=_NO_STORE),
            **_LOGGING_ERRORS,
        },
    }},
    "/api/v1/signals/batch": {"post": {
        "operationId": "createSignals",
        "tags": ["signals"],
        "summary": f"Log 1 to {MAX_BATCH} contacts at once (advisers only).",
        "description": "All or nothing: if any signal is invalid, nothing is stored and every "
                       "problem is listed as `signals[<index>].<field>`.",
        "security": _BEARER,
        "parameters": [_IDEMPOTENCY_KEY],
        "requestBody": _body("SignalBatch"),
        "responses": {
            "201": _json({"$ref": "#/components/schemas/BatchCreated"},
                         "All stored (or, for a retry with the same Idempotency-Key and body, "
                         "stored before).", headers=_NO_STORE),
            **_LOGGING_ERRORS,
        },
    }},
    "/api/v1/case-tokens": {"post": {
        "operationId": "createCaseToken",
        "tags": ["signals"],
        "summary": "A fresh random case token (advisers only; nothing is stored).",
        "description": "The case system keeps the token with its case and sends it as "
                       "`case_token` with every contact of that case.",
        "security": _BEARER,
        "responses": {
            "201": _json({"$ref": "#/components/schemas/CaseToken"}, "A new token.",
                         headers=_NO_STORE),
            **_AUTH_ERRORS,
        },
    }},
    "/api/v1/signals/correction": {"post": _receipt_operation(
        "correctSignal", "Replace the coded fields of a signal (advisers only).", "Correction")},
    "/api/v1/signals/withdrawal": {"post": _receipt_operation(
        "withdrawSignal", "Withdraw a signal (advisers only).", "Withdrawal")},
}
