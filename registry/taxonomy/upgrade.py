"""How the codes of one taxonomy version are read in the next (``data/upgrade-<from>-<to>.json``).

Version 2026.2 keeps every code of 2026.1 and adds new ones, so a stored 2026.1 code is a valid
2026.2 code (``renamed`` is empty). Some kept codes now mean less than they did (``narrowed``:
what 2026.2 split off into new codes, which older signals may still hold); reports say so, the
codes themselves stay. One stored value was wrong rather than coarse: the meldknop stored
follow-up ``doorverwijzing`` although nobody had acted; ``self_report`` gives its signals the
code ``zelfmelding_geen_opvolging``.

Where this is applied: once, by the data migration
``server/migrations/versions/0007_taxonomy_v2.py``, not at read time. Raw signals are read for
output in two places (``privacy.aggregate`` and ``privacy.plan_counts``, both doing the same
work whatever the data), by the registry's own receipt look-up, and they are kept for
``SIGNAL_REGISTRY_RETENTION_YEARS``; a read-time mapping would have to live in every reader for
that long and would be a data-dependent step in code built to do constant work. Rewritten rows
carry ``taxonomy_version`` 2026.2, so every stored code is a code of the version its row names.
The migration holds its own copy of these rules (a migration must not change when this file
does); a test keeps the two equal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from registry.taxonomy.loader import FIELD_NAMES, Taxonomy


@dataclass(frozen=True)
class SelfReportRule:
    """Rows of ``channel`` with follow-up ``source`` and no receipt and no case token: the
    meldknop's own signals, whose follow-up becomes ``target``."""

    channel: str
    source: str
    target: str
    note_nl: str


@dataclass(frozen=True)
class Narrowed:
    field: str
    code: str
    note_nl: str
    note_en: str


@dataclass(frozen=True)
class Upgrade:
    source: str
    target: str
    renamed: dict[str, dict[str, str]]
    self_report: SelfReportRule
    narrowed: tuple[Narrowed, ...]

    def code(self, field: str, code: str) -> str:
        """The new version's code for a code of the old one."""
        return self.renamed.get(field, {}).get(code, code)

    def follow_up(self, channel: str, follow_up: str, *, has_receipt: bool,
                  has_case: bool) -> str:
        """The new follow-up code of a stored row."""
        rule = self.self_report
        if (channel == rule.channel and follow_up == rule.source and not has_receipt
                and not has_case):
            return rule.target
        return self.code("follow_up", follow_up)

    def problems(self, old: Taxonomy, new: Taxonomy) -> list[str]:
        """What would leave an old code without a place in the new version; kept empty."""
        out = []
        for name in FIELD_NAMES:
            for code in old.codes(name):
                if self.code(name, code) not in new.fields[name].code_set:
                    out.append(f"{name}: {code} has no {new.version} code")
        rule = self.self_report
        if rule.target not in new.fields["follow_up"].code_set:
            out.append(f"follow_up: {rule.target} is not a {new.version} code")
        elif not new.fields["follow_up"].get(rule.target).self_report:
            out.append(f"follow_up: {rule.target} is not marked as the meldknop's code")
        for item in self.narrowed:
            if item.code not in new.fields[item.field].code_set:
                out.append(f"{item.field}: narrowed code {item.code} is not a {new.version} code")
        return out


@cache
def load_upgrade(source: str, target: str) -> Upgrade:
    text = resources.files("registry.taxonomy").joinpath(
        f"data/upgrade-{source}-{target}.json").read_text(encoding="utf-8")
    raw = json.loads(text)
    rule = raw["self_report"]
    return Upgrade(
        source=raw["from"], target=raw["to"],
        renamed={field: dict(codes) for field, codes in raw["renamed"].items()},
        self_report=SelfReportRule(rule["channel"], rule["from"], rule["to"], rule["note_nl"]),
        narrowed=tuple(Narrowed(n["field"], n["code"], n["note_nl"], n["note_en"])
                       for n in raw["narrowed"]),
    )
