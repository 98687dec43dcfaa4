"""The OpenAPI 3.1 document of everything under ``/api``, served at ``GET /api/openapi.json``.

Each web-facing package documents its own endpoints in a fragment module with ``PATHS`` and
``SCHEMAS``; this module merges them with what the server itself owns (the error shape rendered
by ``server.errors`` and this endpoint). To document another package, add its fragment module
to ``FRAGMENTS``. Tests keep the document and the URL map in step.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from flask import Blueprint, Response, jsonify

FRAGMENTS: tuple[str, ...] = (
    "intake_adapters.api.openapi",
    "intake_adapters.api.outcomes_openapi",
    "dashboards.research.api_openapi",
    "dashboards.analytics_api.openapi",
    "dashboards.research.docs_openapi",
)

bp = Blueprint("openapi", __name__, url_prefix="/api")

_SERVER_SCHEMAS: dict[str, Any] = {
    "FieldError": {
        "type": "object",
        "required": ["field", "message"],
        "additionalProperties": False,
        "properties": {
            "field": {"type": "string",
                      "description": "The input field at fault; empty for the request as a whole."},
            "message": {"type": "string", "description": "User-facing, in Dutch."},
        },
    },
    "Error": {
        "description": "Every error under /api has this shape, whatever its status.",
        "type": "object",
        "required": ["ok", "status", "message", "errors"],
        "additionalProperties": False,
        "properties": {
            "ok": {"const": False},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "message": {"type": "string"},
            "errors": {"type": "array", "minItems": 1,
                       "items": {"$ref": "#/components/schemas/FieldError"}},
        },
    },
}

_SERVER_PATHS: dict[str, Any] = {
    "/api/openapi.json": {"get": {
        "operationId": "getOpenApiDocument",
        "tags": ["reference"],
        "summary": "This document (public).",
        "security": [],
        "responses": {"200": {
            "description": "The OpenAPI 3.1 document.",
            "content": {"application/json": {"schema": {
                "type": "object", "required": ["openapi", "info", "paths", "components"],
            }}},
        }},
    }},
}


def _base() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Signaalregister sociale veiligheid - API",
            "version": "1.0.0",
            "summary": "Anonymous signal registry for social safety at work (Rijksoverheid).",
            "description": (
                "Case systems log coded contacts with an adviser's API token. Signals carry no "
                "names, no free text and no day or time: only the month. Errors always use the "
                "`Error` shape; messages are in Dutch."
            ),
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "tags": [
            {"name": "reference", "description": "Public reference data."},
            {"name": "signals", "description": "Logging contacts (adviser tokens)."},
        ],
        "paths": {},
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "An API token issued by an administrator (`sr_...`). Browser "
                               "sessions are not accepted by the API.",
            }},
            "schemas": {},
        },
    }


def merge(document: dict[str, Any], paths: Mapping[str, Any], schemas: Mapping[str, Any],
          source: str) -> None:
    """Add one fragment; a path+method or schema defined twice differently is a bug."""
    for path, operations in paths.items():
        target = document["paths"].setdefault(path, {})
        for method, operation in operations.items():
            if method in target:
                raise ValueError(f"{source}: {method.upper()} {path} is already documented")
            target[method] = copy.deepcopy(operation)
    known = document["components"]["schemas"]
    for name, schema in schemas.items():
        if name in known and known[name] != schema:
            raise ValueError(f"{source}: schema {name} is already defined differently")
        known[name] = copy.deepcopy(schema)


def build_document(fragments: Iterable[str] = FRAGMENTS) -> dict[str, Any]:
    """A fresh document from the server's own parts and the named fragment modules."""
    document = _base()
    merge(document, _SERVER_PATHS, _SERVER_SCHEMAS, "server.openapi")
    for name in fragments:
        module = importlib.import_module(name)
        merge(document, module.PATHS, module.SCHEMAS, name)
    return document


@cache
def _document() -> dict[str, Any]:
    return build_document()


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(_document())
