"""OpenAPI 3.1 fragment of the researcher API: ``PATHS`` and ``SCHEMAS``, merged by ``server.openapi``."""

from __future__ import annotations

from typing import Any

from privacy.kinds import DIMENSIONS, FILTER_FIELDS, GRAINS, MEASURES, MECHANISMS

_ERROR = {"$ref": "#/components/schemas/Error"}
_BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
_EXACT = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?(/[0-9]+)?$",
          "description": "An exact decimal (or p/q) as text, never a binary float."}
_MONTH = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}$"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ERROR, description)


_AUTH = {
    "401": _error("No token, or an unknown or revoked token."),
    "403": _error("The token's role has no privacy budget (only researchers, works councils "
                  "and prevention officers query)."),
    "default": _error("Unexpected server error or service unavailable; nothing was spent."),
}
_SPEC_ERRORS = {
    **_AUTH,
    "400": _error("The body is not valid JSON."),
    "415": _error("The body is not sent as application/json."),
    "422": _error("The spec is not valid; `errors` names each wrong field."),
}
_SPEC_BODY = {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/QuerySpec"}}}}
_SHOWN = {
    "type": "object",
    "description": "The cell as a person should read it (the display rule of every page): "
                   "never below zero, and \"te onzeker\" when the 95% margin is larger than "
                   "the value.",
    "required": ["value", "low", "high", "too_uncertain", "text"],
    "additionalProperties": False,
    "properties": {
        "value": {"type": ["integer", "null"], "minimum": 0,
                  "description": "The count shown; null when too uncertain."},
        "low": {"type": "integer", "minimum": 0},
        "high": {"type": "integer", "minimum": 0},
        "too_uncertain": {"type": "boolean"},
        "text": {"type": "string", "description": "E.g. \"te onzeker: tussen 0 en 270\"."},
    },
}

_CELL = {
    "type": "object",
    "required": ["estimate", "ci95", "noise_scale", "shown"],
    "properties": {
        **{name: {"type": "string"} for name in DIMENSIONS},
        "estimate": {"type": "integer", "description": "Unbiased noisy count; may be negative."},
        "ci95": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        "noise_scale": {"type": "number"},
        "shown": _SHOWN,
    },
    "additionalProperties": False,
}

SCHEMAS: dict[str, Any] = {
    "QuerySpec": {
        "type": "object",
        "required": ["measure", "from", "to"],
        "additionalProperties": False,
        "properties": {
            "measure": {"enum": list(MEASURES)},
            "group_by": {"type": "array", "items": {"enum": list(DIMENSIONS)}, "uniqueItems": True},
            "filters": {"type": "object", "additionalProperties": False,
                        "properties": {name: {"type": "array", "items": {"type": "string"}}
                                       for name in FILTER_FIELDS}},
            "from": _MONTH,
            "to": _MONTH,
            "grain": {"enum": list(GRAINS)},
            "mechanism": {"enum": list(MECHANISMS)},
            "epsilon": {"type": ["string", "integer"],
                        "description": "Budget of a laplace query, e.g. \"0.1\"."},
            "rho": {"type": ["string", "integer"],
                    "description": "Budget of a gaussian (zCDP) query, e.g. \"0.05\"."},
        },
    },
    "QueryPreview": {
        "type": "object",
        "required": ["cached", "cost", "allowed", "budget_remaining", "budget_remaining_after",
                     "cells", "noise_scale", "ci95_halfwidth", "simultaneous_ci95_halfwidth"],
        "properties": {
            "cached": {"type": "boolean", "description": "Asked before: free, same answer."},
            "release_id": {"type": ["string", "null"]},
            "budget_unit": {"const": "rho",
                            "description": "Every query is charged in zCDP rho; a laplace "
                                           "query of epsilon e costs e^2/2."},
            "data_years": {"type": "array", "items": {"type": "integer"},
                           "description": "Each data year the query touches is charged the cost."},
            "cost": _EXACT, "allowed": {"type": "boolean"},
            "budget_remaining": _EXACT, "budget_remaining_after": _EXACT,
            "cells": {"type": "integer", "minimum": 1},
            "noise_scale": {"type": "number"},
            "ci95_halfwidth": {"type": "integer"},
            "simultaneous_ci95_halfwidth": {"type": "integer"},
        },
    },
    "QueryAnswer": {
        "type": "object",
        "required": ["release_id", "cached", "budget_unit", "rho_spent", "release_cost",
                     "budget_remaining", "cells", "simultaneous_ci95_halfwidth", "signature"],
        "properties": {
            "release_id": {"type": "string"},
            "cached": {"type": "boolean"},
            "budget_unit": {"enum": ["rho", "epsilon"],
                            "description": "rho for releases charged to the capped ledger; "
                                           "epsilon for releases made before it."},
            "rho_spent": {**_EXACT, "description": "What this call charged: 0 when cached."},
            "release_cost": {"type": "string",
                             "description": "What the release cost when it was made, as in its "
                                            "signed document, e.g. \"rho 0.005\"."},
            "budget_remaining": _EXACT,
            "mechanism": {"enum": list(MECHANISMS)},
            "noise_scale": {"type": "number"},
            "simultaneous_ci95_halfwidth": {"type": "integer"},
            "cells": {"type": "array", "items": _CELL},
            "cells_too_uncertain": {"type": "integer", "minimum": 0,
                                    "description": "Cells whose margin is larger than their "
                                                   "value: read them as noise."},
            "consistent": {"type": "array", "items": {"type": "object"}},
            "release_date": {"type": "string", "format": "date"},
            "key_id": {"type": "string"},
            "signature": {"type": "string"},
        },
    },
    "Budget": {
        "type": "object",
        "required": ["consumer", "year", "unit", "total", "spent", "remaining"],
        "additionalProperties": False,
        "description": "The caller's share of a data year's cap, in rho.",
        "properties": {"consumer": {"type": "string"}, "year": {"type": "integer"},
                       "unit": {"const": "rho"},
                       "total": _EXACT, "spent": _EXACT, "remaining": _EXACT},
    },
    "PrivacyBudget": {
        "type": "object",
        "required": ["unit", "cap_policy", "years"],
        "additionalProperties": False,
        "properties": {
            "unit": {"const": "rho (zCDP)"},
            "cap_policy": {
                "type": "object",
                "required": ["epsilon", "delta", "rho", "default_share"],
                "description": "The configured cap per case per data year; a year's own cap "
                               "(with its log) is in `years`.",
                "properties": {"epsilon": _EXACT, "delta": {"type": "string"}, "rho": _EXACT,
                               "default_share": _EXACT},
            },
            "years": {"type": "array", "items": {"$ref": "#/components/schemas/YearBudget"}},
        },
    },
    "YearBudget": {
        "type": "object",
        "required": ["year", "cap", "allocated", "spent", "allocations", "cap_changes"],
        "additionalProperties": False,
        "properties": {
            "year": {"type": "integer"},
            "cap": {"type": "object", "required": ["epsilon", "delta", "rho"],
                    "additionalProperties": False,
                    "properties": {"epsilon": _EXACT, "delta": {"type": "string"},
                                  "rho": _EXACT}},
            "allocated": {"type": "object", "required": ["rho"], "additionalProperties": False,
                          "properties": {"rho": _EXACT}},
            "spent": {"type": "object", "required": ["rho", "epsilon"],
                      "additionalProperties": False,
                      "properties": {"rho": _EXACT, "epsilon": {
                          "type": "number", "minimum": 0,
                          "description": "One case's loss so far at the cap's delta "
                                         "(OpenDP's conversion), rounded."}}},
            "allocations": {"type": "array", "items": {
                "type": "object", "required": ["consumer", "rho", "spent", "epsilon"],
                "additionalProperties": False,
                "properties": {"consumer": {"type": "string"}, "rho": _EXACT,
                               "spent": _EXACT,
                               "epsilon": {"type": "number", "description":
                                           "What the share alone amounts to for one case, "
                                           "at the cap's delta."}}}},
            "cap_changes": {"type": "array", "items": {
                "type": "object",
                "required": ["year", "changed_on", "previous_epsilon", "epsilon", "delta",
                             "reason"],
                "additionalProperties": False,
                "properties": {"year": {"type": "integer"},
                               "changed_on": {"type": "string", "format": "date"},
                               "previous_epsilon": {"oneOf": [_EXACT, {"type": "null"}]},
                               "epsilon": _EXACT, "delta": {"type": "string"},
                               "reason": {"type": "string"}}}},
        },
    },
    "PublicKey": {
        "type": "object",
        "required": ["algorithm", "public_key", "key_id"],
        "additionalProperties": False,
        "properties": {"algorithm": {"const": "Ed25519"}, "public_key": {"type": "string"},
                       "key_id": {"type": "string"}},
    },
    "ReleaseDocument": {
        "type": "object",
        "required": ["document", "signature"],
        "properties": {"document": {"type": "object"}, "signature": {"type": "string"}},
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/queries/preview": {"post": {
        "operationId": "previewQuery", "tags": ["research"],
        "summary": "Cost and expected accuracy of a query, spending nothing.",
        "security": _BEARER, "requestBody": _SPEC_BODY,
        "responses": {"200": _json({"$ref": "#/components/schemas/QueryPreview"}, "The preview."),
                      **_SPEC_ERRORS},
    }},
    "/api/v1/queries": {"post": {
        "operationId": "runQuery", "tags": ["research"],
        "summary": "Run a query: a signed, differentially private release paid from the budget.",
        "description": "Every cell of the full public key grid is answered, zeros included. "
                       "The same spec asked again returns the stored release (200) and spends "
                       "nothing.",
        "security": _BEARER, "requestBody": _SPEC_BODY,
        "responses": {
            "201": _json({"$ref": "#/components/schemas/QueryAnswer"}, "A new release."),
            "200": _json({"$ref": "#/components/schemas/QueryAnswer"},
                         "The stored release for the same spec; nothing spent."),
            **_SPEC_ERRORS,
            "403": _error("The role has no share of the cap, or the share or the year's cap is "
                          "too small; the message states what remains (field `epsilon`)."),
        },
    }},
    "/api/v1/budget": {"get": {
        "operationId": "getBudget", "tags": ["research"],
        "summary": "The caller's privacy budget for a year (default this year).",
        "security": _BEARER,
        "parameters": [{"name": "year", "in": "query", "required": False,
                        "schema": {"type": "integer"}}],
        "responses": {"200": _json({"$ref": "#/components/schemas/Budget"}, "The budget."),
                      "422": _error("The year is not a year."), **_AUTH},
    }},
    "/api/v1/privacy-budget": {"get": {
        "operationId": "getPrivacyBudget", "tags": ["reference"],
        "summary": "The privacy budget of every data year: cap, shares, spending, cap log "
                   "(public).",
        "description": "One cap per data year for every release and consumer together, in "
                       "zCDP rho; consumers hold shares of it. Years with nothing on record "
                       "are left out, except the current year. Explained in Dutch at "
                       "/privacy/budget.",
        "security": [],
        "responses": {"200": _json({"$ref": "#/components/schemas/PrivacyBudget"},
                                   "The budget per data year.")},
    }},
    "/api/v1/releases/public-key": {"get": {
        "operationId": "getPublicKey", "tags": ["research"],
        "summary": "The Ed25519 public key that verifies every release (public).",
        "security": [],
        "responses": {"200": _json({"$ref": "#/components/schemas/PublicKey"}, "The key.")},
    }},
    "/api/v1/releases/{release_id}": {"get": {
        "operationId": "getRelease", "tags": ["research"],
        "summary": "A stored release of the caller, as signed JSON (or CSV with ?format=csv).",
        "security": _BEARER,
        "parameters": [
            {"name": "release_id", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "format", "in": "query", "required": False,
             "schema": {"enum": ["json", "csv"]}},
        ],
        "responses": {
            "200": {"description": "The release with its signature.",
                    "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/ReleaseDocument"}},
                                "text/csv": {"schema": {"type": "string"}}}},
            "400": _error("Unknown format."),
            "404": _error("No such release of the caller."),
            **_AUTH,
        },
    }},
}
