"""What was saved, in words: the lines the adviser reads back after storing or correcting.

The page after saving used to show only two long codes; an adviser could not see whether the
right boxes had been ticked. Every coded answer is named here with the taxonomy's label in the
page's language, so a wrong tick is noticed while the receipt can still correct it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from babel.dates import format_date

from registry.fields import CODED_FIELDS
from registry.organisations import OrgStructure
from registry.records import SignalRecord
from registry.taxonomy import Taxonomy


class CaseLink(StrEnum):
    """How the contact was tied to a case."""

    NEW = "new"  # a new case token was given and is shown on the page
    FOLLOW_UP = "follow_up"  # a case token was typed: a later contact of a known case
    UNCHANGED = "unchanged"  # a correction that kept the case token the signal had
    NONE = "none"  # no case token: the contact counts as a case of its own


@dataclass(frozen=True)
class SummaryLine:
    name: str
    label: str
    value: str


def saved_summary(
    record: SignalRecord,
    taxonomy: Taxonomy,
    org: OrgStructure,
    locale: str,
    labels: Mapping[str, str],
    case: Mapping[CaseLink, str],
    link: CaseLink,
) -> list[SummaryLine]:
    """One line per answer, in form order; ``labels`` names period, unit and case_token, and
    ``case`` words each kind of case link (both translated by the caller)."""
    month = format_date(date(record.period.year, record.period.month, 1), "LLLL yyyy",
                        locale=locale)
    unit = org.get(record.unit)
    trail = [org.get(code).name for code in org.ancestors(record.unit) if code != record.unit]
    where = unit.name if not trail else f"{unit.name} ({', '.join(trail)})"
    lines = [SummaryLine("period", labels["period"], month),
             SummaryLine("unit", labels["unit"], where)]
    for name in CODED_FIELDS:
        field = taxonomy.fields[name]
        chosen = getattr(record, name)
        codes = chosen if isinstance(chosen, tuple) else (chosen,)
        by_code = {code.code: code.label(locale) for code in field.codes}
        value = ", ".join(by_code[code] for code in codes) if codes else labels["nothing"]
        lines.append(SummaryLine(name, field.label(locale), value))
    lines.append(SummaryLine("case_token", labels["case_token"], case[link]))
    return lines
