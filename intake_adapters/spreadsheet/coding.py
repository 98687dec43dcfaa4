"""Turn one row of cells into coded fields, by a mapping; the day of a date is dropped here.

Each field has a small resolver that remembers what it made of each distinct cell text, so a
million rows with a few hundred distinct values cost a few hundred normalisations, not millions.
A resolver returns codes, a request to skip the row (a value outside this registry's scope), or
the problems it found. ``SignalRecord.from_payload`` then judges the coded row as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from intake_adapters.spreadsheet.mapping import MULTI_FIELDS, ColumnSpec, normalise
from intake_adapters.spreadsheet.reader import Cell
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.taxonomy import Taxonomy

ECHO_LIMIT = 60
CACHE_LIMIT = 50_000
FIELD_LABELS = {"period": "maand", "unit": "organisatieonderdeel", "case_token": "zaaknummer"}
FORMAT_HINTS = {
    "dd-mm-jjjj": "dd-mm-jjjj",
    "dd/mm/jjjj": "dd/mm/jjjj",
    "jjjj-mm-dd": "jjjj-mm-dd",
    "jjjj-mm": "jjjj-mm",
    "mm-jjjj": "mm-jjjj",
    "excel-date": "een Excel-datum",
}
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
# Each pattern yields (year, month, day) groups in a fixed order; a time of day is matched
# only so that it can be thrown away.
_PATTERNS: dict[str, tuple[re.Pattern[str], tuple[int, int, int | None]]] = {
    "dd-mm-jjjj": (re.compile(rf"^(\d{{1,2}})-(\d{{1,2}})-(\d{{4}}){_TIME}$"), (3, 2, 1)),
    "dd/mm/jjjj": (re.compile(rf"^(\d{{1,2}})/(\d{{1,2}})/(\d{{4}}){_TIME}$"), (3, 2, 1)),
    "jjjj-mm-dd": (re.compile(rf"^(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}$"), (1, 2, 3)),
    "jjjj-mm": (re.compile(r"^(\d{4})-(\d{1,2})$"), (1, 2, None)),
    "mm-jjjj": (re.compile(r"^(\d{1,2})[-/](\d{4})$"), (2, 1, None)),
}
_SERIAL = re.compile(r"^(\d{1,7})(?:[.,]\d+)?$")
EXCEL_EPOCH = date(1899, 12, 30)


# A day or a time of day inside any echoed text, e.g. a date typed into the wrong column.
_DAY_OR_TIME = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}:\d{2}(?::\d{2})?")


def echo(value: str) -> str:
    """A cell value as it may be shown back to the person who uploaded the file.

    Shortened, and without any day or time of day in it: the report never holds those.
    """
    value = _DAY_OR_TIME.sub("[datum/tijd]", " ".join(value.split()))
    return value if len(value) <= ECHO_LIMIT else value[: ECHO_LIMIT - 1] + "…"


def field_label(taxonomy: Taxonomy, name: str) -> str:
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    return taxonomy.fields[name].label_nl.lower()


@dataclass(frozen=True)
class Issue:
    """A problem with one field of one row; ``value`` is echoed only when it is safe to."""

    field: str
    message: str
    value: str | None = None
    unmapped: bool = False


@dataclass(frozen=True)
class Resolved:
    """What a resolver made of one cell."""

    codes: tuple[str, ...] = ()
    skip: str | None = None
    issues: tuple[Issue, ...] = ()


def month_of(cell: Cell, formats: tuple[str, ...]) -> Month | None:
    """The month of a date cell or text; None when it is no valid date in these formats."""
    if isinstance(cell, Month):  # a real Excel date cell, already coarsened by the reader
        return cell
    for name in formats:
        month = _serial_month(cell) if name == "excel-date" else _text_month(cell, *_PATTERNS[name])
        if month is not None:
            return month
    return None


def _text_month(text: str, pattern: re.Pattern[str], order: tuple[int, int, int | None]) -> Month | None:
    match = pattern.match(text)
    if not match:
        return None
    year, month = int(match.group(order[0])), int(match.group(order[1]))
    try:
        if order[2] is not None:
            # Check the whole date (no 31 February), then keep only its month.
            return Month.of(date(year, month, int(match.group(order[2]))))
        return Month(year, month)
    except ValueError:
        return None


def _serial_month(text: str) -> Month | None:
    match = _SERIAL.match(text)
    if not match:
        return None
    days = int(match.group(1))
    if not 61 <= days <= 2_958_465:  # Excel's fake 29-02-1900 and anything before it are out
        return None
    try:
        return Month.of(EXCEL_EPOCH + timedelta(days=days))
    except ValueError:
        return None


class _Memo:
    """A bounded cache from cell to result; a hostile file cannot make it grow without end."""

    def __init__(self, compute: Callable[[Cell], Resolved]):
        self.compute = compute
        self.cache: dict[Cell, Resolved] = {}

    def __call__(self, cell: Cell) -> Resolved:
        found = self.cache.get(cell)
        if found is None:
            found = self.compute(cell)
            if len(self.cache) >= CACHE_LIMIT:
                self.cache.clear()
            self.cache[cell] = found
        return found


def period_resolver(spec: ColumnSpec) -> Callable[[Cell], Resolved]:
    hint = " of ".join(FORMAT_HINTS[f] for f in spec.formats)

    def resolve(cell: Cell) -> Resolved:
        if isinstance(cell, str):
            cell = cell.strip()
        if cell == "":
            return Resolved(issues=(Issue("period", "De datum ontbreekt."),))
        month = month_of(cell, spec.formats)
        if month is None:
            # Never echo the cell: it holds the day, which the registry must not keep.
            return Resolved(issues=(Issue("period", f"Geen geldige datum; verwacht {hint}."),))
        return Resolved(codes=(str(month),))

    return _Memo(resolve)


def unit_resolver(spec: ColumnSpec, org: OrgStructure,
                  allowed: frozenset[str] | None) -> Callable[[Cell], Resolved]:
    """Mapping values first, then a unit code, then a unit name that is unique in scope."""
    codes = {normalise(u.code): u.code for u in org.units}
    names: dict[str, list[str]] = {}
    for unit in org.units:
        if allowed is None or unit.organisation in allowed:
            names.setdefault(normalise(unit.name), []).append(unit.code)

    def resolve(cell: Cell) -> Resolved:
        text = cell if isinstance(cell, str) else str(cell)
        key = normalise(text)
        if key in spec.values:
            return Resolved(codes=spec.values[key])
        if key in codes:
            return Resolved(codes=(codes[key],))
        if len(names.get(key, ())) == 1:
            return Resolved(codes=(names[key][0],))
        if not key:
            return Resolved(issues=(Issue("unit", "Het organisatieonderdeel ontbreekt."),))
        message = ("Deze naam past bij meer dan één organisatieonderdeel; gebruik de code."
                   if len(names.get(key, ())) > 1 else
                   "Onbekend organisatieonderdeel: geen code of naam uit de organisatiestructuur "
                   "en niet in de koppeling.")
        return Resolved(issues=(Issue("unit", message, echo(text), unmapped=True),))

    return _Memo(resolve)


def coded_resolver(spec: ColumnSpec, taxonomy: Taxonomy) -> Callable[[Cell], Resolved]:
    name = spec.name
    table: dict[str, tuple[str, ...]] = {}
    if spec.accept_codes:
        for code in taxonomy.fields[name].codes:
            table[normalise(code.code)] = (code.code,)
            table[normalise(code.label_nl)] = (code.code,)
    table.update(spec.values)  # the mapping wins over a code or label that reads the same
    multi = name in MULTI_FIELDS
    label = field_label(taxonomy, name)

    def resolve(cell: Cell) -> Resolved:
        text = cell if isinstance(cell, str) else str(cell)
        if normalise(text) == "":
            if "" in table:
                return Resolved(codes=table[""])
            if multi:
                return Resolved()
            return Resolved(issues=(Issue(name, f"De cel is leeg; de koppeling zegt niet welke "
                                                f"{label} een lege cel betekent."),))
        parts = text.split(spec.separator) if multi and spec.separator else [text]
        found: list[str] = []
        issues: list[Issue] = []
        skipped: list[str] = []
        for part in parts:
            key = normalise(part)
            if not key:
                continue
            if key in spec.skip:
                skipped.append(part.strip())
            elif key in table:
                found.extend(table[key])
            else:
                issues.append(Issue(name, f"Deze waarde staat niet in de koppeling voor {label}.",
                                    echo(part), unmapped=True))
        if skipped and not found and not issues:
            return Resolved(skip=f"'{echo(skipped[0])}' valt buiten dit register (koppeling: skip).")
        return Resolved(codes=tuple(dict.fromkeys(found)), issues=tuple(issues))

    return _Memo(resolve)
