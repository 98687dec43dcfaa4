"""Hostile XLSX files are refused quickly, whole, with a Dutch message, and nothing is stored.

A zip bomb (a small file whose sheet unpacks to a hundred megabytes) used to pass the old guard,
which compared the unpacked size with 500 MB whatever the upload's size, and took minutes to
read. XML entities ("billion laughs") are refused by defusedxml. The parse runs in a child
process whose CPU time, memory and wall-clock time are limited.
"""

from __future__ import annotations

import io
import os
import re
import time
import zipfile
from dataclasses import replace

import pytest

from intake_adapters.spreadsheet.reader import UPLOAD_LIMITS, open_sheet
from intake_adapters.spreadsheet.xlsx import TOO_BIG, XLSX_EXPANSION, XML_DEFINITIONS
from registry.accounts import Role
from registry.errors import ValidationFailed

WANTED = ("Datum", "Afdeling", "Onderwerp")
SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              "<sheetData>")
SHEET_TAIL = "</sheetData></worksheet>"


def inline_row(*cells: str) -> str:
    # Without row and cell references, as the format allows: identical rows compress well.
    return "<row>" + "".join(f'<c t="inlineStr"><is><t>{text}</t></is></c>' for text in cells) + "</row>"


NS = "http://schemas.openxmlformats.org/"
PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="{NS}package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
    "_rels/.rels": (
        f'<Relationships xmlns="{NS}package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{NS}officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"),
    "xl/workbook.xml": (
        f'<workbook xmlns="{NS}spreadsheetml/2006/main" xmlns:r="{NS}officeDocument/2006/relationships">'
        '<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{NS}package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{NS}officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{NS}officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>'),
}
SHARED = "xl/sharedStrings.xml"


def shared_strings(*texts: str) -> str:
    items = "".join(f"<si><t>{text}</t></si>" for text in texts)
    return (f'<sst xmlns="{NS}spreadsheetml/2006/main" count="{len(texts)}" '
            f'uniqueCount="{len(texts)}">{items}</sst>')


def xlsx(sheet: object, strings: str | None = None, level: int = 9) -> bytes:
    """A workbook of one sheet, its XML given as text or as an iterable of chunks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr(SHARED, strings or shared_strings())
        with archive.open(SHEET, "w") as member:
            for chunk in [sheet] if isinstance(sheet, str) else sheet:  # type: ignore[attr-defined]
                member.write(chunk.encode("utf-8"))
    return out.getvalue()


def sheet_xml(*rows: str) -> str:
    return SHEET_HEAD + "".join(rows) + SHEET_TAIL


GOOD = sheet_xml(inline_row(*WANTED), inline_row("2025-03", "MIN-A", "Pesten"))


def bomb(unpacked_mb: int = 120) -> bytes:
    """A valid workbook whose sheet XML is ``unpacked_mb`` MB of ordinary rows."""
    block = inline_row("2025-03", "MIN-A", "Pesten") * 100

    def chunks():  # type: ignore[no-untyped-def]
        yield SHEET_HEAD + inline_row(*WANTED)
        for _ in range(unpacked_mb * 1024 * 1024 // len(block)):
            yield block
        yield SHEET_TAIL

    return xlsx(chunks())


def refusal(data: bytes, **limits: object) -> str:
    with pytest.raises(ValidationFailed) as caught:
        list(open_sheet(data, WANTED, limits=replace(UPLOAD_LIMITS, **limits)).rows)
    return caught.value.message


def unpacked(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())


@pytest.fixture
def database_url(tmp_path):  # type: ignore[no-untyped-def]
    # What is refused here does not depend on the database; SQLite is enough.
    return f"sqlite:///{tmp_path / 'test.db'}"


def test_a_zip_bomb_upload_is_refused_within_seconds_and_nothing_is_stored(
        client, login, csrf_from, services):
    data = bomb()
    assert len(data) < 1024 * 1024 < unpacked(data) // 100  # small file, over 100 MB unpacked
    login(Role.ADVISER)
    page = client.get("/signalen/import").get_data(as_text=True)
    started = time.monotonic()
    response = client.post("/signalen/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page), "mapping": "vertrouwenspersoon-jaarverslag",
        "channel": "vp_intern", "encoding": "utf-8", "action": "import",
        "form_id": re.search(r'name="form_id" value="([^"]+)"', page).group(1),
        "file": (io.BytesIO(data), "bom.xlsx")})
    seconds = time.monotonic() - started
    assert response.status_code == 422
    assert TOO_BIG in response.get_data(as_text=True)
    assert seconds < 3, f"the bomb took {seconds:.1f} s to refuse"
    assert services.signals.count() == 0


def test_the_guard_compares_with_the_uploads_own_size_and_a_fixed_ceiling():
    honest = xlsx(GOOD)
    assert unpacked(honest) < XLSX_EXPANSION * len(honest)
    assert list(open_sheet(honest, WANTED).rows) == [(2, ("2025-03", "MIN-A", "Pesten"))]
    # Within the ratio, but over the ceiling.
    assert refusal(honest, max_unpacked=unpacked(honest) - 1) == TOO_BIG
    # A few MB is no problem for the ceiling, but this small file may not unpack to it.
    assert refusal(bomb(unpacked_mb=3)) == TOO_BIG


BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
              for i in range(1, 10))
    + ']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    'uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)


@pytest.mark.parametrize("member", [SHARED, SHEET])
def test_xml_entities_inside_the_xlsx_are_refused_by_defusedxml(member):
    if member == SHEET:
        data = xlsx(BILLION_LAUGHS.replace("sst", "worksheet").replace(
            "<si><t>&lol9;</t></si>", "<sheetData>" + inline_row("&lol9;") + "</sheetData>"))
    else:
        data = xlsx(GOOD, strings=BILLION_LAUGHS)
    started = time.monotonic()
    assert refusal(data) == XML_DEFINITIONS
    assert time.monotonic() - started < 10


def test_too_many_shared_strings_are_refused():
    data = xlsx(GOOD, strings=shared_strings(*(f"tekst {n}" for n in range(20))))
    assert "meer dan 10 verschillende teksten" in refusal(data, max_shared_strings=10)
    assert len(list(open_sheet(data, WANTED).rows)) == 1  # within the default cap


def random_rows(count: int) -> bytes:
    """An honest-looking workbook of ``count`` rows that does not compress much."""

    def chunks():  # type: ignore[no-untyped-def]
        yield SHEET_HEAD + inline_row(*WANTED)
        for start in range(0, count, 1000):
            yield "".join(inline_row("2025-03", os.urandom(12).hex(), os.urandom(12).hex())
                          for _ in range(min(1000, count - start)))
        yield SHEET_TAIL

    return xlsx(chunks(), level=1)


def test_a_parse_over_its_cpu_time_is_ended_and_refused():
    data = random_rows(150_000)
    started = time.monotonic()
    message = refusal(data, cpu_seconds=1)
    assert "te veel rekentijd" in message
    assert time.monotonic() - started < 30


def test_a_parse_over_its_wall_clock_time_is_ended_and_refused():
    data = xlsx(GOOD)
    assert "te veel tijd" in refusal(data, wall_seconds=0.001)


def test_a_parse_over_its_memory_is_ended_and_refused():
    # Far less address space than the interpreter itself needs: the child cannot get going.
    data = xlsx(GOOD)
    assert "te veel" in refusal(data, memory_bytes=64 * 1024 * 1024)
