"""What the adviser's form shows and sends: choices, unit tree, echoed values and errors.

The form does no validation of its own. ``SignalRecord.from_payload`` is the single judge, so
the web form, the API and file imports refuse exactly the same input with the same messages.
Nothing here needs a request: the views hand in the posted fields as a MultiDict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from privacy.pseudonyms import new_case_token
from registry.accounts import Principal
from registry.errors import FieldError
from registry.fields import CODED_FIELDS, MULTI_CODE_FIELDS, RECORD_FIELDS
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.records import SELF_REPORT_CHANNEL
from registry.taxonomy import Code, Taxonomy
from web.forms import INDENT, Choice, FormErrors, FormFields, registry_messages

# Top-to-bottom order on the page (the signal's fields, registry.fields); the error summary
# follows it so its links read in order.
FORM_FIELDS = (*RECORD_FIELDS, "new_case_token")
CHOICE_FIELDS = CODED_FIELDS
MULTI_FIELDS = MULTI_CODE_FIELDS
# Typed into a text box: surrounding spaces are dropped (a chosen code is taken as sent).
TYPED_FIELDS = ("period", "case_token")
BOTH_TOKENS_TYPED = (
    "U vulde een zaaknummer in en vroeg ook om een nieuw zaaknummer. Laat het zaaknummer leeg "
    "voor een nieuwe zaak, of haal het vinkje weg voor een vervolgcontact."
)
BOTH_TOKENS_TICKED = (
    "Haal dit vinkje weg als het contact over een zaak gaat waarvan u het zaaknummer hierboven "
    "invulde."
)
# Echoed values are cut short: a page never repeats a megabyte someone pasted into a field.
ECHO_LIMIT = 100


@dataclass(frozen=True)
class ChoiceGroup:
    name: str
    legend: str
    multiple: bool
    choices: tuple[Choice, ...]

    @property
    def first_id(self) -> str:
        """The id of the first input, where links to the whole group land."""
        return f"{self.name}-{self.choices[0].code}"


@dataclass(frozen=True)
class UnitOption:
    code: str
    label: str
    search: str


@dataclass(frozen=True)
class UnitGroup:
    code: str
    name: str
    options: tuple[UnitOption, ...]


@dataclass(frozen=True)
class FormValues:
    """What the form shows in its fields; also what a post is turned into a payload from."""

    period: str = ""
    unit: str = ""
    channel: str = ""
    categories: tuple[str, ...] = ()
    implicated_party: str = ""
    reporter_role: str = ""
    follow_up: str = ""
    impact: tuple[str, ...] = ()
    case_token: str = ""
    new_case_token: bool = False

    @classmethod
    def defaults(cls, principal: Principal, taxonomy: Taxonomy, today: Month) -> FormValues:
        channel = principal.default_channel or ""
        if channel not in taxonomy.fields["channel"].code_set or channel == SELF_REPORT_CHANNEL:
            channel = ""
        return cls(period=str(today), channel=channel)

    @classmethod
    def from_form(cls, form: MultiDict[str, str]) -> FormValues:
        def one(name: str) -> str:
            value = form.get(name, "")
            return value if isinstance(value, str) else ""

        values: dict[str, Any] = {
            name: tuple(form.getlist(name)) if name in MULTI_FIELDS
            else one(name).strip() if name in TYPED_FIELDS else one(name)
            for name in RECORD_FIELDS
        }
        return cls(**values, new_case_token=one("new_case_token") == "1")

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> FormValues:
        """Prefill from ``SignalService.find_by_receipt``; the case token is never stored."""
        values: dict[str, Any] = {
            name: tuple(stored[name]) if name in MULTI_FIELDS else str(stored[name])
            for name in RECORD_FIELDS if name != "case_token"
        }
        return cls(**values)

    def contradictions(self) -> list[FieldError]:
        """What the record cannot judge: a typed case token and a tick for a new one."""
        if self.case_token and self.new_case_token:
            return [FieldError("case_token", BOTH_TOKENS_TYPED),
                    FieldError("new_case_token", BOTH_TOKENS_TICKED)]
        return []

    def payload(self) -> tuple[dict[str, Any], str | None]:
        """The record payload, and the case token generated for it (None if none was)."""
        generated = None
        token: str | None = self.case_token or None
        if token is None and self.new_case_token:
            token = generated = new_case_token()
        payload: dict[str, Any] = {
            name: list(getattr(self, name)) if name in MULTI_FIELDS else getattr(self, name)
            for name in RECORD_FIELDS
        }
        payload["case_token"] = token
        return payload, generated

    def echo(self, name: str) -> str:
        """A single value as the page repeats it."""
        return str(getattr(self, name))[:ECHO_LIMIT]

    def selected(self, name: str) -> tuple[str, ...]:
        """The codes of a choice group that are ticked."""
        value = getattr(self, name)
        return tuple(value) if isinstance(value, tuple) else (value,)


def choice_groups(taxonomy: Taxonomy, locale: str) -> dict[str, ChoiceGroup]:
    """Every coded field with its labels and one-line definitions in ``locale``.

    An adviser is not offered the meldknop's own channel (the record refuses it from them too).
    """
    groups = {}
    for name in CHOICE_FIELDS:
        taxonomy_field = taxonomy.fields[name]
        groups[name] = ChoiceGroup(
            name=name,
            legend=taxonomy_field.label(locale),
            multiple=name in MULTI_FIELDS,
            choices=tuple(
                Choice.of(code, locale)
                for code in taxonomy_field.codes
                if not _self_report_only(name, code)
            ),
        )
    return groups


def _self_report_only(name: str, code: Code) -> bool:
    """A code only the meldknop stores: its channel, and (from taxonomy 2026.2 on) codes the
    taxonomy marks ``self_report``."""
    return (name == "channel" and code.code == SELF_REPORT_CHANNEL) or bool(
        getattr(code, "self_report", False))


def unit_groups(org: OrgStructure, organisations: frozenset[str] | None) -> list[UnitGroup]:
    """One group per organisation in scope, its units in tree order, indented by depth."""
    groups = []
    for root in org.organisations:
        if organisations is not None and root.code not in organisations:
            continue
        options = []
        stack = [root.code]
        while stack:
            code = stack.pop()
            unit = org.get(code)
            depth = org.depth(code)
            # Searching for a directorate should also find the teams under it.
            trail = [org.get(c).name for c in org.ancestors(code)]
            search = " ".join([code, *trail]).lower()
            options.append(UnitOption(code, INDENT * depth + unit.name, search))
            stack.extend(reversed(org.children(code)))
        groups.append(UnitGroup(root.code, root.name, tuple(options)))
    return groups


def signal_form(groups: Mapping[str, ChoiceGroup]) -> FormFields:
    """The signal form's fields in page order; a choice group's link lands on its first box."""
    return FormFields((*FORM_FIELDS, "receipt"),
                      anchors={name: group.first_id for name, group in groups.items()})


def form_errors(
    errors: Iterable[FieldError], groups: Mapping[str, ChoiceGroup], labels: Mapping[str, str]
) -> FormErrors:
    """The record's errors (Dutch, from ``SignalRecord.from_payload``) as the form shows them."""
    return signal_form(groups).errors(registry_messages(errors), labels=labels)


def field_labels(groups: Mapping[str, ChoiceGroup], extra: Mapping[str, str]) -> dict[str, str]:
    """Field name to its visible label, for the error summary."""
    return {**{name: group.legend for name, group in groups.items()}, **extra}
