"""Declarative import mappings: which column of a source file feeds which coded field.

A mapping is a versioned JSON file, one per source (a confidential adviser's contact register,
a BMW registration, ...)::

    {"name": "vertrouwenspersoon-contactregistratie", "version": 2,
     "aliases": ["vertrouwenspersoon-jaarverslag"],
     "label": "Vertrouwenspersoon: contactregistratie",
     "source": "what the source is and where its categories come from",
     "notes": "optional: mapping choices worth knowing",
     "sheet": "optional: the Excel sheet to read (default: the first)",
     "columns": {
        "period":     {"column": "Datum", "format": "dd-mm-jjjj"},
        "unit":       {"column": "Afdeling", "values": {"Juridische zaken": "MIN-A-DG1-D1"}},
        "categories": {"column": "Onderwerp", "separator": ";",
                       "values": {"Pesten": "pesten", "Roddelen": "pesten"},
                       "skip": ["Privéomstandigheden"]},
        "impact":     {"column": "Verzuim", "values": {"ja": "verzuim", "nee": [], "": []}}},
     "defaults": {"reporter_role": "medewerker"}}

Rules, checked by :func:`parse_mapping` before any file is read:

- ``columns`` and ``defaults`` name record fields only; the channel is never in a mapping (the
  person importing chooses it), and ``period`` must come from a column.
- Every code a mapping can produce exists in the taxonomy. Multi-value fields (categories,
  impact) may map a value to a list of codes, or to ``[]`` ("no code", e.g. impact "nee").
- ``""`` as a key in ``values`` says what an empty cell means; without it an empty cell in a
  required field is an error, never a silent guess. ``defaults`` are only for fields that have
  no column at all.
- ``skip`` lists source values outside this registry's scope (e.g. a BMW theme about private
  finances): a row whose value is skipped is left out and reported, not stored.
- ``aliases`` lists former names of a shipped mapping, so commands and scripts that name it the
  old way still work (``vertrouwenspersoon-jaarverslag`` is now
  ``vertrouwenspersoon-contactregistratie``: the source is an adviser's own contact register,
  not a nationally agreed format).
- Matching is forgiving about case, accents and spacing ("Privésfeer" = "privesfeer"), and
  with ``accept_codes`` (default true) a cell may also hold the taxonomy code or its Dutch label.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry.errors import FieldError, NotFound, ValidationFailed
from registry.fields import FIELDS_BY_NAME, MULTI_CODE_FIELDS, SIGNAL_FIELDS, FieldKind
from registry.taxonomy import Taxonomy

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
UNIT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

# Fields a mapping may name (all but the channel, chosen when importing), in field order.
MAPPED_FIELDS = tuple(spec.name for spec in SIGNAL_FIELDS if spec.mapped)
# The coded ones: a column of source values, each mapped to taxonomy codes.
CODED_FIELDS = tuple(spec.name for spec in SIGNAL_FIELDS if spec.mapped and spec.coded)
MULTI_FIELDS = MULTI_CODE_FIELDS
# Fields for which a mapping may give a default instead of a column.
DEFAULTABLE_FIELDS = frozenset(spec.name for spec in SIGNAL_FIELDS if spec.defaultable)
# Every record needs these; each must come from a column or a default.
REQUIRED_FIELDS = tuple(spec.name for spec in SIGNAL_FIELDS if spec.mapped and spec.required)

PERIOD_FORMATS = ("dd-mm-jjjj", "dd/mm/jjjj", "jjjj-mm-dd", "jjjj-mm", "mm-jjjj", "excel-date")
AUTO_FORMAT = "auto"
TOP_KEYS = frozenset({"name", "aliases", "version", "label", "source", "notes", "sheet", "columns",
                      "defaults"})
# The keys a column spec may have, by the kind of field the column feeds.
_CODE_KEYS = frozenset({"column", "values", "skip", "accept_codes"})
KEYS_BY_KIND = {
    FieldKind.MONTH: frozenset({"column", "format"}),
    FieldKind.UNIT: frozenset({"column", "values"}),
    FieldKind.CODE: _CODE_KEYS,
    FieldKind.CODES: _CODE_KEYS | {"separator"},
    FieldKind.CASE: frozenset({"column"}),
}
COLUMN_KEYS = {spec.name: KEYS_BY_KIND[spec.kind] for spec in SIGNAL_FIELDS if spec.mapped}


def normalise(text: str) -> str:
    """The form in which cell values and header names are compared.

    Case, accents, surrounding and repeated spaces do not matter: spreadsheets typed by hand
    differ in exactly those ways, and none of them changes what a value means.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


