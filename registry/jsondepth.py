"""How deeply a JSON text nests, measured before it is parsed and without recursion.

Python's parser, and every recursive walk over what it returns, fails on deep nesting with a
RecursionError. Every place that parses JSON from outside (API bodies in ``web.jsonbody``,
uploaded release files in ``privacy.release_check``) measures the depth first and refuses text
nested deeper than :data:`MAX_JSON_DEPTH`.
"""

from __future__ import annotations

import re

import numpy as np

# No document of this product nests deeper than about ten levels; 32 leaves room and stays far
# below the interpreter's recursion limit for any code that walks the parsed value.
MAX_JSON_DEPTH = 32
# A string, or an unclosed one up to the end. The loop stops only at a quote or at the end, so
# every match attempt succeeds at once and the scan stays linear, also on text made of quotes
# and backslashes.
_STRING = re.compile(rb'"[^"\\]*+(?:\\[\s\S]?[^"\\]*+)*+(?:"|\Z)')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_STEP = np.zeros(256, dtype=np.int32)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1
_CHUNK = 1 << 20


def json_depth(text: str | bytes) -> int:
    """How deeply arrays and objects nest in ``text`` (0 for a scalar).

    Brackets inside strings do not count. On text that is not JSON the answer is only an upper
    bound (an unclosed string's brackets count), which is all a guard before parsing needs.
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", raw))
    deepest = level = 0
    for start in range(0, len(brackets), _CHUNK):  # in chunks: bounded memory for any size
        levels = level + np.cumsum(_STEP[np.frombuffer(brackets[start:start + _CHUNK], np.uint8)])
        deepest, level = max(deepest, int(levels.max())), int(levels[-1])
    return deepest


def too_deep(text: str | bytes) -> bool:
    return json_depth(text) > MAX_JSON_DEPTH
