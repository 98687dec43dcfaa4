"""The public organisation structure: organisations and their unit trees with headcounts.

Loaded from a CSV with the columns ``code,name,parent,organisation,headcount``. A root row (empty
``parent``) is an organisation, and its ``organisation`` equals its ``code``. Headcount is the
total FTE of a unit including its sub-units. A bad file is refused whole, with every bad line
numbered in one pass.

Dutch Excel: a file whose header is separated by semicolons is read with ``;`` as the
separator, and a headcount may have a decimal comma ("12,5"; in a comma-separated file quoted).
A decimal point is refused: in Dutch "1.200" means twelve hundred. ``Unit.headcount`` is a whole
number, so a fraction is rounded half up to whole FTE (12,5 becomes 13, 12,4 becomes 12); the
coarsening threshold compares those whole numbers. ``parse_org_file`` lists each rounded line,
so the upload's preview can say what was stored; a sub-unit sum is checked on the typed values.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from registry.db import Database
from registry.errors import FieldError, ValidationFailed
from registry.models import Signal, Unit

CSV_COLUMNS = ("code", "name", "parent", "organisation", "headcount")
_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_HEADCOUNT_RE = re.compile(r"[0-9]{1,9}(?:,[0-9]{1,2})?")
# More FTE than the whole Dutch public sector: a typing error, not a unit.
MAX_HEADCOUNT = 10_000_000


@dataclass(frozen=True)
class OrgUnit:
    code: str
    name: str
    parent: str | None
    organisation: str
    headcount: int

    def as_api(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "parent": self.parent,
            "organisation": self.organisation,
            "headcount": self.headcount,
        }


@dataclass(frozen=True)
class OrgStructure:
    """An immutable, validated snapshot of the public structure."""

    units: tuple[OrgUnit, ...]
    _by_code: dict[str, OrgUnit] = field(init=False, repr=False, compare=False)
    _children: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_code = {u.code: u for u in self.units}
        children: dict[str, list[str]] = {u.code: [] for u in self.units}
        for unit in self.units:
            if unit.parent is not None:
                children[unit.parent].append(unit.code)
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in children.items()})

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> OrgUnit:
        return self._by_code[code]

    @property
    def organisations(self) -> list[OrgUnit]:
        return [u for u in self.units if u.parent is None]

    def children(self, code: str) -> tuple[str, ...]:
        return self._children.get(code, ())

    def units_of(self, organisation: str) -> list[OrgUnit]:
        return [u for u in self.units if u.organisation == organisation]

    def ancestors(self, code: str) -> list[str]:
        """The chain from ``code`` up to its organisation, ``code`` first."""
        chain = [code]
        while (parent := self._by_code[chain[-1]].parent) is not None:
            chain.append(parent)
        return chain

    def subtree(self, code: str) -> list[str]:
        out, stack = [], [code]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(self.children(current))
        return out

    def depth(self, code: str) -> int:
        return len(self.ancestors(code)) - 1

    @property
    def total_headcount(self) -> int:
        return sum(u.headcount for u in self.organisations)


@dataclass(frozen=True)
class RoundedHeadcount:
    line: int
    code: str
    typed: str
    """As in the file, e.g. "12,5"."""
    stored: int


@dataclass(frozen=True)
class ParsedOrgFile:
    structure: OrgStructure
    rounded: tuple[RoundedHeadcount, ...]
    delimiter: str


def decode_org_file(data: bytes) -> str:
    """The text of an uploaded organisation file: UTF-8 (with or without a byte-order mark), or
    else Windows-1252, which Dutch Excel writes for its plain "CSV (lijstscheidingsteken)".

    Windows-1252 leaves five byte values undefined; a file holding one of them is neither and is
    refused by the caller. Control characters that decode from a binary file are refused by the
    parser, line by line.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def parse_org_csv(text: str) -> OrgStructure:
    """Parse and validate an org CSV; raises ValidationFailed listing every bad line.

    Any text gives either a structure or ``ValidationFailed``, never another error: the file
    comes from an upload or from ``load-org``, and a mistake in it is the user's to fix.
    """
    return parse_org_file(text).structure