@dataclass(frozen=True)
class ColumnSpec:
    """How one record field (``name``) is read from one column."""

    name: str
    column: str
    # normalised source value -> tuple of codes (single-value fields: exactly one code).
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    skip: frozenset[str] = frozenset()
    separator: str | None = None
    formats: tuple[str, ...] = ()
    accept_codes: bool = True


@dataclass(frozen=True)
class ImportMapping:
    """A validated mapping; build one with :func:`parse_mapping` or :func:`load_mapping`."""

    name: str
    version: int
    label: str
    source: str
    notes: str
    sheet: str | None
    columns: dict[str, ColumnSpec]
    defaults: dict[str, tuple[str, ...]]
    aliases: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"{self.label} (v{self.version})"

    @property
    def source_columns(self) -> tuple[str, ...]:
        """The file columns this mapping reads, in field order; every other column is dropped."""
        return tuple(self.columns[f].column for f in MAPPED_FIELDS if f in self.columns)


def parse_mapping(data: Any, taxonomy: Taxonomy) -> ImportMapping:
    """Validate a mapping document; raise ValidationFailed listing every problem."""
    errors: list[FieldError] = []
    if not isinstance(data, AnyMapping):
        raise ValidationFailed("De koppeling is geen JSON-object.",
                               [FieldError("mapping", "De koppeling is geen JSON-object.")])
    for key in sorted(set(data) - TOP_KEYS):
        errors.append(FieldError(str(key), "Onbekende sleutel in de koppeling."))
    name = data.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        errors.append(FieldError("name", "Geef een naam van kleine letters, cijfers en streepjes."))
    aliases = data.get("aliases", [])
    if not isinstance(aliases, list) or not all(
            isinstance(a, str) and NAME_RE.match(a) and a != name for a in aliases):
        errors.append(FieldError("aliases", "Geef eerdere namen als lijst van namen van kleine "
                                            "letters, cijfers en streepjes."))
        aliases = []
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        errors.append(FieldError("version", "De versie moet een geheel getal vanaf 1 zijn."))
    texts = {key: data.get(key, "") for key in ("label", "source", "notes")}
    for key, value in texts.items():
        if not isinstance(value, str):
            errors.append(FieldError(key, "Moet tekst zijn."))
    if not texts["source"]:
        errors.append(FieldError("source", "Beschrijf de bron waarvoor deze koppeling is."))
    sheet = data.get("sheet")
    if sheet is not None and (not isinstance(sheet, str) or not sheet.strip()):
        errors.append(FieldError("sheet", "Geef de naam van het werkblad of laat de sleutel weg."))
    columns = _columns(data.get("columns"), taxonomy, errors)
    defaults = _defaults(data.get("defaults", {}), taxonomy, columns, errors)
    for name_ in REQUIRED_FIELDS:
        if name_ not in columns and name_ not in defaults:
            errors.append(FieldError(f"columns.{name_}",
                                     "Dit veld is verplicht: geef een kolom of een standaardwaarde."))
    if errors:
        raise ValidationFailed("De koppeling is niet geldig.", errors)
    assert isinstance(name, str) and isinstance(version, int)
    return ImportMapping(
        name=name,
        version=version,
        label=str(texts["label"]) or name,
        source=str(texts["source"]),
        notes=str(texts["notes"]),
        sheet=sheet.strip() if isinstance(sheet, str) else None,
        columns=columns,
        defaults=defaults,
        aliases=tuple(aliases),
    )


