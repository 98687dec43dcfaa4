"""The researcher's query form: its choices, the posted values, and the spec JSON they make.

The form does no validation of its own. It only turns posted fields into the same JSON object the
researcher API receives, so ``QueryService.parse`` judges both and the page and the API cannot
disagree. Every choice comes from ``privacy.kinds`` (measures, dimensions, filter fields, grains,
mechanisms) and from the public taxonomy and organisation structure, never from a copy here.
Nothing in this module needs a request: views hand in the posted fields as a MultiDict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from privacy.asked import AskedQuery
from privacy.coarsening import released_units
from privacy.kinds import (
    BUDGET_FIELD,
    DIMENSIONS,
    FILTER_FIELDS,
    GRAINS,
    MEASURES,
    MECHANISMS,
    TAXONOMY_FIELDS,
    Mechanism,
)
from registry.errors import FieldError
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.taxonomy import Taxonomy
from web.forms import INDENT, FormErrors, FormFields, page_messages, registry_messages

# Posted text is cut short before it is echoed: a page never repeats a megabyte pasted in a field.
ECHO_LIMIT = 40
# No form has more codes than the structure has units; this caps what a hostile post can send.
MAX_CODES = 2_000
# An empty budget box means the chosen mechanism's default, valid for it: Laplace epsilon 0.1
# (rho 0.005), Gauss rho 0.005: the same cost. A single prefilled number could not be valid for
# both (epsilon runs to 1, rho only to 0.05).
DEFAULT_BUDGETS: dict[str, str] = {Mechanism.LAPLACE: "0.1", Mechanism.GAUSSIAN: "0.005"}
DEFAULT_MONTHS = 12

Labeller = Callable[[str, str], str]
"""(kind, code) -> label in the page language; kind is "measure", "dimension", "grain", ..."""


@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class FilterGroup:
    name: str
    legend: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class FormChoices:
    """Everything the form offers, in the order the spec and the public structure give."""

    measures: tuple[Option, ...]
    dimensions: tuple[Option, ...]
    filters: tuple[FilterGroup, ...]
    grains: tuple[Option, ...]
    mechanisms: tuple[Option, ...]
    budget_units: Mapping[str, str]
    max_month: str


def form_choices(taxonomy: Taxonomy, org: OrgStructure, threshold: int, today: Month,
                 label: Labeller, locale: str) -> FormChoices:
    return FormChoices(
        measures=tuple(Option(m, label("measure", m)) for m in MEASURES),
        dimensions=tuple(Option(d, label("dimension", d)) for d in DIMENSIONS),
        filters=tuple(FilterGroup(name, label("dimension", name),
                                  filter_options(name, taxonomy, org, threshold, locale))
                      for name in FILTER_FIELDS),
        grains=tuple(Option(g, label("grain", g)) for g in GRAINS),
        mechanisms=tuple(Option(m, label("mechanism", m)) for m in MECHANISMS),
        budget_units=dict(BUDGET_FIELD),
        max_month=str(today),
    )


def filter_options(name: str, taxonomy: Taxonomy, org: OrgStructure, threshold: int,
                   locale: str) -> tuple[Option, ...]:
    """The codes a filter may name: the spec refuses any other (units below the threshold too)."""
    if name == "organisation":
        return tuple(Option(u.code, f"{u.name} ({u.code})") for u in org.organisations)
    if name == "unit":
        return tuple(Option(code, INDENT * org.depth(code) + f"{org.get(code).name} ({code})")
                     for code in released_units(org, threshold))
    field_ = taxonomy.fields[TAXONOMY_FIELDS[name]]
    return tuple(Option(c.code, c.label(locale)) for c in field_.codes)


@dataclass(frozen=True)
class SpecForm:
    """The values of one filled-in form, as posted (cut short), ready to echo or to send."""

    measure: str = ""
    group_by: tuple[str, ...] = ()
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    start: str = ""
    end: str = ""
    grain: str = ""
    mechanism: str = ""
    budget: str = ""

    @classmethod
    def defaults(cls, today: Month) -> SpecForm:
        return cls(measure=MEASURES[0], group_by=("period",), start=str(today.add(1 - DEFAULT_MONTHS)),
                   end=str(today), grain=GRAINS[0], mechanism=MECHANISMS[0], budget="")

    @classmethod
    def from_form(cls, form: MultiDict[str, str]) -> SpecForm:
        def one(name: str) -> str:
            return str(form.get(name, "")).strip()[:ECHO_LIMIT]

        def many(name: str) -> tuple[str, ...]:
            values = [str(v).strip()[:ECHO_LIMIT] for v in form.getlist(name)[:MAX_CODES]]
            return tuple(v for v in values if v)

        filters = {name: codes for name in FILTER_FIELDS if (codes := many(f"filter_{name}"))}
        return cls(measure=one("measure"), group_by=many("group_by"), filters=filters,
                   start=one("from"), end=one("to"), grain=one("grain"),
                   mechanism=one("mechanism"), budget=one("budget"))

    @classmethod
    def from_asked(cls, query: AskedQuery) -> SpecForm:
        """The form that asks a stored question again."""
        return cls(measure=query.measure, group_by=query.group_by, filters=dict(query.filters),
                   start=query.start, end=query.end, grain=query.grain,
                   mechanism=query.mechanism.value, budget=query.budget or "")

    @property
    def budget_unit(self) -> str:
        return BUDGET_FIELD.get(self.mechanism, BUDGET_FIELD[MECHANISMS[0]])

    def spec_json(self) -> dict[str, Any]:
        """The JSON object the API would receive; an empty choice is left out so the spec's
        own default or its own "choose one" message applies."""
        data: dict[str, Any] = {"group_by": list(self.group_by), "from": self.start, "to": self.end,
                                "filters": {name: list(codes) for name, codes in self.filters.items()}}
        for name, value in (("measure", self.measure), ("grain", self.grain),
                            ("mechanism", self.mechanism)):
            if value:
                data[name] = value
        if self.budget:
            # A Dutch decimal comma ("0,25") means the decimal point the spec reads.
            budget = self.budget.replace(",", ".") if "." not in self.budget else self.budget
            data[self.budget_unit] = budget
        elif self.mechanism in DEFAULT_BUDGETS:
            data[self.budget_unit] = DEFAULT_BUDGETS[self.mechanism]
        return data

    def hidden_fields(self) -> list[tuple[str, str]]:
        """(name, value) pairs that post this form again unchanged (the confirm step)."""
        pairs = [("measure", self.measure)]
        pairs += [("group_by", d) for d in self.group_by]
        pairs += [(f"filter_{name}", code) for name, codes in self.filters.items() for code in codes]
        pairs += [("from", self.start), ("to", self.end), ("grain", self.grain),
                  ("mechanism", self.mechanism), ("budget", self.budget)]
        return pairs

    def selected(self, name: str) -> tuple[str, ...]:
        if name in ("measure", "grain", "mechanism"):
            return (str(getattr(self, name)),)
        if name == "group_by":
            return self.group_by
        return self.filters.get(name.removeprefix("filter_"), ())


# -- errors ------------------------------------------------------------------------------------


def query_form() -> FormFields:
    """The form's fields in page order. A choice's summary link leads to its first button; the
    spec's own names map onto the form's (both budget units land on the one budget box); an
    error for anything else is said at the end, unlinked."""
    first = {"measure": MEASURES[0], "group_by": DIMENSIONS[0], "grain": GRAINS[0],
             "mechanism": MECHANISMS[0]}
    return FormFields(
        ("measure", "group_by", "filters", "from", "to", "grain", "mechanism", "budget", ""),
        anchors={name: f"{name}-{code}" for name, code in first.items()},
        aliases={"epsilon": "budget", "rho": "budget"}, other="")


def form_errors(errors: Iterable[FieldError], labels: Mapping[str, str],
                worded: Iterable[FieldError] = ()) -> FormErrors:
    """The spec's errors (Dutch, from ``QueryService.parse``) as the form shows them, with
    ``worded``: messages the view said itself in the page's language."""
    return query_form().errors(registry_messages(errors), page_messages(worded), labels=labels)
