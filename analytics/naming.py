"""How the checks name things: units (with their DG or organisation), categories, periods.

Shared by the findings' sentences (``analytics.findings``) and the report's texts. No Flask: a
page passes its own ``gettext`` as ``_``; the default ``dutch`` formats the Dutch source text.
"""

from __future__ import annotations

from typing import Any, Protocol

from registry.organisations import OrgStructure
from registry.periods import Month

REST = ":rest"


class Translate(Protocol):
    def __call__(self, text: str, /, **values: Any) -> str: ...


def dutch(text: str, /, **values: Any) -> str:
    """The Dutch source text, formatted as gettext formats it (only when values are given)."""
    return text % values if values else text


class Labels(Protocol):  # the taxonomy
    def label(self, field: str, code: str, locale: str = "nl") -> str: ...


def unit_name(org: OrgStructure, unit: str, _: Translate = dutch, rijk: bool = False) -> str:
    """The unit's name from the structure; the rest row is "Rest van <organisation>". In a
    report of the whole Rijk a unit's organisation is named too (names repeat between them)."""
    if unit.endswith(REST):
        return _("Rest van %(name)s", name=plain_name(org, unit[:-len(REST)]))
    return plain_name(org, unit, rijk)


def plain_name(org: OrgStructure, code: str, rijk: bool = False) -> str:
    """The unit's name; a directie's with its DG's, as names repeat between DGs."""
    if code not in org:
        return code
    unit = org.get(code)
    context = []
    if unit.parent is not None and unit.parent != unit.organisation and unit.parent in org:
        context.append(str(org.get(unit.parent).name))
    if rijk and code != unit.organisation and unit.organisation in org:
        context.append(str(org.get(unit.organisation).name))
    return f"{unit.name} ({', '.join(context)})" if context else str(unit.name)


def in_unit(org: OrgStructure, unit: str, organisation: str, _: Translate,
             rijk: bool = False) -> str:
    """How a sentence names the unit: "DG Uitvoering", "de rest van ...", "... als geheel"."""
    if unit.endswith(REST):
        return _("de rest van %(name)s (buiten de grote DG's)",
                 name=plain_name(org, unit[:-len(REST)]))
    if unit == organisation:
        return _("%(name)s als geheel", name=plain_name(org, unit))
    return plain_name(org, unit, rijk)


def category_label(taxonomy: Labels, code: str, locale: str = "nl") -> str:
    try:
        return taxonomy.label("categories", code, locale)
    except KeyError:
        return code


def lower_first(text: str) -> str:
    """"Pesten" -> "pesten", for a label inside a sentence."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def period_label(period: str, _: Translate = dutch) -> str:
    """"2025" or "het eerste halfjaar van 2026"."""
    year, _sep, half = period.partition("-H")
    if not half:
        return year
    if half == "1":
        return _("het eerste halfjaar van %(year)s", year=year)
    return _("het tweede halfjaar van %(year)s", year=year)


def period_end(period: str) -> Month:
    year, _sep, half = period.partition("-H")
    return Month(int(year), 6 if half == "1" else 12)