def _columns(raw: Any, taxonomy: Taxonomy, errors: list[FieldError]) -> dict[str, ColumnSpec]:
    if not isinstance(raw, AnyMapping) or not raw:
        errors.append(FieldError("columns", "Geef per veld de kolom waaruit het komt."))
        return {}
    specs: dict[str, ColumnSpec] = {}
    seen: dict[str, str] = {}
    for name, spec in raw.items():
        where = f"columns.{name}"
        if name == "channel":
            errors.append(FieldError(where, "Het kanaal staat niet in de koppeling; u kiest het "
                                            "bij het importeren."))
            continue
        if name not in COLUMN_KEYS:
            errors.append(FieldError(where, "Onbekend veld."))
            continue
        if not isinstance(spec, AnyMapping):
            errors.append(FieldError(where, "Verwacht een object met ten minste 'column'."))
            continue
        for key in sorted(set(spec) - COLUMN_KEYS[name]):
            errors.append(FieldError(f"{where}.{key}", "Onbekende sleutel voor dit veld."))
        column = spec.get("column")
        if not isinstance(column, str) or not column.strip():
            errors.append(FieldError(f"{where}.column", "Geef de naam van de kolom."))
            continue
        if normalise(column) in seen:
            errors.append(FieldError(f"{where}.column",
                                     f"Kolom '{column}' is ook gekoppeld aan {seen[normalise(column)]}."))
            continue
        seen[normalise(column)] = name
        built = _column_spec(name, column.strip(), spec, taxonomy, where, errors)
        if built is not None:
            specs[name] = built
    return specs


def _column_spec(name: str, column: str, spec: AnyMapping[str, Any], taxonomy: Taxonomy,
                 where: str, errors: list[FieldError]) -> ColumnSpec | None:
    before = len(errors)
    formats: tuple[str, ...] = ()
    if name == "period":
        raw_format = spec.get("format", AUTO_FORMAT)
        listed = [raw_format] if isinstance(raw_format, str) else raw_format
        if not isinstance(listed, list) or not listed or not all(isinstance(f, str) for f in listed):
            errors.append(FieldError(f"{where}.format", "Geef een datumformaat of een lijst formaten."))
            listed = []
        if AUTO_FORMAT in listed:
            listed = list(PERIOD_FORMATS)
        for item in listed:
            if item not in PERIOD_FORMATS:
                errors.append(FieldError(f"{where}.format", f"Onbekend datumformaat '{item}'; kies uit "
                                         f"{', '.join((*PERIOD_FORMATS, AUTO_FORMAT))}."))
        formats = tuple(listed)
    separator = spec.get("separator")
    if separator is not None and (not isinstance(separator, str) or len(separator) != 1
                                  or separator.isspace() or separator.isalnum()):
        errors.append(FieldError(f"{where}.separator", "Het scheidingsteken is één leesteken, zoals ';'."))
    accept_codes = spec.get("accept_codes", True)
    if not isinstance(accept_codes, bool):
        errors.append(FieldError(f"{where}.accept_codes", "Moet true of false zijn."))
    values = _values(name, spec.get("values", {}), taxonomy, f"{where}.values", errors)
    skip_raw = spec.get("skip", [])
    if not isinstance(skip_raw, list) or not all(isinstance(s, str) for s in skip_raw):
        errors.append(FieldError(f"{where}.skip", "Geef een lijst bronwaarden."))
        skip_raw = []
    skip = frozenset(normalise(s) for s in skip_raw)
    for clash in sorted(skip & set(values)):
        errors.append(FieldError(f"{where}.skip", f"'{clash}' staat ook bij values."))
    if len(errors) > before:
        return None
    return ColumnSpec(name=name, column=column, values=values, skip=skip,
                      separator=separator, formats=formats, accept_codes=bool(accept_codes))


