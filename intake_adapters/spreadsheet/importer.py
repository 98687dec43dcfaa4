"""Import a spreadsheet of contacts: a dry run that shows what would be stored, or a real,
all-or-nothing import.

Every row becomes a payload that ``SignalRecord.from_payload`` validates, exactly as the web form
and the API do. A real import first reads and checks every row; only when no row has a problem
are all records stored, in one transaction (``SignalService.store_many``). One bad row, and
nothing is stored; the report says why, per line. Identical coded rows are validated once: the
record is an immutable value, and the store gives each row its own random id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from intake_adapters.spreadsheet.coding import (
    CACHE_LIMIT,
    Issue,
    Resolved,
    coded_resolver,
    echo,
    field_label,
    period_resolver,
    unit_resolver,
)
from intake_adapters.spreadsheet.mapping import MAPPED_FIELDS, MULTI_FIELDS, ImportMapping
from intake_adapters.spreadsheet.reader import UPLOAD_LIMITS, Cell, Limits, Sheet, open_sheet, refuse
from registry.errors import FieldError, ValidationFailed
from registry.fields import RECORD_FIELDS
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.records import SignalRecord
from registry.signals import SignalService
from registry.taxonomy import Taxonomy

MAX_PROBLEMS = 1_000
MAX_UNMAPPED = 500
MAX_LINES_PER_VALUE = 20
MAX_SKIPPED = 200
PROGRESS_EVERY = 10_000
PAYLOAD_FIELDS = MAPPED_FIELDS
CASE_TOKEN_SHOWN = "(zaaknummer)"  # noqa: S105 - a placeholder shown instead of a token
CODED_ORDER = RECORD_FIELDS


@dataclass(frozen=True)
class Problem:
    """Why one line cannot be imported. Never holds a day: date cells are not echoed."""

    line: int
    column: str
    field: str
    message: str
    value: str | None = None

    @property
    def text(self) -> str:
        where = f"Regel {self.line}" + (f", kolom '{self.column}'" if self.column else "")
        shown = f" ('{self.value}')" if self.value is not None else ""
        return f"{where}{shown}: {self.message}"


@dataclass(frozen=True)
class RowResult:
    """One data row: its coded fields (period as JJJJ-MM; a case token masked), and its problems
    or skip reason."""

    line: int
    coded: dict[str, tuple[str, ...]]
    record: SignalRecord | None
    problems: tuple[Problem, ...] = ()
    skipped: str | None = None


@dataclass
class Unmapped:
    """A source value the mapping does not know, with the first lines it is on."""

    column: str
    field_name: str
    value: str
    lines: list[int] = field(default_factory=list)
    count: int = 0


@dataclass
class ImportReport:
    mapping: str
    file: str
    channel: str
    dry_run: bool
    dropped_columns: tuple[str, ...]
    rows: int = 0
    blank: int = 0
    valid: int = 0
    stored: int = 0
    preview: list[RowResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    problem_lines: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    skipped_count: int = 0
    unmapped: dict[tuple[str, str], Unmapped] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.problem_count > 0

    def add(self, result: RowResult, preview_limit: int | None) -> None:
        self.rows += 1
        if preview_limit is None or len(self.preview) < preview_limit:
            self.preview.append(result)
        if result.skipped is not None:
            self.skipped_count += 1
            if len(self.skipped) < MAX_SKIPPED:
                self.skipped.append((result.line, result.skipped))
            return
        if not result.problems:
            self.valid += 1
            return
        self.problem_lines += 1
        for problem in result.problems:
            self.problem_count += 1
            if len(self.problems) < MAX_PROBLEMS:
                self.problems.append(problem)

    def note_unmapped(self, line: int, column: str, issue: Issue) -> None:
        key = (column, issue.value or "")
        entry = self.unmapped.get(key)
        if entry is None:
            if len(self.unmapped) >= MAX_UNMAPPED:
                return
            entry = self.unmapped[key] = Unmapped(column, issue.field, issue.value or "")
        entry.count += 1
        if len(entry.lines) < MAX_LINES_PER_VALUE:
            entry.lines.append(line)

    def summary(self) -> list[str]:
        """The report in a few Dutch sentences, for the command line and the page."""
        lines = [f"Bestand: {self.file}; koppeling {self.mapping}; kanaal {self.channel}.",
                 f"Regels met gegevens: {self.rows}; lege regels overgeslagen: {self.blank}."]
        if self.dropped_columns:
            lines.append("Niet ingelezen kolommen (weggelaten): "
                         + ", ".join(f"'{c}'" for c in self.dropped_columns) + ".")
        if self.skipped_count:
            lines.append(f"Regels buiten dit register (overgeslagen): {self.skipped_count}.")
        if self.refused:
            lines.append(f"Geweigerd: {self.problem_count} problemen op {self.problem_lines} regels. "
                         "Er is niets opgeslagen.")
        elif self.dry_run:
            lines.append(f"Proefimport: {self.valid} signalen zouden worden opgeslagen; er is "
                         "niets opgeslagen.")
        else:
            lines.append(f"Opgeslagen: {self.stored} signalen.")
        return lines


class RowCoder:
    """Codes rows for one import: a mapping, a channel and the uploader's organisations."""

    def __init__(self, mapping: ImportMapping, taxonomy: Taxonomy, org: OrgStructure, channel: str,
                 *, allowed_organisations: frozenset[str] | None, today: Month | None = None):
        if channel not in taxonomy.fields["channel"].code_set:
            codes = ", ".join(taxonomy.codes("channel"))
            raise ValidationFailed(errors=[FieldError("channel", f"Onbekend kanaal; kies uit {codes}.")])
        self.mapping = mapping
        self.taxonomy = taxonomy
        self.org = org
        self.channel = channel
        self.allowed = allowed_organisations
        self.today = today or Month.current()
        self.columns = {name: spec.column for name, spec in mapping.columns.items()}
        # One step per field, in CODED_ORDER: (field, index in the sheet's cells, resolver) for
        # a column (cells follow mapping.source_columns), or (field, -1, None, codes) for a
        # constant: the channel chosen for this import, or a mapping default.
        index_of = {name: i for i, name in enumerate(n for n in PAYLOAD_FIELDS if n in mapping.columns)}
        self.plan: list[tuple[str, int, Callable[[Cell], Resolved] | None, tuple[str, ...]]] = []
        for name in CODED_ORDER:
            if name == "channel":
                self.plan.append((name, -1, None, (channel,)))
            elif name in mapping.columns:
                self.plan.append((name, index_of[name], self._resolver(name), ()))
            elif name in mapping.defaults:
                self.plan.append((name, -1, None, mapping.defaults[name]))
        self._records: dict[tuple[object, ...], SignalRecord | tuple[FieldError, ...]] = {}

    def _resolver(self, name: str) -> Callable[[Cell], Resolved]:
        spec = self.mapping.columns[name]
        if name == "period":
            return period_resolver(spec)
        if name == "unit":
            return unit_resolver(spec, self.org, self.allowed)
        if name == "case_token":
            return _case_token
        return coded_resolver(spec, self.taxonomy)

    def code(self, line: int, cells: Sequence[Cell], report: ImportReport | None = None) -> RowResult:
        coded: dict[str, tuple[str, ...]] = {}
        problems: list[Problem] = []
        for name, index, resolver, constant in self.plan:
            if resolver is None:
                coded[name] = constant
                continue
            resolved = resolver(cells[index])
            if resolved.skip is not None:
                return RowResult(line, {}, None, skipped=resolved.skip)
            if not resolved.issues:
                coded[name] = resolved.codes
                continue
            for issue in resolved.issues:
                problems.append(Problem(line, self.columns[name], name, issue.message, issue.value))
                if issue.unmapped and report is not None:
                    report.note_unmapped(line, self.columns[name], issue)
        record, errors = self._validate(coded, complete=not problems)
        failed = {p.field for p in problems}
        for error in errors:
            if error.field in failed:
                continue  # already reported, with the cell that caused it
            value = coded.get(error.field, ())
            shown = value[0] if error.field == "unit" and value else None
            problems.append(Problem(line, self.columns.get(error.field, ""), error.field,
                                    self._message(error), shown))
        if coded.get("case_token"):
            # The token links the contacts of one case: the report says only that there is one.
            coded = {**coded, "case_token": (CASE_TOKEN_SHOWN,)}
        if problems:
            return RowResult(line, coded, None, tuple(problems))
        return RowResult(line, coded, record)

    def _validate(self, coded: dict[str, tuple[str, ...]],
                  complete: bool) -> tuple[SignalRecord | None, tuple[FieldError, ...]]:
        # Complete rows are coded in plan order, so their values alone are a sound key;
        # rows with a failed field are rare and not cached.
        key = tuple(coded.values()) if complete else None
        found = self._records.get(key) if key is not None else None
        if found is None:
            payload = {name: list(codes) if name in MULTI_FIELDS else (codes[0] if codes else "")
                       for name, codes in coded.items()}
            try:
                found = SignalRecord.from_payload(payload, self.taxonomy, self.org, today=self.today,
                                                  allowed_organisations=self.allowed)
            except ValidationFailed as failed_validation:
                found = tuple(failed_validation.errors)
            if key is not None:
                if len(self._records) >= CACHE_LIMIT:
                    self._records.clear()
                self._records[key] = found
        if isinstance(found, SignalRecord):
            return found, ()
        return None, found

    def _message(self, error: FieldError) -> str:
        if error.field in self.columns or error.field in ("channel", ""):
            return error.message
        # The value came from the mapping's defaults, not from the file.
        label = field_label(self.taxonomy, error.field)
        return f"{error.message} (standaardwaarde voor {label} in koppeling {self.mapping.name})"


