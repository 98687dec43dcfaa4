"""Read a CSV or XLSX file into rows of only the columns a mapping names.

Everything that makes a file unfit is refused here, whole, with a Dutch message that names the
line (the spreadsheet row; the header is line 1) and column: the wrong encoding, an unknown
delimiter, an empty file, a header without the mapped columns, a cell that a spreadsheet would
run as a formula, a file or row count over the limit. Columns the mapping does not name are
dropped as each row is read; only their header names are kept, to report what was dropped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from intake_adapters.spreadsheet.mapping import normalise
from registry.errors import FieldError, PayloadTooLarge, ValidationFailed
from registry.periods import Month

# A cell is text, or a month when an Excel cell holds a real date: the day and time of a date
# cell are dropped as it is read, before anything else sees it.
Cell = str | Month
DELIMITERS = ",;\t"
DELIMITER_NAMES = {",": "komma", ";": "puntkomma", "\t": "tab"}
ENCODINGS = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}
# OWASP "CSV injection": a spreadsheet may run a cell that starts with one of these. A leading
# '-' refuses a negative number too; no mapped field is numeric, so that costs nothing.
FORMULA_START = frozenset("=+-@\t\r")
_FORMULA_RE = re.compile(r"(?:^|\x00) *[=+\-@\t\r]")
_BLANK = " \t\r\n\x0b\x0c\x00\xa0"
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls


MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How big a file may be; the web upload and the command line use different sizes.

    The last five bound reading an XLSX (``xlsx``): its unpacked size (also at most
    ``xlsx.XLSX_EXPANSION`` times the file), its shared strings, and the CPU seconds, address
    space and wall-clock seconds of the process that parses it.
    """

    max_bytes: int
    max_rows: int
    max_unpacked: int = 200 * MB
    max_shared_strings: int = 1_000_000
    cpu_seconds: int = 60
    memory_bytes: int = 2048 * MB
    wall_seconds: float = 90.0


MAX_ROWS = 1_000_000
# A web upload is read within the request's time limit (SIGNAL_REGISTRY_REQUEST_TIMEOUT, 120 s).
UPLOAD_LIMITS = Limits(max_bytes=20 * MB, max_rows=MAX_ROWS)
# On the command line a file of a million rows (about 60 MB as CSV, 30 MB as XLSX) must fit.
CLI_LIMITS = Limits(max_bytes=256 * MB, max_rows=MAX_ROWS, max_unpacked=2048 * MB,
                    max_shared_strings=4_000_000, cpu_seconds=1800, memory_bytes=8192 * MB,
                    wall_seconds=3600.0)


def refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldError("file", message)])


@dataclass
class Sheet:
    """An opened file: its header and an iterator of (line, cells of the wanted columns).

    Rows without any content are not yielded; ``blank_rows`` counts them as they pass. Cells
    are as in the file (not stripped): the resolvers normalise them.
    """

    kind: str
    header: tuple[str, ...]
    wanted: tuple[str, ...]
    dropped: tuple[str, ...]
    estimated_rows: int
    rows: Iterator[tuple[int, tuple[Cell, ...]]]
    delimiter: str | None = None
    blank_rows: int = 0
    encoding: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def description(self) -> str:
        if self.kind == "xlsx":
            return f"Excel (xlsx), werkblad {self.details.get('sheet', '')}"
        encoding = ENCODINGS.get(self.encoding or "", self.encoding)
        delimiter = DELIMITER_NAMES.get(self.delimiter or "", self.delimiter)
        return f"CSV, {encoding}, scheidingsteken {delimiter}"


def check_size(size: int, limits: Limits) -> None:
    """Refuse a file over the byte limit; callers may check before reading it at all."""
    if size > limits.max_bytes:
        raise PayloadTooLarge(
            f"Het bestand is te groot ({size / 1_048_576:.1f} MB); de grens is "
            f"{limits.max_bytes // 1_048_576} MB. Splits het bestand, bijvoorbeeld per jaar.")


def open_sheet(data: bytes, wanted: Sequence[str], *, encoding: str = "utf-8",
               sheet_name: str | None = None, limits: Limits = UPLOAD_LIMITS) -> Sheet:
    """Check the file as a whole and return a Sheet whose rows are checked as they are read."""
    check_size(len(data), limits)
    if not data.strip():
        raise refuse("Het bestand is leeg.")
    if data.startswith(OLE_MAGIC):
        raise refuse("Oude Excel-bestanden (.xls) worden niet gelezen. Sla het bestand op als "
                     "Excel-werkmap (.xlsx) of als 'CSV UTF-8'.")
    if data.startswith(XLSX_MAGIC):
        from intake_adapters.spreadsheet.xlsx import open_xlsx  # it builds on this module

        return open_xlsx(data, wanted, sheet_name, limits)
    return _open_csv(data, wanted, encoding, limits)