def _values(name: str, raw: Any, taxonomy: Taxonomy, where: str,
            errors: list[FieldError]) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, AnyMapping):
        errors.append(FieldError(where, "Geef een object: bronwaarde -> code."))
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for source, target in raw.items():
        codes = _target(name, target, taxonomy, f"{where}.{source}", errors)
        if codes is None:
            continue
        key = normalise(str(source))
        if key in out and out[key] != codes:
            errors.append(FieldError(f"{where}.{source}",
                                     "Deze bronwaarde staat al in de lijst met een andere code."))
            continue
        out[key] = codes
    return out


def _target(name: str, target: Any, taxonomy: Taxonomy, where: str,
            errors: list[FieldError]) -> tuple[str, ...] | None:
    listed = target if isinstance(target, list) else [target]
    if not all(isinstance(code, str) and code for code in listed):
        errors.append(FieldError(where, "Geef een code (tekst) of, bij meerdere waarden, een lijst codes."))
        return None
    if name == "unit":
        if isinstance(target, list) or not UNIT_CODE_RE.match(target):
            errors.append(FieldError(where, "Geef één code van een organisatieonderdeel."))
            return None
        return (target,)
    if name not in MULTI_FIELDS and len(listed) != 1:
        errors.append(FieldError(where, "Dit veld heeft precies één code."))
        return None
    known = taxonomy.fields[name].code_set
    unknown = [code for code in listed if code not in known]
    if unknown:
        errors.append(FieldError(where, f"Code '{unknown[0]}' bestaat niet in taxonomie "
                                        f"{taxonomy.version} ({name})."))
        return None
    return tuple(dict.fromkeys(listed))


def _defaults(raw: Any, taxonomy: Taxonomy, columns: dict[str, ColumnSpec],
              errors: list[FieldError]) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, AnyMapping):
        errors.append(FieldError("defaults", "Geef een object: veld -> code."))
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for name, target in raw.items():
        where = f"defaults.{name}"
        if name in FIELDS_BY_NAME and name not in DEFAULTABLE_FIELDS:
            errors.append(FieldError(where, "Voor dit veld bestaat geen standaardwaarde."))
        elif name not in COLUMN_KEYS:
            errors.append(FieldError(where, "Onbekend veld."))
        elif name in columns:
            errors.append(FieldError(where, "Dit veld komt al uit een kolom; gebruik daar "
                                            "values met sleutel \"\" voor lege cellen."))
        else:
            codes = _target(name, target, taxonomy, where, errors)
            if codes is not None:
                out[name] = codes
    return out


def load_mapping(path: Path, taxonomy: Taxonomy) -> ImportMapping:
    """Read and validate a mapping file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        message = f"Het koppelingsbestand {path.name} kan niet worden gelezen ({type(exc).__name__})."
        raise ValidationFailed(message, [FieldError("mapping", message)]) from exc
    return parse_mapping(data, taxonomy)


def shipped_mappings(taxonomy: Taxonomy) -> dict[str, ImportMapping]:
    """The mappings that ship with the product, by name; each file is named after its mapping."""
    found: dict[str, ImportMapping] = {}
    for path in sorted(MAPPINGS_DIR.glob("*.json")):
        mapping = load_mapping(path, taxonomy)
        if mapping.name != path.stem:
            raise ValidationFailed(f"{path.name}: de naam in het bestand moet '{path.stem}' zijn.")
        found[mapping.name] = mapping
    return found


def canonical_name(choice: str, mappings: dict[str, ImportMapping]) -> str:
    """The current name of a shipped mapping named by ``choice`` or by one of its former names."""
    for mapping in mappings.values():
        if choice in mapping.aliases:
            return mapping.name
    return choice


def resolve_mapping(choice: str, taxonomy: Taxonomy) -> ImportMapping:
    """A shipped mapping by name or former name, or (for the command line) a mapping file by
    path."""
    shipped = shipped_mappings(taxonomy)
    choice = canonical_name(choice, shipped)
    if choice in shipped:
        return shipped[choice]
    path = Path(choice)
    if path.suffix == ".json" and path.is_file():
        return load_mapping(path, taxonomy)
    names = ", ".join(sorted(shipped))
    raise NotFound(f"Koppeling '{choice}' bestaat niet; kies uit {names} of geef een JSON-bestand.")
