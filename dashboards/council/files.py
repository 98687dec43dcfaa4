"""Downloads: safe names, formula-proof CSV and XLSX, reproducible bytes, a signed manifest.

A download and its signature are fetched in separate requests, so every file here is built
to be byte-for-byte the same each time it is asked for: the signed manifest lists the SHA-256
of each file, and a file downloaded later must still match it. Plotly's random chart ids and
the timestamps inside an XLSX (zip entry times, document properties) are therefore fixed.

Spreadsheet formula injection: a text cell that starts with = + - @ (or a tab or carriage
return) gets a leading quote, so a spreadsheet shows it as text and never runs it. Numbers stay
numbers, so a negative estimate is still a number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flask import Response

from privacy.exports import spreadsheet_safe
from privacy.releases import Release, signed_unstored
from privacy.signing import Signer

MIMETYPES = {
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CORE_TIME = re.compile(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")
# Zip entries carry a local time; 1980-01-01 is the earliest a zip can hold.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def safe_filename(*parts: str, ext: str) -> str:
    """A download name from known codes only: letters, digits, dot, dash, underscore."""
    stem = "-".join(_UNSAFE.sub("-", part).strip(".-") for part in parts if part)
    return f"{stem[:120] or 'download'}.{ext}"


def csv_bytes(rows: Sequence[Sequence[str | int | float]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([spreadsheet_safe(v) if isinstance(v, str) else v for v in row])
    # A BOM so that Excel opens the Dutch text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Mapping[str, Sequence[Sequence[str | int | float]]]) -> bytes:
    """A workbook with one sheet per entry; text guarded, bytes reproducible."""
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets.items():
        sheet = book.create_sheet(spreadsheet_safe(title)[:31])
        for row in rows:
            sheet.append(list(row))
    return _guarded_workbook(book)


def guard_xlsx(data: bytes) -> bytes:
    """An existing workbook with every text cell guarded, bytes reproducible."""
    from openpyxl import load_workbook

    return _guarded_workbook(load_workbook(io.BytesIO(data)))


def _guarded_workbook(book: Any) -> bytes:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                # openpyxl keeps a text starting with "=" as a formula (data type "f").
                if isinstance(cell.value, str) and (cell.data_type in ("s", "f", "inlineStr")):
                    cell.value = spreadsheet_safe(cell.value)
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return reproducible_zip(buffer.getvalue())


def reproducible_zip(data: bytes) -> bytes:
    """The same workbook with fixed entry times and document dates."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_TIME.sub(r"\g<1>2000-01-01T00:00:00Z\g<2>",
                                         content.decode("utf-8")).encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


def stable_html(text: str) -> str:
    """Plotly names each chart with a fresh UUID; number them instead."""
    names: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        return names.setdefault(match.group(0), f"grafiek-{len(names) + 1}")

    return _UUID.sub(rename, text)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sign_manifest(subject: Mapping[str, Any], files: Mapping[str, bytes], signer: Signer,
                  today: date) -> Release:
    """A signed, unstored document (epsilon 0) naming the SHA-256 of each downloadable file.

    It has the release file format, so ``signal-registry verify`` checks its signature, and
    its ``result.files`` lets ``signal-registry verify-report`` check the files beside it.
    """
    scope = "download:" + ":".join(str(v) for v in subject.values())
    spec = {"kind": "council-download", **subject}
    result = {**subject, "files": {name: sha256(data) for name, data in sorted(files.items())}}
    return signed_unstored(scope, spec, result, today.year, signer, today)


def attachment(data: bytes | str, filename: str, kind: str) -> Response:
    body = data.encode("utf-8") if isinstance(data, str) else data
    # content_type, not mimetype: Werkzeug would add a second "; charset=utf-8" to a text type.
    response = Response(body, content_type=MIMETYPES[kind])
    # The name is built by safe_filename from validated codes; quoted all the same.
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