# --- CSV -----------------------------------------------------------------------------------


def _decode(data: bytes, encoding: str) -> tuple[str, str]:
    if encoding not in ENCODINGS:
        raise refuse(f"Onbekende tekenset '{encoding}'; kies UTF-8 of Windows-1252.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse("Het bestand is opgeslagen als UTF-16 ('Unicode-tekst'). Sla het op als "
                     "'CSV UTF-8 (door lijstscheidingsteken gescheiden)'.")
    # A byte-order mark declares UTF-8 beyond doubt, whatever was chosen.
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8"
        data = data[3:]
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if encoding == "utf-8":
            message = (f"Regel {line}: het bestand is geen UTF-8 (waarschijnlijk Windows-1252 of "
                       "Latin-1). Sla het op als 'CSV UTF-8 (door lijstscheidingsteken gescheiden)', "
                       "of kies bij het importeren uitdrukkelijk de tekenset Windows-1252.")
        else:
            message = f"Regel {line}: het bestand is ook geen geldige Windows-1252-tekst."
        raise refuse(message) from exc


def _open_csv(data: bytes, wanted: Sequence[str], encoding: str, limits: Limits) -> Sheet:
    text, used = _decode(data, encoding)
    if not text.strip():
        raise refuse("Het bestand is leeg.")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise refuse(f"Regel {line}: het bestand bevat binaire tekens; dit is geen CSV-bestand.")
    first_line = 1
    declared = re.match(r"^sep=(.)\r?\n", text)  # Excel's own "sep=;" first line
    if declared:
        delimiter = declared.group(1)
        if delimiter not in DELIMITERS:
            raise refuse("Regel 1: gebruik puntkomma, komma of tab als scheidingsteken.")
        text = text[declared.end():]
        first_line = 2
    else:
        delimiter = _sniff(text)
    header_row = _first_row(text, delimiter, first_line)
    try:
        header, indexes, dropped = _match_header(header_row, wanted, first_line, delimiter)
    except ValidationFailed:
        # The sniffer guesses from the data rows, and commas inside cells can fool it; if the
        # header matches the mapping with exactly one other candidate, that one is meant.
        others = [d for d in DELIMITERS if d != delimiter and d in text.partition("\n")[0]]
        fits = [d for d in others if _header_fits(_first_row(text, d, first_line), wanted)]
        if len(fits) != 1:
            raise
        delimiter = fits[0]
        header_row = _first_row(text, delimiter, first_line)
        header, indexes, dropped = _match_header(header_row, wanted, first_line, delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        strict=True)
    next(reader)
    estimate = max(text.count("\n") - 1, 0)
    sheet = Sheet("csv", header, tuple(wanted), dropped, estimate, iter(()), delimiter=delimiter,
                  encoding=used)
    sheet.rows = _csv_rows(sheet, reader, indexes, first_line, limits)
    return sheet


def _uneven(row: list[str], width: int, line: int, delimiter: str) -> ValidationFailed:
    # Trailing empty cells past the header are harmless; anything else means the columns do
    # not line up, and guessing which cell belongs where could store a value in the wrong field.
    message = f"Regel {line}: {len(row)} cel(len), maar de kopregel heeft er {width}."
    others = [DELIMITER_NAMES[d] for d in DELIMITERS if d != delimiter and any(d in c for c in row)]
    if len(row) < width and others:
        message += (f" Deze regel lijkt met {others[0]} gescheiden, de kopregel met "
                    f"{DELIMITER_NAMES.get(delimiter, delimiter)}: gebruik één scheidingsteken.")
    elif len(row) > width:
        message += " Staat er een scheidingsteken in een cel zonder aanhalingstekens?"
    else:
        message += " Vul ook lege cellen aan met een scheidingsteken."
    return refuse(message)


def _first_row(text: str, delimiter: str, line: int) -> list[str]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        strict=True)
    try:
        return next(reader)
    except StopIteration:
        raise refuse("Het bestand is leeg.") from None
    except csv.Error as exc:
        raise refuse(f"Regel {line}: de kopregel kan niet worden gelezen ({exc}).") from exc


