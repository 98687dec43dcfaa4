"""Schemathesis against ``/api/openapi.json``: every documented operation, generated input.

Each operation is driven with schema-valid and schema-violating input (path, headers, query,
body), signed with a bearer token of a role that may use it, against an app with organisation
data, stored signals and a published month. Every answer must be no 5xx, carry a documented
status code and content type, match the documented response schema and headers, and refuse
input the document says is invalid.

The suite runs once per database backend, one app for all operations (an app per operation
would spend most of the time on migrations). Examples are bounded and derandomized so the run
is stable; all failures are collected and reported together, by operation.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from registry.accounts import Role
from registry.periods import Month
from server.openapi import build_document
from tests.privacy.test_publication import seed

pytestmark = pytest.mark.assurance

MONTH = Month.current().add(-1)
MAX_EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection]
# Which role signs each documented tag: one that may use those operations, so generated input
# reaches the validation behind the role check instead of stopping at 403.
TAG_ROLES = {
    "signals": (Role.ADVISER, "MIN-A"),
    "research": (Role.RESEARCHER, None),
    "analytics": (Role.CENTRAL_WORKS_COUNCIL, None),
}
# Schema-valid query values that point at real data: random months almost never hit the one
# published month, so each analytics read also runs once pinned to it.
PUBLISHED_QUERIES = {
    "/api/v1/trends": {"organisation": "MIN-A", "from": str(MONTH.add(-2)), "to": str(MONTH)},
    "/api/v1/checks": {"organisation": "MIN-A", "to": str(MONTH)},
    "/api/v1/benchmarks": {"organisation": "MIN-A", "year": MONTH.year},
}
DOCUMENT = build_document()
OPERATIONS = sorted((path, method) for path, operations in DOCUMENT["paths"].items()
                    for method in operations)
SETTINGS = settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=False)


@pytest.fixture
def api_schema(app, services):  # type: ignore[no-untyped-def]
    seed(services, MONTH, n=5)
    # The release plan of this year and last, as the pages and the analytics API read it.
    services.plans.publish_due([MONTH.year - 1, MONTH.year])
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    # Unknown query parameters and headers are ignored, as HTTP clients expect; unknown body
    # fields are refused, and test_hostile_attacks.py proves that for every JSON endpoint.
    schema.config.generation.update(allow_extra_parameters=False)
    return schema


@pytest.fixture
def tokens(make_token) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    return {tag: make_token(role, organisation) for tag, (role, organisation) in TAG_ROLES.items()}


def headers_for(operation: Any, tokens: dict[str, dict[str, str]]) -> dict[str, str]:
    for tag in operation.tags or ():
        if tag in tokens:
            return tokens[tag]
    return {}


def run_examples(strategy: Any, headers: dict[str, str], sent: list[int]) -> Callable[[], None]:
    @SETTINGS
    @given(case=strategy)
    def examples(case: Any) -> None:
        sent[0] += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    return examples


def test_every_operation_answers_as_documented(api_schema, tokens):  # type: ignore[no-untyped-def]
    failures: dict[str, str] = {}
    ran, sent = 0, [0]
    for path, method in OPERATIONS:
        operation = api_schema[path][method]
        headers = headers_for(operation, tokens)
        # An operation without parameters or body has no input to violate.
        documented = DOCUMENT["paths"][path][method]
        modes = list(GenerationMode) if {"parameters", "requestBody"} & set(documented) else [
            GenerationMode.POSITIVE]
        runs = [(mode.value, operation.as_strategy(mode)) for mode in modes]
        if path in PUBLISHED_QUERIES:
            runs.append(("published", operation.as_strategy(query=PUBLISHED_QUERIES[path])))
        for name, strategy in runs:
            ran += 1
            started = time.perf_counter()
            try:
                run_examples(strategy, headers, sent)()
            except (Exception, BaseExceptionGroup) as failure:  # collect all, report together
                failures[f"{method.upper()} {path} ({name})"] = str(failure)[:2000]
            print(f"{method.upper()} {path} ({name}): {time.perf_counter() - started:.1f}s")
    print(f"schemathesis: {sent[0]} requests in {ran} runs over {len(OPERATIONS)} operations")
    assert ran > len(OPERATIONS) and sent[0] >= ran
    assert failures == {}, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


def test_the_suite_covers_every_documented_operation(app):  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    loaded = {(op.ok().path, op.ok().method.lower()) for op in schema.get_all_operations()}
    # Schemathesis leaves out the operation that serves the document; the loop above runs it.
    assert loaded | {("/api/openapi.json", "get")} == set(OPERATIONS)
