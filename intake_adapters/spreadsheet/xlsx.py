"""Reading an XLSX workbook in a child process with its own CPU, memory and time limits.

An XLSX file is a zip of XML, and both layers can be made to explode: a small zip whose sheet
unpacks to hundreds of megabytes (a 125 KB upload once took 60 s and 349 MB), XML entities that
expand a few bytes into gigabytes ("billion laughs"), a shared-string table of millions of
entries that openpyxl keeps in memory. Three lines of defence:

1. Before anything is parsed, in this process: the zip's declared sizes together may be at most
   ``XLSX_EXPANSION`` times the upload and never more than ``Limits.max_unpacked``. Python's
   zipfile never unpacks more than a member's declared size (a lie fails the CRC check), so the
   declared sizes are a true bound.
2. The XML is parsed with defusedxml (openpyxl uses it when it is installed, which this
   project's dependencies guarantee; the child checks it does): a DTD or an entity is refused.
   Shared strings are counted, and rows, as they are read.
3. The parse runs in a fresh process (``spawn``: nothing of the server's state comes along) with
   ``RLIMIT_AS`` and ``RLIMIT_CPU`` set, and the parent waits at most ``Limits.wall_seconds`` for
   it in all. A child that runs out is ended and the file refused with a Dutch message.

The child sends the sheet's header first, then the rows of the wanted columns in batches; the
parent reads them as the importer asks, so a million rows never sit in memory at once.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import time
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date
from datetime import time as time_of_day
from multiprocessing.connection import Connection
from typing import Any

from intake_adapters.spreadsheet.reader import (
    Cell,
    Limits,
    Sheet,
    _check_formulas,
    _match_header,
    _too_many_rows,
    refuse,
)
from registry.errors import ValidationFailed
from registry.periods import Month

# An XLSX may unpack to at most this many times its own size. Honest workbooks unpack 4 to 17
# times (measured: openpyxl and Excel files from 10 to 100,000 rows); a zip bomb, thousands.
XLSX_EXPANSION = 40
# Excel's own limit on the text in one cell.
MAX_CELL_CHARACTERS = 32_767
ROWS_PER_BATCH = 2_000
TOO_BIG = "Het Excel-bestand pakt uit tot een onredelijke grootte en wordt niet gelezen."
TOO_HEAVY = ("Het Excel-bestand vraagt te veel {what} om te lezen en is niet gelezen. Sla het op "
             "als 'CSV UTF-8' of splits het, bijvoorbeeld per jaar.")
UNREADABLE = "Het Excel-bestand kan niet worden gelezen. Is het een .xlsx-werkmap?"
XML_DEFINITIONS = ("Het Excel-bestand bevat XML-definities (een DTD of entiteiten) die een "
                   "werkmap nooit nodig heeft; het is niet gelezen.")


def check_expansion(data: bytes, limits: Limits) -> None:
    """Refuse a zip that would unpack to more than its share, before any of it is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise refuse(UNREADABLE) from exc
    if unpacked > min(XLSX_EXPANSION * len(data), limits.max_unpacked):
        raise refuse(TOO_BIG)


def open_xlsx(data: bytes, wanted: Sequence[str], sheet_name: str | None, limits: Limits) -> Sheet:
    check_expansion(data, limits)
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(data, tuple(wanted), sheet_name, limits, sender),
                            name="xlsx-reader", daemon=True)
    child.start()
    sender.close()  # the child holds its own copy; ours must go, or EOF would never come
    rows = _ChildRows(child, receiver, limits)
    try:
        kind, *found = rows.receive()
        if kind != "sheet":
            raise AssertionError(f"the xlsx reader sent {kind!r} before the sheet")
    except BaseException:
        rows.close()
        raise
    header, dropped, title, estimated = found
    sheet = Sheet("xlsx", header, tuple(wanted), dropped, estimated, iter(()),
                  details={"sheet": title})
    rows.sheet = sheet
    sheet.rows = rows
    return sheet


class _ChildRows:
    """The rows as the child sends them; ends the child when done, refused or dropped."""

    def __init__(self, child: Any, receiver: Connection, limits: Limits):
        self.child = child
        self.receiver = receiver
        self.limits = limits
        self.waited = 0.0
        self.sheet: Sheet | None = None
        self.batch: Iterator[tuple[int, tuple[Cell, ...]]] = iter(())
        self.done = False

    def __iter__(self) -> _ChildRows:
        return self

    def __next__(self) -> tuple[int, tuple[Cell, ...]]:
        while True:
            row = next(self.batch, None)
            if row is not None:
                return row
            if self.done:
                raise StopIteration
            try:
                kind, payload = self.receive()
            except BaseException:
                self.close()
                raise
            if kind == "rows":
                self.batch = iter(payload)
            else:  # "done": the number of blank rows passed over
                assert self.sheet is not None
                self.sheet.blank_rows = payload
                self.close()

    def receive(self) -> tuple[Any, ...]:
        """The child's next message; refusals, breaches and a silent death become ValidationFailed."""
        started = time.monotonic()
        ready = self.receiver.poll(max(self.limits.wall_seconds - self.waited, 0.0))
        self.waited += time.monotonic() - started
        if not ready:
            raise refuse(TOO_HEAVY.format(what="tijd"))
        try:
            message: tuple[Any, ...] = self.receiver.recv()
        except (EOFError, OSError):
            # Ended by its CPU limit (SIGXCPU, then SIGKILL) or by the kernel for memory.
            self.child.join(5)
            raise refuse(TOO_HEAVY.format(what="rekentijd of geheugen")) from None
        if message[0] == "refused":
            raise refuse(message[1])
        return message

    def close(self) -> None:
        self.done = True
        self.batch = iter(())
        self.receiver.close()
        if self.child.is_alive():
            self.child.kill()
        self.child.join(5)

    def __del__(self) -> None:
        if not self.done:
            self.close()


