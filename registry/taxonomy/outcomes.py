"""The code list of follow-up outcomes and of the action register's owner roles.

Kept apart from the signal taxonomy: outcomes are added to a case later, by case token, and are
not fields of a signal, so ``GET /api/v1/taxonomy`` and the signal forms stay as they are. The
same :class:`~registry.taxonomy.loader.Field` shape is used, so labels and definitions read the
same way. Every value is a code: nothing here takes free text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from registry.taxonomy.loader import Code, Field

OUTCOME_FIELDS = ("acknowledged_7d", "feedback_3m", "employer_acted", "outcome", "measures",
                  "aftercare")
# Cases without a recorded value for a field: a cell of every outcome table (privacy.plan).
NOT_RECORDED = "niet_vastgelegd"
NOT_RECORDED_LABEL = "Niet vastgelegd"
# The code of the three yes/no/unknown fields whose share the works council follows.
YES = "ja"


@dataclass(frozen=True)
class OutcomeCodes:
    version: str
    fields: dict[str, Field]
    owner_roles: dict[str, str]
    """Owner role code -> Dutch label (the action register names roles, never people)."""

    def codes(self, field: str) -> list[str]:
        return [c.code for c in self.fields[field].codes]

    def label(self, field: str, code: str) -> str:
        if code == NOT_RECORDED:
            return NOT_RECORDED_LABEL
        return self.fields[field].get(code).label_nl


def _field(name: str, raw: dict) -> Field:
    return Field(
        name=name, label_nl=raw["label_nl"], label_en=raw["label_en"],
        multiple=bool(raw.get("multiple", False)), min_count=1,
        codes=tuple(Code(code=v["code"], label_nl=v["label_nl"], label_en=v["label_en"],
                         definition_nl=v["definition_nl"], definition_en=v["definition_en"])
                    for v in raw["values"]))


def parse_outcome_codes(data: dict) -> OutcomeCodes:
    fields = {name: _field(name, data["fields"][name]) for name in OUTCOME_FIELDS}
    for field in fields.values():
        if NOT_RECORDED in field.code_set:
            raise ValueError(f"{field.name}: {NOT_RECORDED} is reserved for the plan's tables")
    roles = {v["code"]: v["label_nl"] for v in data["owner_roles"]["values"]}
    return OutcomeCodes(str(data["version"]), fields, roles)


@cache
def load_outcome_codes() -> OutcomeCodes:
    """The outcome code list shipped with the package."""
    text = resources.files("registry.taxonomy").joinpath("data/outcomes-2026.json")
    return parse_outcome_codes(json.loads(text.read_text(encoding="utf-8")))
