"""OpenAPI 3.1 fragment of the researcher API: ``PATHS`` and ``SCHEMAS``, merged by ``server.openapi``."""

from __future__ import annotations

from typing import Any

from privacy.specs import DIMENSIONS, FILTER_FIELDS, GRAINS, MEASURES

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
_CELL = {
    "type": "object",
    "required": ["estimate", "ci95", "noise_scale"],
    "properties": {
        **{name: {"type": "string"} for name in DIMENSIONS},
        "estimate": {"type": "integer", "description": "Unbiased noisy count; may be negative."},
        "ci95": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        "noise_scale": {"type": "number"},
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
            "mechanism": {"enum": ["laplace", "gaussian"]},
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
        "required": ["release_id", "cached", "rho_spent", "budget_remaining", "cells",
                     "simultaneous_ci95_halfwidth", "signature"],
        "properties": {
            "release_id": {"type": "string"},
            "cached": {"type": "boolean"},
            "budget_unit": {"enum": ["rho", "epsilon"],
                            "description": "epsilon only for a release made before the cap."},
            "rho_spent": _EXACT,
            "release_cost": {"type": "string", "description": "e.g. \"rho 0.005\"."},
            "budget_remaining": _EXACT,
            "mechanism": {"enum": ["laplace", "gaussian"]},
            "noise_scale": {"type": "number"},
            "simultaneous_ci95_halfwidth": {"type": "integer"},
            "cells": {"type": "array", "items": _CELL},
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
        "properties": {"consumer": {"type": "string"}, "year": {"type": "integer"},
                       "unit": {"const": "rho"},
                       "total": _EXACT, "spent": _EXACT, "remaining": _EXACT},
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
            "403": _error("The role has no budget, or the budget is too small; the message "
                          "states what remains (field `epsilon`)."),
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
