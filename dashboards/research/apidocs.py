"""The OpenAPI document turned into what the API documentation page shows.

Pure data in, plain data out: per tag, per path and method, the summary, description, security,
parameters, request body and responses, with every schema as a small tree. A ``$ref`` is shown
as a link to the schema's own section instead of being expanded, so the page stays finite and
each schema is described once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SCHEMA_PREFIX = "#/components/schemas/"
# Deeper nesting than this is cut off; no schema in the document comes near it.
MAX_DEPTH = 6


@dataclass(frozen=True)
class SchemaNode:
    name: str
    type: str
    ref: str
    required: bool
    description: str
    facts: tuple[str, ...]
    children: tuple[SchemaNode, ...]


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str
    required: bool
    description: str
    schema: SchemaNode


@dataclass(frozen=True)
class Content:
    media_type: str
    schema: SchemaNode | None


@dataclass(frozen=True)
class ResponseDoc:
    status: str
    description: str
    contents: tuple[Content, ...]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    anchor: str
    operation_id: str
    summary: str
    description: str
    public: bool
    parameters: tuple[Parameter, ...]
    body_required: bool
    body: tuple[Content, ...]
    responses: tuple[ResponseDoc, ...]


@dataclass(frozen=True)
class TagSection:
    name: str
    description: str
    operations: tuple[Operation, ...]


@dataclass(frozen=True)
class ApiDocs:
    title: str
    version: str
    description: str
    auth_description: str
    sections: tuple[TagSection, ...]
    schemas: tuple[SchemaNode, ...]

    def operations(self) -> list[Operation]:
        return [op for section in self.sections for op in section.operations]


def api_docs(document: Mapping[str, Any]) -> ApiDocs:
    info = document.get("info", {})
    schemes = document.get("components", {}).get("securitySchemes", {})
    tag_text = {t["name"]: t.get("description", "") for t in document.get("tags", [])}
    grouped: dict[str, list[Operation]] = {name: [] for name in tag_text}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                tag = (operation.get("tags") or ["other"])[0]
                shared = item.get("parameters", [])  # path-level parameters apply to every method
                grouped.setdefault(tag, []).append(_operation(path, method, operation, shared))
    return ApiDocs(
        title=str(info.get("title", "")), version=str(info.get("version", "")),
        description=str(info.get("description", "")),
        auth_description=str(schemes.get("bearerAuth", {}).get("description", "")),
        sections=tuple(TagSection(tag, tag_text.get(tag, ""), tuple(ops))
                       for tag, ops in grouped.items() if ops),
        schemas=tuple(schema_node(schema, name=name) for name, schema
                      in document.get("components", {}).get("schemas", {}).items()),
    )


def anchor_for(method: str, path: str) -> str:
    return "op-" + method.lower() + "-" + re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


def _operation(path: str, method: str, operation: Mapping[str, Any],
               shared: list[Mapping[str, Any]]) -> Operation:
    body = operation.get("requestBody", {})
    return Operation(
        method=method.upper(), path=path, anchor=anchor_for(method, path),
        operation_id=str(operation.get("operationId", "")),
        summary=str(operation.get("summary", "")),
        description=str(operation.get("description", "")),
        # An empty security list means public; a missing one would inherit the (empty) default.
        public=not operation.get("security"),
        parameters=tuple(
            Parameter(str(p.get("name", "")), str(p.get("in", "")), bool(p.get("required")),
                      str(p.get("description", "")), schema_node(p.get("schema", {})))
            for p in [*shared, *operation.get("parameters", [])]
        ),
        body_required=bool(body.get("required")),
        body=_contents(body.get("content", {})),
        responses=tuple(
            ResponseDoc(str(status), str(response.get("description", "")),
                        _contents(response.get("content", {})))
            for status, response in operation.get("responses", {}).items()
        ),
    )


def _contents(content: Mapping[str, Any]) -> tuple[Content, ...]:
    return tuple(Content(media, schema_node(value["schema"]) if "schema" in value else None)
                 for media, value in content.items())


def schema_node(schema: Any, *, name: str = "", required: bool = False,
                depth: int = 0) -> SchemaNode:
    """One schema as a tree; objects list their properties, arrays their item type."""
    if not isinstance(schema, Mapping):
        return SchemaNode(name, "", "", required, "", (), ())
    ref = str(schema.get("$ref", ""))
    if ref:
        target = ref.removeprefix(SCHEMA_PREFIX)
        return SchemaNode(name, "", target, required, str(schema.get("description", "")), (), ())
    kind = schema.get("type", "")
    type_text = " | ".join(map(str, kind)) if isinstance(kind, list) else str(kind)
    children: list[SchemaNode] = []
    ref_out = ""
    if depth < MAX_DEPTH:
        needed = set(schema.get("required", []))
        children = [schema_node(value, name=key, required=key in needed, depth=depth + 1)
                    for key, value in schema.get("properties", {}).items()]
        items = schema.get("items")
        if isinstance(items, Mapping):
            item = schema_node(items, depth=depth + 1)
            ref_out = item.ref
            type_text = f"{type_text or 'array'} [{item.type}]" if item.type else (type_text or "array")
            children.extend(item.children)
    if not type_text and "enum" in schema:
        type_text = "enum"
    if not type_text and "const" in schema:
        type_text = "const"
    return SchemaNode(name, type_text, ref_out, required, str(schema.get("description", "")),
                      _facts(schema), tuple(children))


def _facts(schema: Mapping[str, Any]) -> tuple[str, ...]:
    """The constraints as short code-like lines (the page puts Dutch words in front of them)."""
    facts = []
    if "enum" in schema:
        facts.append("enum: " + ", ".join(map(_literal, schema["enum"])))
    if "const" in schema:
        facts.append("const: " + _literal(schema["const"]))
    for key in ("format", "pattern", "minimum", "maximum", "minLength", "maxLength", "minItems",
                "maxItems", "uniqueItems"):
        if key in schema:
            facts.append(f"{key}: {_literal(schema[key])}")
    if schema.get("additionalProperties") is False:
        facts.append("additionalProperties: false")
    return tuple(facts)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return f'"{value}"' if isinstance(value, str) else str(value)