# --- in the child --------------------------------------------------------------------------


def _limit_resources(limits: Limits) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    # SIGXCPU at the soft limit ends the process; SIGKILL at the hard one if it is caught.
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 2))


def _child(data: bytes, wanted: tuple[str, ...], sheet_name: str | None, limits: Limits,
           sender: Connection) -> None:
    _limit_resources(limits)
    from defusedxml import DefusedXmlException

    try:
        for message in _read(data, wanted, sheet_name, limits):
            sender.send(message)
    except OSError:
        return  # the parent stopped listening: it has refused the file or gone
    except ValidationFailed as refused:
        sender.send(("refused", refused.message))
    except MemoryError:
        sender.send(("refused", TOO_HEAVY.format(what="geheugen")))
    except Exception as exc:  # a damaged sheet, found as its rows are read
        sender.send(("refused", XML_DEFINITIONS if _caused_by(exc, DefusedXmlException)
                     else UNREADABLE))
    finally:
        sender.close()


def _read(data: bytes, wanted: Sequence[str], sheet_name: str | None,
          limits: Limits) -> Iterator[tuple[Any, ...]]:
    os.environ["OPENPYXL_DEFUSEDXML"] = "True"
    import openpyxl
    from defusedxml import DefusedXmlException

    if not openpyxl.DEFUSEDXML:
        raise RuntimeError("openpyxl does not parse with defusedxml; refusing to read XLSX")
    from openpyxl.reader.excel import ExcelReader

    try:
        # What openpyxl.load_workbook does, keeping the reader for its shared strings.
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False)
        reader.read()
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign zip
        # and wraps defusedxml's refusal in a ValueError of its own.
        raise refuse(XML_DEFINITIONS if _caused_by(exc, DefusedXmlException) else UNREADABLE) \
            from exc
    workbook = reader.wb
    try:
        yield from _read_workbook(workbook, reader.shared_strings, wanted, sheet_name, limits)
    finally:
        workbook.close()


def _caused_by(error: BaseException | None, kind: type[BaseException]) -> bool:
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
    return False


def _read_workbook(workbook: Any, strings: Sequence[str], wanted: Sequence[str],
                   sheet_name: str | None, limits: Limits) -> Iterator[tuple[Any, ...]]:
    if len(strings) > limits.max_shared_strings:
        count = f"{limits.max_shared_strings:,}".replace(",", ".")
        raise refuse(f"Het Excel-bestand heeft meer dan {count} verschillende teksten; splits "
                     "het, bijvoorbeeld per jaar.")
    if any(len(text) > MAX_CELL_CHARACTERS for text in strings):
        raise refuse(f"Het Excel-bestand heeft een cel met meer dan {MAX_CELL_CHARACTERS} tekens; "
                     "zo'n cel kan Excel zelf niet maken.")
    if sheet_name is not None:
        if sheet_name not in workbook.sheetnames:
            raise refuse(f"Het werkblad '{sheet_name}' ontbreekt; dit bestand heeft: "
                         f"{', '.join(workbook.sheetnames)}.")
        worksheet = workbook[sheet_name]
    else:
        worksheet = workbook.worksheets[0]
    max_row = worksheet.max_row or 0
    if max_row - 1 > limits.max_rows:
        raise _too_many_rows(limits)
    iterator = worksheet.iter_rows(values_only=True)
    first = next(iterator, None)
    if first is None or not any(_xlsx_text(v) for v in first):
        raise refuse("Regel 1: de kopregel is leeg; zet de kolomnamen in de eerste rij.")
    header, indexes, dropped = _match_header([_xlsx_text(v) for v in first], wanted, 1, None)
    yield ("sheet", header, dropped, worksheet.title, max(max_row - 1, 0))
    width = len(header)
    blank = 0
    batch: list[tuple[int, tuple[Cell, ...]]] = []
    for line, values in enumerate(iterator, start=2):
        if line - 1 > limits.max_rows:
            raise _too_many_rows(limits)
        if not any(_xlsx_text(v).strip() for v in values):
            blank += 1
            continue
        if len(values) > width and any(_xlsx_text(v) for v in values[width:]):
            raise refuse(f"Regel {line}: er staan gegevens rechts van de laatste kolom "
                         "met een kopnaam. Geef elke kolom een naam in regel 1.")
        texts = [v if isinstance(v, str) else "" for v in values]
        _check_formulas(texts, header, line)
        padded = tuple(values) + (None,) * (width - len(values))
        batch.append((line, tuple(_xlsx_cell(padded[i]) for i in indexes)))
        if len(batch) >= ROWS_PER_BATCH:
            yield ("rows", batch)
            batch = []
    if batch:
        yield ("rows", batch)
    yield ("done", blank)


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if isinstance(value, str) else str(value)


def _xlsx_cell(value: Any) -> Cell:
    if isinstance(value, date):  # datetime is a date too
        try:
            return Month(value.year, value.month)
        except ValueError:
            return "(datum buiten bereik)"
    if isinstance(value, time_of_day):  # a time of day is never read, whatever the column
        return "(tijd weggelaten)"
    return _xlsx_text(value)
