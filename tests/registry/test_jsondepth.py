"""``json_depth`` measures nesting without parsing: exact on JSON, linear on hostile text."""

from __future__ import annotations

import json
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from registry.jsondepth import MAX_JSON_DEPTH, json_depth, too_deep

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\n', max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(alphabet='[]{}"\\ab', max_size=4), inner, max_size=3),
    max_leaves=40)


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=500)
@given(value=_json, ascii_only=st.booleans())
def test_depth_of_any_json_is_exact(value: object, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert json_depth(text) == _depth(value) == json_depth(text.encode())


def test_deep_nesting_is_found_and_hostile_text_stays_fast() -> None:
    assert too_deep("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert not too_deep("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    assert json_depth('["[[[[", {"a": "}}"}]') == 2
    started = time.monotonic()
    for hostile in ('"' + '\\"' * 2_000_000, '"' + '\\"' * 2_000_000 + "\\", "[" * 4_000_000,
                    '["' + 'a","' * 1_000_000 + '"]'):
        json_depth(hostile)
    # Quadratic scanning of unclosed strings would take minutes here.
    assert time.monotonic() - started < 10
