"""Load and validate the taxonomy data file.

The file is the source of truth: codes, Dutch and English labels and a one-line definition per
code, plus the Rijk-wide definitions of signaal, melding and incident, and named groups of codes
(``psa``: the categories that together are psychosociale arbeidsbelasting, Arbowet art. 1 lid 3
sub e, so reports can link their figures to the RI&E). Every version stays in ``data/``; how the
codes of one version are read in the next is ``registry.taxonomy.upgrade``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

from registry.fields import CODED_FIELDS

DEFAULT_VERSION = "2026.2"
PSA_GROUP = "psa"
# The coded fields of a signal (registry.fields): every taxonomy version codes each of them.
FIELD_NAMES = CODED_FIELDS


@dataclass(frozen=True)
class Code:
    code: str
    label_nl: str
    label_en: str
    definition_nl: str
    definition_en: str
    # Only the meldknop stores this code (an employee's own report nobody has acted on yet);
    # advisers never choose it, and follow-up figures keep it apart.
    self_report: bool = False

    def label(self, locale: str = "nl") -> str:
        return self.label_en if locale == "en" else self.label_nl

    def definition(self, locale: str = "nl") -> str:
        return self.definition_en if locale == "en" else self.definition_nl


@dataclass(frozen=True)
class Group:
    """A named set of codes of one field that reports add up, e.g. the PSA categories."""

    name: str
    field: str
    label_nl: str
    label_en: str
    definition_nl: str
    definition_en: str
    codes: tuple[str, ...]

    def label(self, locale: str = "nl") -> str:
        return self.label_en if locale == "en" else self.label_nl


@dataclass(frozen=True)
class Field:
    name: str
    label_nl: str
    label_en: str
    multiple: bool
    min_count: int
    codes: tuple[Code, ...]

    def __post_init__(self) -> None:
        seen = [c.code for c in self.codes]
        if len(seen) != len(set(seen)):
            raise ValueError(f"field {self.name!r} has duplicate codes")
        if not self.codes:
            raise ValueError(f"field {self.name!r} has no codes")

    @cached_property
    def code_set(self) -> frozenset[str]:
        return frozenset(c.code for c in self.codes)

    @cached_property
    def adviser_codes(self) -> tuple[Code, ...]:
        """The codes an adviser may choose: all but the meldknop's own."""
        return tuple(c for c in self.codes if not c.self_report)

    def label(self, locale: str = "nl") -> str:
        return self.label_en if locale == "en" else self.label_nl

    def get(self, code: str) -> Code:
        for item in self.codes:
            if item.code == code:
                return item
        raise KeyError(code)


@dataclass(frozen=True)
class Taxonomy:
    version: str
    fields: dict[str, Field]
    definitions: dict[str, dict[str, str]]
    groups: dict[str, Group] = dataclass_field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [name for name in FIELD_NAMES if name not in self.fields]
        if missing:
            raise ValueError(f"taxonomy lacks fields: {', '.join(missing)}")
        for term in ("signaal", "melding", "incident"):
            if term not in self.definitions:
                raise ValueError(f"taxonomy lacks the definition of {term!r}")
        for group in self.groups.values():
            if group.field not in self.fields:
                raise ValueError(f"group {group.name!r} names unknown field {group.field!r}")
            unknown = set(group.codes) - self.fields[group.field].code_set
            if unknown or not group.codes:
                raise ValueError(f"group {group.name!r} has unknown codes: {sorted(unknown)}")

    def group_codes(self, name: str) -> tuple[str, ...]:
        """The codes of a named group; () when this version has no such group."""
        group = self.groups.get(name)
        return group.codes if group is not None else ()

    def codes(self, field: str) -> list[str]:
        return [c.code for c in self.fields[field].codes]

    def label(self, field: str, code: str, locale: str = "nl") -> str:
        return self.fields[field].get(code).label(locale)

    def as_api(self) -> dict[str, object]:
        """The public JSON shape of ``GET /api/v1/taxonomy``."""
        return {
            "version": self.version,
            "definitions": self.definitions,
            "fields": {
                name: [
                    {
                        "code": c.code,
                        "label_nl": c.label_nl,
                        "label_en": c.label_en,
                        "definition_nl": c.definition_nl,
                        "definition_en": c.definition_en,
                        # Only the meldknop stores it; a case system never sends it.
                        "meldknop_only": c.self_report,
                    }
                    for c in field.codes
                ]
                for name, field in self.fields.items()
            },
            "groups": {
                name: {"field": g.field, "label_nl": g.label_nl, "label_en": g.label_en,
                       "definition_nl": g.definition_nl, "definition_en": g.definition_en,
                       "codes": list(g.codes)}
                for name, g in self.groups.items()
            },
        }


def parse_taxonomy(data: dict) -> Taxonomy:
    fields = {}
    for name, raw in data["fields"].items():
        fields[name] = Field(
            name=name,
            label_nl=raw["label_nl"],
            label_en=raw["label_en"],
            multiple=bool(raw.get("multiple", False)),
            min_count=int(raw.get("min", 1)),
            codes=tuple(
                Code(
                    code=v["code"],
                    label_nl=v["label_nl"],
                    label_en=v["label_en"],
                    definition_nl=v["definition_nl"],
                    definition_en=v["definition_en"],
                    self_report=bool(v.get("self_report", False)),
                )
                for v in raw["values"]
            ),
        )
    groups = {
        name: Group(name=name, field=raw["field"], label_nl=raw["label_nl"],
                    label_en=raw["label_en"], definition_nl=raw["definition_nl"],
                    definition_en=raw["definition_en"], codes=tuple(raw["codes"]))
        for name, raw in data.get("groups", {}).items()
    }
    return Taxonomy(version=data["version"], fields=fields, definitions=data["definitions"],
                    groups=groups)


@cache
def load_taxonomy(version: str = DEFAULT_VERSION) -> Taxonomy:
    """The taxonomy shipped with the package, by version."""
    text = resources.files("registry.taxonomy").joinpath(f"data/taxonomy-{version}.json")
    return parse_taxonomy(json.loads(text.read_text(encoding="utf-8")))


def load_taxonomy_file(path: Path) -> Taxonomy:
    return parse_taxonomy(json.loads(path.read_text(encoding="utf-8")))