def _case_token(cell: Cell) -> Resolved:
    # Validated by SignalRecord.from_payload; never echoed, it links contacts of one case.
    text = cell if isinstance(cell, str) else ""
    return Resolved(codes=(text,) if text else ())


def run_import(
    sheet: Sheet,
    coder: RowCoder,
    *,
    dry_run: bool,
    store: Callable[[Sequence[SignalRecord]], int] | None = None,
    preview_limit: int | None = 200,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Read every row of ``sheet``; store all records at once, or none.

    ``store`` receives every record of a file without problems (a real import only) and returns
    how many it stored. File-level refusals (see ``reader``) propagate as ValidationFailed, also
    when found on the last line: nothing has been stored by then.
    """
    if not dry_run and store is None:
        raise ValueError("a real import needs a store")
    report = ImportReport(mapping=coder.mapping.title, file=sheet.description,
                          channel=coder.channel, dry_run=dry_run,
                          dropped_columns=sheet.dropped)
    records: list[SignalRecord] = []
    done = 0
    for line, cells in sheet.rows:
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
        result = coder.code(line, cells, report)
        report.add(result, preview_limit)
        if report.refused:
            records.clear()  # once a row has failed nothing will be stored: let the records go
        elif result.record is not None and not dry_run:
            records.append(result.record)
    if progress is not None:
        progress(done % PROGRESS_EVERY)
    report.blank = sheet.blank_rows
    if report.rows == 0:
        raise refuse("Het bestand bevat geen regels met gegevens onder de kopregel.")
    if not dry_run and not report.refused and records:
        assert store is not None
        report.stored = store(records)
    return report


def import_file(
    data: bytes,
    mapping: ImportMapping,
    *,
    channel: str,
    taxonomy: Taxonomy,
    org: OrgStructure,
    signals: SignalService | None,
    allowed_organisations: frozenset[str] | None,
    dry_run: bool,
    encoding: str = "utf-8",
    limits: Limits = UPLOAD_LIMITS,
    preview_limit: int | None = 200,
    on_open: Callable[[Sheet], Callable[[int], None] | None] | None = None,
    before_store: Callable[[int], None] | None = None,
) -> ImportReport:
    """Open, code, validate and (unless ``dry_run``) store a file: the one entry point.

    ``allowed_organisations`` is the uploader's scope (None: any organisation, for the command
    line). ``on_open`` sees the opened sheet, e.g. to size a progress bar, and may return a
    progress callback that receives the number of rows read since its last call;
    ``before_store`` hears how many records are about to be stored.
    """
    coder = RowCoder(mapping, taxonomy, org, channel, allowed_organisations=allowed_organisations)
    sheet = open_sheet(data, mapping.source_columns, encoding=encoding, sheet_name=mapping.sheet,
                       limits=limits)
    progress = on_open(sheet) if on_open is not None else None

    def store(records: Sequence[SignalRecord]) -> int:
        assert signals is not None
        if before_store is not None:
            before_store(len(records))
        # Imported rows get no receipts: nobody could hand a receipt to the person concerned.
        return len(signals.store_many(records, receipts=False))

    return run_import(sheet, coder, dry_run=dry_run, store=None if dry_run else store,
                      preview_limit=preview_limit, progress=progress)


__all__ = ["ImportReport", "Problem", "RowCoder", "RowResult", "Unmapped", "echo", "import_file",
           "run_import"]
