"""The signal record: a frozen, validated value; the only shape in which a signal enters.

Validation happens once, at the boundary (``SignalRecord.from_payload``), and reports every
problem at once with a Dutch message per field. The domain trusts a constructed record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from registry.checked_codes import CodeProblem, CodeRefused, parse_case_token
from registry.errors import FieldError, ValidationFailed
from registry.fields import FIELDS_BY_NAME, MULTI_CODE_FIELDS, RECORD_FIELDS, SINGLE_CODE_FIELDS
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.taxonomy import Taxonomy

# The meldknop's own channel: employees' anonymous self-reports. An adviser logs how a contact
# reached them, which is never through the meldknop, so the adviser's paths refuse it.
SELF_REPORT_CHANNEL = "meldpunt"
CASE_MISTYPED = "Dit zaaknummer klopt niet: controleer het op typefouten."
CASE_WRONG_CHARACTERS = (
    "Dit zaaknummer klopt niet: controleer het op typefouten. Een zaaknummer bevat alleen "
    "letters en de cijfers 2 tot en met 9, geen I, O, 0 of 1."
)
SELF_REPORT_REFUSED = (
    "Het kanaal Meldpunt is alleen voor de meldknop. Kies het kanaal waarlangs het contact bij "
    "u binnenkwam."
)


@dataclass(frozen=True)
class SignalRecord:
    """One contact, coded. Construct with :meth:`from_payload` to validate."""

    period: Month
    unit: str
    organisation: str
    channel: str
    categories: tuple[str, ...]
    implicated_party: str
    reporter_role: str
    follow_up: str
    impact: tuple[str, ...] = ()
    case_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_payload(
        cls,
        payload: Mapping[str, Any],
        taxonomy: Taxonomy,
        org: OrgStructure,
        *,
        today: Month | None = None,
        allowed_organisations: frozenset[str] | None = None,
        adviser: bool = False,
    ) -> SignalRecord:
        """Validate a JSON-like mapping; raise ValidationFailed listing every problem.

        ``adviser``: the record comes from an adviser (web form or API), who may not use the
        meldknop's channel.
        """
        errors: list[FieldError] = []
        today = today or Month.current()
        if not isinstance(payload, Mapping):
            raise ValidationFailed(errors=[FieldError("", "Verwacht een JSON-object.")])
        unknown = sorted(set(payload) - set(RECORD_FIELDS))
        for name in unknown:
            errors.append(FieldError(str(name)[:64], "Onbekend veld; vrije tekst wordt niet opgeslagen."))

        period = reported_month(payload.get("period"), today, errors)
        unit, organisation = _unit(payload.get("unit"), org, allowed_organisations, errors)
        codes = {name: _single(name, payload.get(name), taxonomy, errors)
                 for name in SINGLE_CODE_FIELDS}
        if adviser and codes["channel"] == SELF_REPORT_CHANNEL:
            errors.append(FieldError("channel", SELF_REPORT_REFUSED))
        code_lists = {name: _multi(name, payload.get(name), taxonomy, errors,
                                   minimum=FIELDS_BY_NAME[name].minimum)
                      for name in MULTI_CODE_FIELDS}
        case_token = _case_token(payload.get("case_token"), errors)
        if errors:
            raise ValidationFailed(errors=errors)
        assert period is not None and unit is not None and organisation is not None
        coded: dict[str, Any] = {name: code or "" for name, code in codes.items()}
        coded.update(code_lists)
        return cls(period=period, unit=unit, organisation=organisation, case_token=case_token,
                   **coded)


def reported_month(value: Any, today: Month, errors: list[FieldError],
                   field: str = "period") -> Month | None:
    """The month a caller reports (``YYYY-MM``, not in the future), or None with an error on
    ``field``: the one reading of a reported month for signals and follow-up outcomes."""
    if value is None or value == "":
        errors.append(FieldError(field, "Vul de maand in (JJJJ-MM)."))
        return None
    if not isinstance(value, str):
        errors.append(FieldError(field, "De maand moet tekst zijn in het formaat JJJJ-MM."))
        return None
    return past_month(value, today, field, errors)


def past_month(text: str, today: Month, field: str, errors: list[FieldError]) -> Month | None:
    """``text`` as a month (``YYYY-MM``) up to ``today``, or None with an error on ``field``:
    the one check of a month given for the past, by reporters and by researchers alike."""
    try:
        month = Month.parse(text)
    except ValueError as exc:
        errors.append(FieldError(field, str(exc)))
        return None
    if month > today:
        errors.append(FieldError(field, "De maand mag niet in de toekomst liggen."))
        return None
    return month


def _unit(
    value: Any,
    org: OrgStructure,
    allowed: frozenset[str] | None,
    errors: list[FieldError],
) -> tuple[str | None, str | None]:
    if not isinstance(value, str) or not value:
        errors.append(FieldError("unit", "Kies een organisatieonderdeel."))
        return None, None
    if value not in org:
        errors.append(FieldError("unit", "Dit organisatieonderdeel bestaat niet."))
        return None, None
    organisation = org.get(value).organisation
    if allowed is not None and organisation not in allowed:
        errors.append(FieldError("unit", "Dit onderdeel hoort niet bij uw organisatie."))
        return None, None
    return value, organisation


def _single(name: str, value: Any, taxonomy: Taxonomy, errors: list[FieldError]) -> str | None:
    if isinstance(value, str) and value in taxonomy.fields[name].code_set:
        return value  # the common case first: no message needs building
    label = taxonomy.fields[name].label_nl.lower()
    if not isinstance(value, str) or not value:
        errors.append(FieldError(name, f"Kies een waarde voor {label}."))
        return None
    if value not in taxonomy.fields[name].code_set:
        errors.append(FieldError(name, f"Onbekende code voor {label}."))
        return None
    return value


def _multi(
    name: str, value: Any, taxonomy: Taxonomy, errors: list[FieldError], *, minimum: int
) -> tuple[str, ...]:
    label = taxonomy.fields[name].label_nl.lower()
    if value is None:
        value = []
    if isinstance(value, list | tuple) and len(value) == 1 and value[0] in taxonomy.fields[name].code_set:
        return (value[0],)  # the common single-code case: nothing to sort or check further
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.append(FieldError(name, f"{taxonomy.fields[name].label_nl}: geef een lijst codes."))
        return ()
    if len(value) < minimum:
        errors.append(FieldError(name, f"Kies minstens een waarde voor {label}."))
        return ()
    if len(set(value)) != len(value):
        errors.append(FieldError(name, f"Een code staat dubbel bij {label}."))
        return ()
    unknown = [v for v in value if v not in taxonomy.fields[name].code_set]
    if unknown:
        errors.append(FieldError(name, f"Onbekende code voor {label}."))
        return ()
    order = taxonomy.codes(name)
    return tuple(sorted(value, key=order.index))


def _case_token(value: Any, errors: list[FieldError]) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        errors.append(FieldError("case_token", "Het zaaknummer moet tekst zijn."))
        return None
    return checked_case_token(value, errors)


def checked_case_token(text: str, errors: list[FieldError]) -> str | None:
    """The case number in its one spelling, or None with the error a person can act on: wrong
    characters, or mistyped (its check character does not fit)."""
    try:
        return parse_case_token(text)
    except CodeRefused as refused:
        errors.append(FieldError("case_token", CASE_WRONG_CHARACTERS
                                 if refused.problem is CodeProblem.WRONG_CHARACTERS
                                 else CASE_MISTYPED))
        return None
