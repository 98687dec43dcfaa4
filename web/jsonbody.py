"""Reading a JSON request body strictly (shared by every JSON API): one JSON object, or a clear error.

Case systems integrate against these rules, so every way a body can be wrong has its own status:
not JSON at all (415), unreadable JSON (400), JSON nested deeper than ``MAX_JSON_DEPTH`` (400,
found before parsing), JSON that is not an object (422), too large (413, raised by Werkzeug from
``MAX_CONTENT_LENGTH`` before anything is parsed). Depth is measured by ``registry.jsondepth``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request
from werkzeug.exceptions import UnsupportedMediaType

from registry.errors import BadRequest, FieldError, ValidationFailed
from registry.jsondepth import MAX_JSON_DEPTH, too_deep

TOO_DEEP = f"Het JSON-document is te diep genest (meer dan {MAX_JSON_DEPTH} niveaus)."


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # With duplicate keys, which value counts differs between JSON parsers; refuse rather than
    # silently keep one of them.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def json_object() -> dict[str, Any]:
    """The request body as a dict; raises the matching error otherwise."""
    if not request.is_json:
        raise UnsupportedMediaType()
    raw = request.get_data(cache=False)
    if too_deep(raw):
        raise BadRequest(TOO_DEEP, [FieldError("", TOO_DEEP)])
    try:
        data = json.loads(raw, object_pairs_hook=_refuse_duplicates)
    except _DuplicateKey as duplicate:
        raise BadRequest(
            "Het JSON-object bevat een veld twee keer.",
            [FieldError(duplicate.key[:64], "Dit veld staat twee keer in het verzoek.")],
        ) from None
    except (ValueError, RecursionError):
        # ValueError covers malformed JSON and bytes that are not UTF-8/16/32.
        message = "Het verzoek bevat geen geldige JSON."
        raise BadRequest(message, [FieldError("", message)]) from None
    if not isinstance(data, dict):
        message = "Verwacht een JSON-object."
        raise ValidationFailed(message, [FieldError("", message)])
    return data


def refuse_unknown(body: dict[str, Any], known: set[str], errors: list[FieldError]) -> None:
    """Add an error per field that is not part of the contract (free text is never stored)."""
    for name in sorted(set(body) - known):
        errors.append(FieldError(name[:64], "Onbekend veld; vrije tekst wordt niet opgeslagen."))


def receipt_from(body: dict[str, Any], errors: list[FieldError]) -> str:
    """The receipt string, or an error; format and month are checked by the signal service."""
    receipt = body.get("receipt")
    if not isinstance(receipt, str) or not receipt.strip():
        errors.append(FieldError("receipt", "Geef het ontvangstbewijs als tekst."))
        return ""
    return receipt