def parse_org_file(text: str) -> ParsedOrgFile:
    """``parse_org_csv`` with what the reader decided: the separator and each rounded FTE."""
    delimiter = _delimiter(text)
    rows = _csv_rows(text, delimiter)
    _check_header(rows)
    errors: list[FieldError] = []
    units: list[OrgUnit] = []
    lines: dict[str, int] = {}
    exact: dict[str, Decimal] = {}
    rounded: list[RoundedHeadcount] = []
    for line_no, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(CSV_COLUMNS):
            errors.append(FieldError("file", f"Regel {line_no}: verwacht 5 kolommen."))
            continue
        code, name, parent, organisation, headcount = (cell.strip() for cell in row)
        problems = _unit_problems(row, lines)
        typed = _headcount(headcount)
        fte = _whole_fte(typed) if typed is not None else None
        problems += _headcount_problems(headcount, typed, fte)
        if not parent and organisation != code:
            problems.append("een organisatie (zonder parent) moet zichzelf als organisatie hebben")
        if problems or fte is None or typed is None:
            errors.append(FieldError("file", f"Regel {line_no}: {'; '.join(problems)}."))
            continue
        lines[code] = line_no
        exact[code] = typed
        if typed != fte:
            rounded.append(RoundedHeadcount(line_no, code, headcount, fte))
        units.append(OrgUnit(code, name, parent or None, organisation, fte))
    errors.extend(_check_tree(units, lines, exact))
    if errors:
        raise ValidationFailed("Het organisatiebestand is geweigerd.", errors)
    if not units:
        message = "Het bestand bevat geen eenheden."
        raise ValidationFailed(message, [FieldError("file", message)])
    return ParsedOrgFile(OrgStructure(tuple(units)), tuple(rounded), delimiter)


def _check_header(rows: list[tuple[int, list[str]]]) -> None:
    """ValidationFailed unless the file has rows and its first is the expected header."""
    if not rows:
        raise ValidationFailed("Het bestand is leeg.", [FieldError("file", "Het bestand is leeg.")])
    header = [h.strip().lower() for h in rows[0][1]]
    if tuple(header) != CSV_COLUMNS:
        message = f"Regel 1: de kopregel moet {','.join(CSV_COLUMNS)} zijn."
        raise ValidationFailed(message, [FieldError("file", message)])


def _unit_problems(row: list[str], lines: dict[str, int]) -> list[str]:
    """What is wrong with a row's characters, code and name (``lines``: codes seen so far)."""
    code, name = row[0].strip(), row[1].strip()
    problems = []
    if any(_has_control_character(cell) for cell in row):
        problems.append("bevat een onzichtbaar stuurteken (zoals NUL); sla het bestand "
                        "opnieuw op als 'CSV UTF-8'")
    if not _CODE_RE.fullmatch(code):
        problems.append("ongeldige code")
    if code in lines:
        problems.append(f"code {code} staat ook op regel {lines[code]}")
    if not name or len(name) > 200:
        problems.append("naam ontbreekt of is te lang")
    return problems


def _headcount_problems(headcount: str, typed: Decimal | None, fte: int | None) -> list[str]:
    """What is wrong with the FTE as typed and as rounded to whole FTE."""
    if typed is None:
        return ["headcount moet een positief geheel getal zijn"]
    if fte is None:
        return [f"headcount {headcount} is afgerond 0 fte; een eenheid heeft minstens 0,5 fte"]
    if fte > MAX_HEADCOUNT:
        return [f"headcount is groter dan {MAX_HEADCOUNT} fte"]
    return []


def _delimiter(text: str) -> str:
    """";" when the header is separated by semicolons (Dutch Excel), else ","."""
    header = re.split(r"[\r\n]", text.lstrip("\ufeff"), maxsplit=1)[0]
    return ";" if header.count(";") == len(CSV_COLUMNS) - 1 and "," not in header else ","


