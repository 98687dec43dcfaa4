"""Release files (JSON and CSV) that anyone can verify against the published public key.

The JSON file is the signed document itself plus its signature. The CSV file is for
spreadsheets: one row per cell of each table, under comment lines that carry the release id,
the signature, the public key and the signed canonical document (base64) with its SHA-256.
Verifying a CSV checks the signature over the embedded document and then rebuilds the cell
rows from it: a changed estimate in the table no longer matches and fails, and changing the
embedded document as well breaks the signature.

Text cells that a spreadsheet would read as a formula (= + - @, tab, carriage return) get a
leading quote; numbers are written as numbers, so a negative estimate stays a number.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from privacy.releases import Release
from privacy.signing import canonical_json, key_id_for, verify_document

JSON_FORMAT = "signal-registry-release/1"
CSV_FORMAT = "signal-registry-release-csv/1"
CSV_COLUMNS = ("table", "row", "column", "value")
_EOL = "\r\n"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DOCUMENT_KEYS = frozenset({"release_id", "scope", "spec", "result", "epsilon_spent",
                           "release_date", "replaces", "public_key"})
_HEADER_KEYS = ("format", "release_id", "scope", "release_date", "budget_unit", "budget_spent",
                "replaces", "key_id", "public_key", "signature", "document_sha256", "document")
# Files written before the header said its unit carried the signed document's "epsilon_spent"
# text ("rho 0.005" or a plain epsilon) under that name; they still verify.
_EARLIER_HEADER_KEYS = ("format", "release_id", "scope", "release_date", "epsilon_spent",
                        "replaces", "key_id", "public_key", "signature", "document_sha256",
                        "document")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    message: str
    release_id: str | None = None
    key_id: str | None = None

    def __post_init__(self) -> None:
        if not self.message:
            raise ValueError("a verification result needs a message")


def release_to_json(release: Release) -> str:
    """The signed document with its signature and public key, readable and verifiable."""
    payload = {
        "format": JSON_FORMAT,
        "document": release.document(),
        "signature": release.signature,
        "public_key": release.public_key,
        "key_id": release.key_id,
    }
    return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def release_to_csv(release: Release) -> str:
    return _csv_text(release.document(), release.signature)


def verify_release_file(path_or_text: str | Path, public_key_b64: str | None = None) -> VerifyResult:
    """Check a JSON or CSV release file.

    With ``public_key_b64`` the file must be signed by that key; without it the key the file
    carries is used, which proves the file is intact but not who signed it (compare the key id
    with the published one).
    """
    text = _read(path_or_text).lstrip("\ufeff")
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return _verify_json(stripped, public_key_b64)
    if stripped.startswith("#"):
        return _verify_csv(stripped, public_key_b64)
    return VerifyResult(False, "Onbekend bestandsformaat: verwacht een JSON- of CSV-release.")


# -- CSV -------------------------------------------------------------------------------------


def result_cells(result: Any) -> list[tuple[str, str, str, Any]]:
    """(table, row, column, value) for every scalar in ``result``, in a fixed order.

    A list of objects is a table: each object is a row (numbered from 0, as in the JSON) and
    each key a column. Other values are addressed by their path.
    """
    cells: list[tuple[str, str, str, Any]] = []
    _walk(result, [], cells)
    return cells


def _walk(value: Any, path: list[str], cells: list[tuple[str, str, str, Any]]) -> None:
    table = "/".join(path)
    if isinstance(value, dict):
        for key in sorted(value):
            item = value[key]
            if _is_scalar(item):
                cells.append((table, "", key, item))
            else:
                _walk(item, [*path, key], cells)
    elif isinstance(value, list):
        records = bool(value) and all(isinstance(item, dict) for item in value)
        for index, item in enumerate(value):
            if records:
                for key in sorted(item):
                    cell = item[key]
                    if _is_scalar(cell):
                        cells.append((table, str(index), key, cell))
                    else:
                        _walk(cell, [*path, str(index), key], cells)
            elif _is_scalar(item):
                cells.append((table, str(index), "", item))
            else:
                _walk(item, [*path, str(index)], cells)
    elif _is_scalar(value):
        cells.append((table, "", "", value))


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return _text(str(value))


def _text(value: str) -> str:
    # Only text is guarded: a spreadsheet must show "=SUM(..)" as text, never run it.
    return "'" + value if value.startswith(_FORMULA_START) else value


def spreadsheet_safe(value: Any) -> Any:
    """A cell value for CSV or XLSX: numbers as they are, text never read as a formula."""
    return _text(value) if isinstance(value, str) else value


def _csv_rows(result: Any) -> list[list[str]]:
    rows = [list(CSV_COLUMNS)]
    for table, row, column, value in result_cells(result):
        rows.append([_text(table), row, _text(column), _cell(value)])
    return rows


def budget_spent(cost: str) -> tuple[str, str]:
    """(unit, amount) of the signed document's ``epsilon_spent``: "rho 0.005" is rho, a plain
    number an epsilon from the earlier per-consumer design."""
    unit, sep, amount = cost.partition(" ")
    return (unit, amount) if sep else ("epsilon", cost)


def _csv_header(document: dict[str, Any], signature: str, *, earlier: bool = False) -> dict[str, str]:
    signed = canonical_json(document)
    cost = str(document["epsilon_spent"])
    unit, amount = budget_spent(cost)
    spent = {"epsilon_spent": cost} if earlier else {"budget_unit": unit, "budget_spent": amount}
    return {
        "format": CSV_FORMAT,
        "release_id": str(document["release_id"]),
        "scope": str(document["scope"]),
        "release_date": str(document["release_date"]),
        **spent,
        "replaces": str(document["replaces"] or ""),
        "key_id": key_id_for(str(document["public_key"])),
        "public_key": str(document["public_key"]),
        "signature": signature,
        "document_sha256": hashlib.sha256(signed).hexdigest(),
        "document": base64.b64encode(signed).decode("ascii"),
    }


def _csv_text(document: dict[str, Any], signature: str) -> str:
    out = io.StringIO()
    header = _csv_header(document, signature)
    out.write(f"# signal-registry release; check with: signal-registry verify FILE{_EOL}")
    for key in _HEADER_KEYS:
        out.write(f"# {key}: {header[key]}{_EOL}")
    # RFC 4180 line ends; with them the writer also quotes a cell holding a lone carriage return.
    writer = csv.writer(out, lineterminator=_EOL)
    writer.writerows(_csv_rows(document["result"]))
    return out.getvalue()


def _verify_csv(text: str, public_key_b64: str | None) -> VerifyResult:
    stream = io.StringIO(text)
    header: dict[str, str] = {}
    body_start = 0
    for line in iter(stream.readline, ""):
        if not line.startswith("#"):
            break
        body_start += len(line)
        key, sep, value = line[1:].partition(":")
        if sep and key.strip() in _HEADER_KEYS + _EARLIER_HEADER_KEYS:
            header[key.strip()] = value.strip()
    earlier = "epsilon_spent" in header and "budget_spent" not in header
    if header.get("format") != CSV_FORMAT or not all(
            k in header for k in (_EARLIER_HEADER_KEYS if earlier else _HEADER_KEYS)):
        return VerifyResult(False, "Geen release-CSV: de kopregels ontbreken of zijn onvolledig.")
    try:
        signed = base64.b64decode(header["document"], validate=True)
        document = json.loads(signed.decode("utf-8"))
    except (binascii.Error, ValueError):
        return VerifyResult(False, "Het ingebedde document is beschadigd.")
    if hashlib.sha256(signed).hexdigest() != header["document_sha256"] or not (
        isinstance(document, dict) and canonical_json(document) == signed
    ):
        return VerifyResult(False, "Het ingebedde document klopt niet met zijn SHA-256.")
    failed = _check_signature(document, header["signature"], public_key_b64)
    if failed is not None:
        return failed
    if header != _csv_header(document, header["signature"], earlier=earlier):
        return VerifyResult(False, "De kopregels wijken af van het ondertekende document.")
    expected = _csv_rows(document["result"])
    try:
        actual = list(csv.reader(io.StringIO(text[body_start:], newline="")))
    except csv.Error:
        return VerifyResult(False, "De tabel in het bestand is geen geldige CSV meer.",
                            str(document["release_id"]))
    for number, (want, got) in enumerate(zip(expected, actual, strict=False), start=1):
        if want != got:
            return VerifyResult(False, f"Gewijzigde cel in tabelrij {number}: {got!r} is niet "
                                       "wat ondertekend is.", str(document.get("release_id")))
    if len(expected) != len(actual):
        return VerifyResult(False, "Er zijn tabelrijen toegevoegd of weggelaten.",
                            str(document.get("release_id")))
    return _valid(document, public_key_b64)


# -- JSON ------------------------------------------------------------------------------------


def _verify_json(text: str, public_key_b64: str | None) -> VerifyResult:
    try:
        payload = json.loads(text)
    except ValueError:
        return VerifyResult(False, "Het bestand is geen geldige JSON.")
    if not isinstance(payload, dict) or payload.get("format") != JSON_FORMAT:
        return VerifyResult(False, "Geen release-bestand: het formaat ontbreekt of is onbekend.")
    document, signature = payload.get("document"), payload.get("signature")
    if not isinstance(document, dict) or not isinstance(signature, str):
        return VerifyResult(False, "Het document of de handtekening ontbreekt.")
    if payload.get("public_key") != document.get("public_key"):
        return VerifyResult(False, "De publieke sleutel wijkt af van die in het document.")
    failed = _check_signature(document, signature, public_key_b64)
    return failed if failed is not None else _valid(document, public_key_b64)


# -- shared ----------------------------------------------------------------------------------


def _check_signature(document: dict[str, Any], signature: str,
                     public_key_b64: str | None) -> VerifyResult | None:
    release_id = str(document.get("release_id"))
    if set(document) != DOCUMENT_KEYS or not isinstance(document["release_id"], str):
        return VerifyResult(False, "Het document heeft niet de velden van een release.")
    carried = document.get("public_key")
    if not isinstance(carried, str):
        return VerifyResult(False, "Het document noemt geen publieke sleutel.", release_id)
    if public_key_b64 is not None and carried != public_key_b64:
        return VerifyResult(False, "Het bestand is ondertekend met een andere sleutel dan de "
                                   "opgegeven publieke sleutel.", release_id)
    if not verify_document(document, signature, carried):
        return VerifyResult(False, "Handtekening ongeldig: het bestand is na ondertekening "
                                   "gewijzigd.", release_id)
    return None


def _valid(document: dict[str, Any], public_key_b64: str | None) -> VerifyResult:
    release_id = str(document["release_id"])
    key_id = key_id_for(str(document["public_key"]))
    message = f"Handtekening geldig: release {release_id} is ongewijzigd (sleutel {key_id})."
    if public_key_b64 is None:
        message += (" Gecontroleerd met de sleutel uit het bestand zelf; vergelijk de sleutel-id "
                    "met de gepubliceerde sleutel.")
    return VerifyResult(True, message, release_id, key_id)


def _read(path_or_text: str | Path) -> str:
    # newline="" keeps line breaks inside quoted CSV cells exactly as they were written.
    if isinstance(path_or_text, Path):
        with path_or_text.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    if path_or_text.lstrip("\ufeff \t\r\n").startswith(("{", "#")):
        return path_or_text
    try:
        return _read(Path(path_or_text))
    except (OSError, ValueError):
        return path_or_text
