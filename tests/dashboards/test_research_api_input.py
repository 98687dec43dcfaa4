"""The research API on any parameter or body: a 4xx with a JSON error list, never a 5xx.

``year`` took '²' (``isdigit`` then ``int``) to a 500; query bodies are arbitrary JSON here,
sent to the preview (which validates exactly as a run does and spends nothing) by a researcher
and by a works council, whose filters are narrowed to its own organisation first.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from registry.accounts import Role
from registry.periods import Month

MONTH = Month.current().add(-1)
SLOW_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@pytest.fixture
def settings_overrides(settings_overrides):  # type: ignore[no-untyped-def]
    # Hundreds of calls with one token within a minute: the per-token limit is tested apart.
    return {**settings_overrides, "api_rate_limit": "1000000 per minute"}


@pytest.fixture
def tokens(make_token) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    return {"researcher": make_token(Role.RESEARCHER, None),
            "council": make_token(Role.WORKS_COUNCIL, "MIN-A")}


def refused(response, status: int, field: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    assert [e["field"] for e in response.get_json()["errors"]] == [field]


@pytest.mark.parametrize("year", ["²", "²⁰²⁶", "٢٠٢٦", "２０２６", "2026\n", "20260", "-2026"])
def test_a_year_in_other_digits_is_422(client, tokens, year):
    refused(client.get("/api/v1/budget", query_string={"year": year},
                       headers=tokens["researcher"]), 422, "year")


@pytest.mark.parametrize("release_id", ["²", "ab²", "ａｂ", "x" * 65])
def test_a_release_id_that_is_not_ascii_is_not_looked_up(client, tokens, release_id):
    response = client.get(f"/api/v1/releases/{release_id}", headers=tokens["researcher"])
    assert response.status_code == 404


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=12)
_months = st.sampled_from([str(MONTH), str(MONTH.add(-3)), "2025-13", "²⁰²⁵-01", "1900-01",
                           "9999-12"]) | _json
_codes = st.lists(st.sampled_from(["MIN-A", "MIN-B", "MIN-A-DG1", "pesten", "²"]) | _json,
                  max_size=3) | _json
_bodies = st.fixed_dictionaries({}, optional={
    "measure": st.sampled_from(["contacts", "cases"]) | _json,
    "from": _months, "to": _months,
    "grain": st.sampled_from(["month", "quarter", "year"]) | _json,
    "group_by": st.lists(st.sampled_from(["unit", "category", "channel", "organisation"]),
                         max_size=3) | _json,
    "filters": st.fixed_dictionaries({}, optional={"organisation": _codes, "unit": _codes,
                                                   "category": _codes}) | _json,
    "mechanism": st.sampled_from(["laplace", "gaussian"]) | _json,
    "epsilon": st.sampled_from(["0.1", "1", "0", "1e-9", "²", "NaN", "Infinity"]) | _json,
    "rho": st.sampled_from(["0.001", "0.05", "²"]) | _json,
    "extra": _json,
})


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW_OK)
@given(body=_bodies | _json, who=st.sampled_from(["researcher", "council"]))
@example(body={"measure": "cases", "from": str(MONTH), "to": str(MONTH),
               "filters": {"organisation": [["MIN-A"]]}, "epsilon": "0.1"}, who="council")
@example(body={"measure": "cases", "from": str(MONTH), "to": str(MONTH),
               "filters": {"organisation": [{"a": 1}]}, "epsilon": "0.1"}, who="council")
def test_any_query_body_gets_an_answer_or_a_json_error_list(client, tokens, body, who):
    response = client.post("/api/v1/queries/preview", json=body, headers=tokens[who])
    assert response.status_code < 500, (body, response.get_data(as_text=True))
    answer = response.get_json()
    if response.status_code >= 400:
        assert response.status_code in (400, 403, 415, 422), (body, answer)
        assert answer["errors"] and all(e["message"] for e in answer["errors"])