def _header_fits(row: Sequence[str], wanted: Sequence[str]) -> bool:
    names = {normalise(cell) for cell in row}
    return all(normalise(name) in names for name in wanted)


def _sniff(text: str) -> str:
    lines = text.splitlines()
    sample = "\n".join(lines[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    # The sniffer wants a consistent pattern over several lines; a header-only file or a
    # file with uneven free text defeats it. Then the header decides, if one candidate is there.
    header = lines[0] if lines else ""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0 or list(counts.values()).count(counts[best]) > 1:
        raise refuse("Regel 1: het scheidingsteken is niet herkend. Gebruik puntkomma, komma of "
                     "tab tussen de kolommen.")
    return best


def _csv_rows(sheet: Sheet, reader: Any, indexes: tuple[int, ...], first_line: int,
              limits: Limits) -> Iterator[tuple[int, tuple[Cell, ...]]]:
    header = sheet.header
    width = len(header)
    pick = itemgetter(*indexes) if len(indexes) > 1 else (lambda row: (row[indexes[0]],))
    line = first_line
    try:
        for row in reader:
            line += 1
            if line - first_line > limits.max_rows:
                raise _too_many_rows(limits)
            joined = "\x00".join(row)
            if not joined.strip(_BLANK):
                sheet.blank_rows += 1
                continue
            if len(row) != width and (len(row) < width or any(c.strip() for c in row[width:])):
                raise _uneven(row, width, line, sheet.delimiter or "")
            if _FORMULA_RE.search(joined):  # one regex per row; the slow search names the cell
                _check_formulas(row, header, line)
            yield line, pick(row)
    except csv.Error as exc:
        raise refuse(f"Regel {line}: de regel kan niet worden gelezen ({exc}).") from exc


# --- shared checks -------------------------------------------------------------------------


def _match_header(row: Sequence[str], wanted: Sequence[str], line: int,
                  delimiter: str | None) -> tuple[tuple[str, ...], tuple[int, ...], tuple[str, ...]]:
    header = tuple(cell.strip().lstrip("\ufeff") for cell in row)
    while header and not header[-1]:
        header = header[:-1]
    _check_formulas(header, header, line)
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        positions.setdefault(normalise(name), []).append(index)
    missing = [name for name in wanted if normalise(name) not in positions]
    if missing:
        found = ", ".join(f"'{h}'" for h in header if h) or "geen"
        message = (f"Regel {line}: de kopregel mist de kolom(men) {', '.join(repr(m) for m in missing)} "
                   f"die de koppeling noemt. Gevonden kolommen: {found}.")
        if delimiter is not None:
            message += (f" Gelezen met scheidingsteken {DELIMITER_NAMES[delimiter]}; controleer ook "
                        "het scheidingsteken als de kolommen wel in het bestand staan.")
        raise refuse(message)
    doubles = [name for name in wanted if len(positions[normalise(name)]) > 1]
    if doubles:
        raise refuse(f"Regel {line}: de kolom '{doubles[0]}' staat meer dan eens in de kopregel.")
    indexes = tuple(positions[normalise(name)][0] for name in wanted)
    used = set(indexes)
    dropped = tuple(name or f"(kolom {i + 1} zonder naam)" for i, name in enumerate(header)
                    if i not in used)
    return header, indexes, dropped


def _check_formulas(cells: Sequence[str], header: Sequence[str], line: int) -> None:
    for index, cell in enumerate(cells):
        if not cell:
            continue
        sign = cell[0]
        if sign == " ":  # " =1+1" is still a formula in some spreadsheets
            sign = cell.lstrip(" ")[:1]
        if sign not in FORMULA_START:
            continue
        column = header[index] if index < len(header) and header[index] else f"kolom {index + 1}"
        shown = {"\t": "een tab", "\r": "een regelovergang"}.get(sign, f"'{sign}'")
        raise refuse(
            f"Regel {line}, kolom '{column}': de cel begint met {shown}. Een spreadsheet kan zo'n "
            "cel als formule uitvoeren; het bestand is daarom geweigerd. Haal het teken weg "
            "(ook een negatief getal: geen enkele kolom vraagt om getallen)."
        )


def _too_many_rows(limits: Limits) -> ValidationFailed:
    rows = f"{limits.max_rows:,}".replace(",", ".")
    return refuse(f"Het bestand heeft meer dan {rows} regels met gegevens; splits het, "
                  "bijvoorbeeld per jaar.")
