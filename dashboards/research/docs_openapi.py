"""OpenAPI 3.1 fragment for the documentation page itself, merged by ``server.openapi``."""

from __future__ import annotations

from typing import Any

SCHEMAS: dict[str, Any] = {}

PATHS: dict[str, Any] = {
    "/api/docs": {"get": {
        "operationId": "getApiDocumentation", "tags": ["reference"],
        "summary": "This API documented as a readable HTML page (public).",
        "description": "Rendered on the server from this OpenAPI document; no script needed.",
        "security": [],
        "responses": {"200": {"description": "The documentation page.",
                              "content": {"text/html": {"schema": {"type": "string"}}}}},
    }},
}
