"""/api/docs: the OpenAPI document as a public, server-rendered page that leaves nothing out."""

from __future__ import annotations

import html
import re

from dashboards.research.apidocs import HTTP_METHODS, anchor_for, api_docs, schema_node
from dashboards.research.views_docs import inline_code


def _document(client):  # type: ignore[no-untyped-def]
    return client.get("/api/openapi.json").get_json()


def _article(page: str, method: str, path: str) -> str:
    start = page.index(f'data-operation="{method.upper()} {path}"')
    return page[start:page.index("</article>", start)]


def test_every_operation_in_the_openapi_document_is_on_the_page(client):
    document = _document(client)
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    operations = [(path, method, operation) for path, item in document["paths"].items()
                  for method, operation in item.items() if method in HTTP_METHODS]
    assert len(operations) >= 15
    for path, method, operation in operations:
        article = html.unescape(_article(page, method, path))
        assert f'href="#{anchor_for(method, path)}"' in page, (method, path)
        summary = re.sub(r"`([^`]+)`", r"\1", operation["summary"])
        assert summary in re.sub(r"</?code>", "", article), (method, path)
        for status in operation["responses"]:
            assert f'<th scope="row">{status}</th>' in article, (method, path, status)
        for parameter in operation.get("parameters", []):
            assert f"<code>{parameter['name']}</code>" in article, (method, path, parameter["name"])
        if "requestBody" in operation:
            assert "Verzoek" in article, (method, path)


def test_the_page_is_public_and_explains_how_to_authenticate(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert 'href="/api/openapi.json"' in page
    assert "Authorization: Bearer" in page and "beheerder" in page
    assert "openbaar, geen token nodig." in page and "API-token (Bearer) nodig." in page
    assert "<h1>API-documentatie</h1>" in page and '<html lang="nl">' in page


def test_every_referenced_schema_has_its_own_section(client):
    document = _document(client)
    page = client.get("/api/docs").get_data(as_text=True)
    refs = set(re.findall(r'href="#schema-(\w+)"', page))
    assert {"QuerySpec", "Error", "SignalInput"} <= refs
    for name in refs | set(document["components"]["schemas"]):
        assert f'id="schema-{name}"' in page, name


def test_a_schema_lists_its_properties_required_flags_and_constraints(client):
    document = _document(client)
    spec = schema_node(document["components"]["schemas"]["QuerySpec"], name="QuerySpec")
    properties = {child.name: child for child in spec.children}
    assert set(properties) == set(document["components"]["schemas"]["QuerySpec"]["properties"])
    assert properties["measure"].required and not properties["group_by"].required
    assert any(fact.startswith("enum:") and '"contacts"' in fact for fact in properties["measure"].facts)
    assert "additionalProperties: false" in spec.facts


def test_operations_are_grouped_by_tag_in_document_order():
    document = {
        "info": {"title": "T", "version": "1"}, "tags": [{"name": "b", "description": "Bee"}],
        "paths": {"/x": {"get": {"tags": ["a"], "summary": "ax", "security": [],
                                 "responses": {"200": {"description": "ok"}}},
                         "post": {"tags": ["b"], "summary": "bx", "security": [{"bearerAuth": []}],
                                  "responses": {}}},
                  "/y": {"parameters": [], "get": {"summary": "untagged", "responses": {}}}},
    }
    docs = api_docs(document)
    assert [s.name for s in docs.sections] == ["b", "a", "other"]
    assert docs.sections[0].description == "Bee"
    assert [(op.method, op.public) for op in docs.operations()] == [
        ("POST", False), ("GET", True), ("GET", True)]


def test_backticks_become_code_and_markup_is_escaped():
    assert str(inline_code("Use `Idempotency-Key` <b>now</b>")) == (
        "Use <code>Idempotency-Key</code> &lt;b&gt;now&lt;/b&gt;")
    assert str(inline_code("`<script>`")) == "<code>&lt;script&gt;</code>"
