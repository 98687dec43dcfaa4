"""OpenAPI 3.1 fragment of the analytics API (``dashboards.analytics_api.api``)."""

from __future__ import annotations

from typing import Any

from privacy.kinds import GRAINS, Measure

_ERROR = {"$ref": "#/components/schemas/Error"}
_BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
_MONTH = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}$"}
_ESTIMATE = {"$ref": "#/components/schemas/AnalyticsEstimate"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ERROR, description)


def _query(name: str, schema: dict[str, Any], required: bool, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


_ORGANISATION = _query("organisation", {"type": "string"}, False,
                       "Organisation code; defaults to the caller's own organisation.")
_RESPONSES = {
    "401": _error("Not signed in and no (valid) bearer token."),
    "403": _error("The role may not read analytics, or the organisation is not the caller's."),
    "422": _error("A parameter is wrong, or asks for months, a period or a year outside what "
                  "is published (a trend range also spans at most 120 months); `errors` names "
                  "the parameter and says what is published."),
    "default": _error("Unexpected server error or service unavailable."),
}
_SOURCES = {
    "published_months": {"type": "array", "items": _MONTH},
    "release_ids": {"type": "array", "items": {"type": "string"}},
    "note_nl": {"type": ["string", "null"],
                "description": "Set when nothing is published for the request (in Dutch)."},
}
_DESCRIPTION = (
    "Read from the release plan's published releases only (new cases per month, counted in "
    "the month of their first contact; year and half-year tables per DG row): post-processing "
    "of differentially private figures, nothing is spent. Readable by the prevention officer "
    "and works council of the organisation and by the central works council (any "
    "organisation), with a bearer token or a signed-in session. When nothing is published "
    "the answer is 200 with an empty result and `note_nl`; once figures are published, ranges, "
    "periods and years are limited to them. Requests with a token count against its rate "
    "limit (`SIGNAL_REGISTRY_API_RATE_LIMIT`, over every API together); beyond it the answer is "
    "429 with `Retry-After`."
)

SCHEMAS: dict[str, Any] = {
    "AnalyticsEstimate": {
        "type": "object",
        "required": ["estimate", "sd", "lower", "upper", "confidence"],
        "properties": {"estimate": {"type": "number"}, "sd": {"type": "number"},
                       "lower": {"type": "number"}, "upper": {"type": "number"},
                       "confidence": {"type": "number"}},
    },
    "TrendAnswer": {
        "type": "object",
        "required": ["organisation", "from", "to", "grain", "series", "changes",
                     "published_months", "release_ids", "note_nl"],
        "properties": {
            "organisation": {"type": "string"}, "from": _MONTH, "to": _MONTH,
            "grain": {"enum": list(GRAINS)},
            "unit": {"type": ["string", "null"]}, "category": {"type": ["string", "null"]},
            "measure": {"enum": [Measure.CASES.value]},
            "series": {"type": "array", "items": {
                "type": "object", "required": ["period", "complete", "count"],
                "properties": {"period": {"type": "string"}, "complete": {"type": "boolean"},
                               "count": _ESTIMATE,
                               "display": {"type": "object", "description":
                                           "The count as shown (the display rule of every "
                                           "page): never below zero; value null when the "
                                           "margin exceeds it; text_nl as on the pages, "
                                           "'18 (tussen 12 en 24)' or 'te onzeker: tussen 0 "
                                           "en 12'."},
                               "rate_per_100_fte": {"oneOf": [_ESTIMATE, {"type": "null"}]}},
            }},
            "changes": {"type": "array", "items": {"type": "object"}},
            **_SOURCES,
        },
    },
    "ChecksAnswer": {
        "type": "object",
        "description": "What stands out in one organisation in one period: the hotspot "
                       "checks' report (`analytics.hotspots`), the same objects as the "
                       "signalenrapportage's `findings`. Every unit x category pair is in "
                       "exactly one of `findings`, `too_small` and `nothing_found`.",
        "required": ["organisation", "period", "periods", "alpha", "error_control", "findings",
                     "too_small", "nothing_found", "published_months", "release_ids",
                     "note_nl"],
        "properties": {
            "organisation": {"type": "string"},
            "to": {"type": ["string", "null"]},
            "period": {"type": ["string", "null"],
                       "description": "The complete year or half year checked; null when "
                                      "nothing could be checked (see note_nl)."},
            "periods": {"type": "array", "items": {"type": "string"},
                        "description": "Every period that can be asked for (`period=`)."},
            "alpha": {"type": "number",
                      "description": "At most this share of reports names any unit falsely."},
            "alpha_per_organisation": {"type": ["number", "null"]},
            "error_control": {"enum": ["familywise"]},
            "method": {"type": ["string", "null"]},
            "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
            "too_small": {"type": "array", "items": {
                "type": "object", "required": ["unit", "category", "needed_fte"],
                "properties": {"unit": {"type": "string"}, "category": {"type": "string"},
                               "needed_fte": {"type": ["integer", "null"],
                                              "description": "About the FTE at which a "
                                                             "threefold excess would be "
                                                             "found."}},
            }},
            "nothing_found": {"type": "array", "items": {
                "type": "object", "required": ["unit", "category"],
                "properties": {"unit": {"type": "string"}, "category": {"type": "string"}},
            }},
            **_SOURCES,
        },
    },
    "Finding": {
        "type": "object",
        "description": "A unit x category with clearly more cases than expected. The unit is "
                       "a unit code, or `<ORG>:rest` for the organisation's staff outside its "
                       "large DGs.",
        "required": ["unit", "category", "kind", "evidence", "unit_name", "category_label",
                     "period", "sentence_nl", "explanation_nl"],
        "properties": {
            "unit": {"type": "string"}, "category": {"type": "string"},
            "kind": {"enum": ["opvallend"]},
            "evidence": {
                "type": "object",
                "required": ["estimate", "ci95", "expected", "p_value", "level", "consistent",
                             "stable"],
                "properties": {
                    "estimate": {"type": "number"},
                    "ci95": {"type": "array", "items": {"type": "number"},
                             "minItems": 2, "maxItems": 2},
                    "expected": {"type": "number"},
                    "p_value": {"type": ["number", "null"]},
                    "level": {"type": "number"},
                    "consistent": {"type": "boolean"},
                    "stable": {"type": ["boolean", "null"]},
                },
            },
            "unit_name": {"type": "string"}, "category_label": {"type": "string"},
            "period": {"type": "string"},
            "sentence_nl": {"type": "string",
                            "description": "The finding in one plain Dutch sentence."},
            "explanation_nl": {"type": "string",
                               "description": "How it was computed (in Dutch)."},
        },
    },
    "BenchmarksAnswer": {
        "type": "object",
        "required": ["organisation", "year", "internal", "external", "published_months",
                     "release_ids", "note_nl"],
        "properties": {
            "organisation": {"type": "string"}, "year": {"type": "integer"},
            "category": {"type": ["string", "null"]},
            "internal": {"type": ["object", "null"],
                         "description": "The DG rows' rates against the organisation's."},
            "external": {"type": "array", "items": {"type": "object"}},
            **_SOURCES,
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/trends": {"get": {
        "operationId": "getTrends", "tags": ["analytics"],
        "summary": "Monthly, quarterly or yearly series with 95% intervals and changes.",
        "description": _DESCRIPTION, "security": _BEARER,
        "parameters": [
            _ORGANISATION,
            _query("from", _MONTH, True, "First month."),
            _query("to", _MONTH, True, "Last month."),
            _query("grain", {"enum": list(GRAINS)}, False, "Default month."),
            _query("unit", {"type": "string"}, False, "A released unit of the organisation."),
            _query("category", {"type": "string"}, False, "A taxonomy category code."),
        ],
        "responses": {"200": _json({"$ref": "#/components/schemas/TrendAnswer"}, "The series."),
                      **_RESPONSES},
    }},
    "/api/v1/checks": {"get": {
        "operationId": "getChecks", "tags": ["analytics"],
        "summary": "What stands out: units with clearly more cases of a category than "
                   "expected, the units too small to judge and a list of the rest; at most 5% "
                   "of reports name any unit falsely.",
        "description": _DESCRIPTION, "security": _BEARER,
        "parameters": [
            _ORGANISATION,
            _query("to", _MONTH, False, "Last month; default the latest published."),
            _query("period", {"type": "string", "pattern": r"^[0-9]{4}(-H[12])?$"}, False,
                   "A complete year (2025) or a published half year (2026-H1); default the "
                   "last complete year up to `to`, else the latest half year."),
        ],
        "responses": {"200": _json({"$ref": "#/components/schemas/ChecksAnswer"}, "The checks."),
                      **_RESPONSES},
    }},
    "/api/v1/benchmarks": {"get": {
        "operationId": "getBenchmarks", "tags": ["analytics"],
        "summary": "DG rows against the organisation and the organisation against external "
                   "reference figures, for one year.",
        "description": _DESCRIPTION, "security": _BEARER,
        "parameters": [_ORGANISATION, _query("year", {"type": "integer"}, True, "Year."),
                       _query("category", {"type": "string"}, False, "A category code.")],
        "responses": {"200": _json({"$ref": "#/components/schemas/BenchmarksAnswer"},
                                   "The benchmarks."),
                      **_RESPONSES},
    }},
}
