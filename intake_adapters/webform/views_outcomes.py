"""The adviser's small form to add coded follow-up outcomes to a case by its case token.

The same validation as ``POST /api/v1/outcomes`` (``OutcomeRecord.from_payload``): codes only,
the month only, all or nothing. The case token travels in the POST body only, never in a URL;
the pages are not cached (``web.caching.never_cache`` covers the whole blueprint).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import render_template, request
from flask_babel import gettext as _

from intake_adapters.webform.views import bp
from registry.accounts import Role
from registry.errors import FieldError, ValidationFailed
from registry.outcomes import OutcomeRecord
from registry.periods import Month
from registry.taxonomy.outcomes import OUTCOME_FIELDS, load_outcome_codes
from web.access import current_principal, require_roles, services
from web.forms import FieldMessage, FormFields, registry_messages

TOKEN_MAX = 64
# Page order; the summary's link for a choice lands on its fieldset (id = the field's name).
OUTCOME_FORM = FormFields(("case_token", "month", "fields", *(f"fields.{n}" for n in OUTCOME_FIELDS)),
                          anchors={"fields": "", **{f"fields.{n}": n for n in OUTCOME_FIELDS}})


@bp.route("/uitkomst", methods=["GET", "POST"])
@require_roles(Role.ADVISER, page=True)
def outcome() -> tuple[str, int]:
    if request.method == "GET":
        return _page({"month": str(Month.current())})
    typed = _typed(request.form)
    codes = load_outcome_codes()
    try:
        record = OutcomeRecord.from_payload(_payload(typed), codes)
        principal = current_principal()
        assert principal is not None  # require_roles ran first
        recorded = services().outcomes.record(record, principal.organisations)
    except ValidationFailed as failed:
        return _page(typed, _worded_for_the_form(failed.errors), 422)
    return render_template("webform/outcome_saved.html", fields=[
        codes.fields[name].label_nl for name in recorded.fields]), 200


def _typed(form: Mapping[str, Any]) -> dict[str, Any]:
    """What was sent, as the form shows it again: text for token and month, lists for codes."""
    typed: dict[str, Any] = {"case_token": str(form.get("case_token", ""))[:TOKEN_MAX],
                             "month": str(form.get("month", ""))[:16]}
    getlist = getattr(form, "getlist", lambda name: [form[name]] if name in form else [])
    for name in OUTCOME_FIELDS:
        typed[name] = [str(v)[:64] for v in getlist(name) if v]
    return typed


def _payload(typed: Mapping[str, Any]) -> dict[str, Any]:
    codes = load_outcome_codes()
    fields: dict[str, Any] = {}
    for name in OUTCOME_FIELDS:
        chosen = typed.get(name) or []
        if chosen:
            fields[name] = list(chosen) if codes.fields[name].multiple else chosen[0]
    return {"case_token": typed.get("case_token", ""), "month": typed.get("month", ""),
            "fields": fields}


def _worded_for_the_form(errors: Iterable[FieldError]) -> tuple[FieldMessage, ...]:
    """The registry's messages, except that "no outcome at all" is said in the form's terms:
    the registry words it for the JSON API ("als JSON-object")."""
    return tuple(FieldMessage("fields", _("Kies bij minstens één vraag een antwoord."))
                 if message.field == "fields" else message
                 for message in registry_messages(errors))


def _page(typed: Mapping[str, Any], errors: Iterable[FieldMessage] = (),
          status: int = 200) -> tuple[str, int]:
    codes = load_outcome_codes()
    labels = {"case_token": _("Zaaknummer"), "month": _("Maand"), "fields": _("Uitkomst"),
              **{f"fields.{name}": codes.fields[name].label_nl for name in OUTCOME_FIELDS}}
    return render_template("webform/outcome.html", typed=typed, codes=codes,
                           fields=OUTCOME_FIELDS, max_month=str(Month.current()),
                           errors=OUTCOME_FORM.errors(errors, labels=labels)), status
