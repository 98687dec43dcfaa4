"""The meldknop's questions: read the posted answers, check them, turn them into one signal.

Only codes are read from the form; nothing typed by the visitor exists here. The wish to be
contacted only decides what the answer page stresses and is never stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from registry.errors import FieldError, ValidationFailed
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.records import SignalRecord
from registry.taxonomy import Taxonomy
from web.forms import FormErrors, FormFields, registry_messages

CHANNEL = "meldpunt"
# Nobody acts on a meldknop signal by storing it: its own code, kept apart in every follow-up
# figure (it was "doorverwijzing" in taxonomy 2026.1; migration 0007 recoded those).
FOLLOW_UP = "zelfmelding_geen_opvolging"
DEFAULT_REPORTER_ROLE = "medewerker"
DEFAULT_IMPLICATED_PARTY = "onbekend"
CONTACT_WISHES = ("ja", "nee")
# Page order of the questions, for the error summary and the anchors it links to.
FIELD_ORDER = ("categories", "organisation", "unit", "reporter_role", "implicated_party", "contact")
_MAX_CODES = 40


@dataclass(frozen=True)
class Answers:
    """What was posted, as codes; ``echo`` values go back into the form after an error."""

    categories: tuple[str, ...] = ()
    organisation: str = ""
    unit: str = ""
    reporter_role: str = DEFAULT_REPORTER_ROLE
    implicated_party: str = DEFAULT_IMPLICATED_PARTY
    contact: str = ""

    @classmethod
    def from_form(cls, form: Any) -> Answers:
        def one(name: str, default: str = "") -> str:
            return str(form.get(name, default) or default).strip()[:64]

        return cls(
            categories=tuple(str(v)[:64] for v in form.getlist("categories")[:_MAX_CODES]),
            organisation=one("organisation"),
            unit=one("unit"),
            reporter_role=one("reporter_role", DEFAULT_REPORTER_ROLE),
            implicated_party=one("implicated_party", DEFAULT_IMPLICATED_PARTY),
            contact=one("contact"),
        )

    def selected(self, name: str) -> tuple[str, ...]:
        value = getattr(self, name)
        return tuple(value) if isinstance(value, tuple) else (value,)


def check(answers: Answers, taxonomy: Taxonomy, org: OrgStructure, today: Month) -> SignalRecord:
    """The one signal these answers make; ValidationFailed lists every problem, in page order."""
    errors: list[FieldError] = []
    known = taxonomy.fields["categories"].code_set
    if not answers.categories:
        errors.append(FieldError("categories", "Kies minstens één situatie."))
    elif set(answers.categories) - known:
        errors.append(FieldError("categories", "Deze situatie staat niet in de lijst; kies uit de lijst."))
    roots = {unit.code for unit in org.organisations}
    if not answers.organisation:
        errors.append(FieldError("organisation", "Kies de organisatie waar u werkt."))
    elif answers.organisation not in roots:
        errors.append(FieldError("organisation", "Deze organisatie staat niet in de lijst."))
    elif answers.unit and answers.unit not in org:
        errors.append(FieldError("unit", "Dit organisatieonderdeel staat niet in de lijst."))
    elif answers.unit and org.get(answers.unit).organisation != answers.organisation:
        errors.append(FieldError("unit", "Dit onderdeel hoort niet bij de gekozen organisatie."))
    if answers.reporter_role not in taxonomy.fields["reporter_role"].code_set:
        errors.append(FieldError("reporter_role", "Kies uit de lijst wie u bent."))
    if answers.implicated_party not in taxonomy.fields["implicated_party"].code_set:
        errors.append(FieldError("implicated_party", "Kies uit de lijst wie erbij betrokken is."))
    if answers.contact and answers.contact not in CONTACT_WISHES:
        errors.append(FieldError("contact", "Kies ja of nee."))
    payload = {
        "period": str(today),
        "unit": answers.unit or answers.organisation,
        "channel": CHANNEL,
        # A ticked box sent twice is one situation, not an error.
        "categories": list(dict.fromkeys(answers.categories)),
        "implicated_party": answers.implicated_party,
        "reporter_role": answers.reporter_role,
        "follow_up": FOLLOW_UP,
        "impact": [],
    }
    record: SignalRecord | None = None
    try:
        record = SignalRecord.from_payload(payload, taxonomy, org, today=today)
    except ValidationFailed as failed:
        # Already said above in the visitor's words; anything else keeps the record's message.
        told = {e.field for e in errors}
        if "organisation" in told:
            told.add("unit")
        errors.extend(e for e in failed.errors if e.field not in told)
    if errors:
        raise ValidationFailed(errors=sorted(errors, key=_page_order))
    assert record is not None
    return record


def _page_order(error: FieldError) -> int:
    return FIELD_ORDER.index(error.field) if error.field in FIELD_ORDER else len(FIELD_ORDER)


def form_errors(errors: Iterable[FieldError], anchors: Mapping[str, str]) -> FormErrors:
    """The errors as the page shows them; ``anchors`` maps a question to the id of its first
    control, where a summary link leads. All messages are Dutch (the meldknop's and the
    registry's own words); the proof-of-work's ("work") sits by the send button, last."""
    return FormFields((*FIELD_ORDER, "work"), anchors=anchors).errors(registry_messages(errors))
