"""The public organisation structure: organisations and their unit trees with headcounts.

Loaded from a CSV with the columns ``code,name,parent,organisation,headcount``. A root row (empty
``parent``) is an organisation, and its ``organisation`` equals its ``code``. Headcount is the
total FTE of a unit including its sub-units. A bad file is refused whole, with line numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from registry.db import Database
from registry.errors import FieldError, ValidationFailed
from registry.models import Signal, Unit

CSV_COLUMNS = ("code", "name", "parent", "organisation", "headcount")
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


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


def parse_org_csv(text: str) -> OrgStructure:
    """Parse and validate an org CSV; raises ValidationFailed listing every bad line."""
    errors: list[FieldError] = []
    reader = csv.reader(io.StringIO(text))
    rows = list(reader)
    if not rows:
        raise ValidationFailed("Het bestand is leeg.", [FieldError("file", "Het bestand is leeg.")])
    header = [h.strip().lower() for h in rows[0]]
    if tuple(header) != CSV_COLUMNS:
        message = f"Regel 1: de kopregel moet {','.join(CSV_COLUMNS)} zijn."
        raise ValidationFailed(message, [FieldError("file", message)])
    units: list[OrgUnit] = []
    lines: dict[str, int] = {}
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(CSV_COLUMNS):
            errors.append(FieldError("file", f"Regel {line_no}: verwacht 5 kolommen."))
            continue
        code, name, parent, organisation, headcount = (cell.strip() for cell in row)
        problems = []
        if not _CODE_RE.match(code):
            problems.append("ongeldige code")
        if code in lines:
            problems.append(f"code {code} staat ook op regel {lines[code]}")
        if not name or len(name) > 200:
            problems.append("naam ontbreekt of is te lang")
        if not headcount.isdigit() or int(headcount) <= 0:
            problems.append("headcount moet een positief geheel getal zijn")
        if not parent and organisation != code:
            problems.append("een organisatie (zonder parent) moet zichzelf als organisatie hebben")
        if problems:
            errors.append(FieldError("file", f"Regel {line_no}: {'; '.join(problems)}."))
            continue
        lines[code] = line_no
        units.append(OrgUnit(code, name, parent or None, organisation, int(headcount)))
    errors.extend(_check_tree(units, lines))
    if errors:
        raise ValidationFailed("Het organisatiebestand is geweigerd.", errors)
    if not units:
        message = "Het bestand bevat geen eenheden."
        raise ValidationFailed(message, [FieldError("file", message)])
    return OrgStructure(tuple(units))


def _check_tree(units: list[OrgUnit], lines: dict[str, int]) -> list[FieldError]:
    errors = []
    by_code = {u.code: u for u in units}
    child_sum: dict[str, int] = {}
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
        child_sum[parent.code] = child_sum.get(parent.code, 0) + unit.headcount
        seen: set[str] = {unit.code}
        current: OrgUnit | None = parent
        while current is not None and current.parent is not None:
            if current.code in seen:
                errors.append(FieldError("file", f"{where}: de structuur bevat een kring."))
                break
            seen.add(current.code)
            current = by_code.get(current.parent)
    for code, total in child_sum.items():
        if total > by_code[code].headcount:
            errors.append(
                FieldError(
                    "file",
                    f"Regel {lines[code]}: headcount {by_code[code].headcount} is kleiner dan "
                    f"de som van de onderliggende eenheden ({total}).",
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