def _csv_rows(text: str, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    """Every record with the number of the line it starts on; ValidationFailed if unreadable.

    ``newline=""`` lets the reader take a lone carriage return (an old Mac line end) as a line
    end instead of raising; a field over the csv module's size limit is reported by line.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error:
        message = (f"Regel {start}: deze regel is geen geldige CSV (bijvoorbeeld een veld dat "
                   "veel te lang is).")
        raise ValidationFailed(message, [FieldError("file", message)]) from None
    return rows


def _headcount(text: str) -> Decimal | None:
    """The FTE as typed: ASCII digits, at most one decimal comma with one or two decimals.

    ASCII digits only: str.isdigit() and int() also take '²' or Arabic-Indic digits, and the
    one raises in int() while the other would be stored as a number nobody typed.
    """
    if not _HEADCOUNT_RE.fullmatch(text):
        return None
    value = Decimal(text.replace(",", "."))
    return value if value > 0 else None


def _whole_fte(value: Decimal) -> int | None:
    """Rounded half up to whole FTE (``Unit.headcount`` is whole); None when that is 0."""
    whole = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return whole if whole > 0 else None


def _fte_text(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


def _has_control_character(cell: str) -> bool:
    # A name with a NUL byte breaks the database; other control characters are invisible.
    return any(unicodedata.category(ch) == "Cc" and ch != "\t" for ch in cell)


def _check_tree(units: list[OrgUnit], lines: dict[str, int],
                exact: Mapping[str, Decimal] | None = None) -> list[FieldError]:
    errors = []
    by_code = {u.code: u for u in units}
    # On the FTE as typed: 0,5 + 0,5 fits under 1, though each rounds up to 1.
    fte = {u.code: (exact or {}).get(u.code, Decimal(u.headcount)) for u in units}
    child_sum: dict[str, Decimal] = {}
    for unit in units:
        where = f"Regel {lines[unit.code]}"
        if unit.parent is None:
            continue
        parent = by_code.get(unit.parent)
        if parent is None:
            errors.append(FieldError("file", f"{where}: parent {unit.parent} bestaat niet."))
            continue
        if parent.organisation != unit.organisation:
            errors.append(FieldError("file", f"{where}: parent hoort bij een andere organisatie."))
        child_sum[parent.code] = child_sum.get(parent.code, Decimal(0)) + fte[unit.code]
        seen: set[str] = {unit.code}
        current: OrgUnit | None = parent
        while current is not None and current.parent is not None:
            if current.code in seen:
                errors.append(FieldError("file", f"{where}: de structuur bevat een kring."))
                break
            seen.add(current.code)
            current = by_code.get(current.parent)
    for code, total in child_sum.items():
        if total > fte[code]:
            errors.append(
                FieldError(
                    "file",
                    f"Regel {lines[code]}: headcount {_fte_text(fte[code])} is kleiner dan "
                    f"de som van de onderliggende eenheden ({_fte_text(total)}).",
                )
            )
    roots = {u.code for u in units if u.parent is None}
    for unit in units:
        if unit.organisation not in roots:
            errors.append(
                FieldError(
                    "file",
                    f"Regel {lines[unit.code]}: organisatie {unit.organisation} bestaat niet.",
                )
            )
    return errors


def structure_to_csv(units: Iterable[OrgUnit]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for u in units:
        writer.writerow([u.code, u.name, u.parent or "", u.organisation, u.headcount])
    return buffer.getvalue()


class OrganisationService:
    """Reads and replaces the stored organisation structure."""

    def __init__(self, db: Database):
        self.db = db

    def structure(self) -> OrgStructure:
        with self.db.session() as session:
            rows = session.scalars(select(Unit)).all()
            return OrgStructure(
                tuple(
                    OrgUnit(r.code, r.name, r.parent, r.organisation, r.headcount)
                    for r in sorted(rows, key=lambda r: (r.organisation, r.code))
                )
            )

    def replace(self, structure: OrgStructure) -> dict[str, int]:
        """Store ``structure``; units that disappear must have no signals. All or nothing."""
        with self.db.session(immediate=True) as session:
            existing = {u.code: u for u in session.scalars(select(Unit))}
            removed = set(existing) - {u.code for u in structure.units}
            if removed:
                in_use = session.scalars(
                    select(Signal.unit).where(Signal.unit.in_(removed)).distinct()
                ).all()
                if in_use:
                    codes = ", ".join(sorted(in_use)[:10])
                    message = f"Eenheden met signalen kunnen niet verdwijnen: {codes}."
                    raise ValidationFailed(message, [FieldError("file", message)])
            # Insert parents before children and delete children before parents.
            ordered = sorted(structure.units, key=lambda u: structure.depth(u.code))
            for unit in ordered:
                row = existing.get(unit.code)
                if row is None:
                    session.add(Unit(code=unit.code, name=unit.name, parent=unit.parent,
                                     organisation=unit.organisation, headcount=unit.headcount))
                    session.flush()
                else:
                    row.name, row.parent = unit.name, unit.parent
                    row.organisation, row.headcount = unit.organisation, unit.headcount
            session.flush()
            for code in sorted(removed, key=lambda c: -_depth(existing, c)):
                session.delete(existing[code])
                session.flush()
            count = session.scalar(select(func.count()).select_from(Unit)) or 0
        return {"units": count, "removed": len(removed)}


def _depth(rows: dict[str, Unit], code: str) -> int:
    depth, current = 0, rows[code]
    while current.parent is not None and current.parent in rows:
        depth += 1
        current = rows[current.parent]
    return depth
