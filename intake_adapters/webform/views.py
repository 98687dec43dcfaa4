"""The adviser's web form: log a contact, then correct or withdraw it with the receipt.

Receipts and case tokens travel in POST bodies and response pages only, never in a URL, a
redirect, a log or the database; every page here is sent with ``Cache-Control: no-store``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, render_template, request, session
from flask_babel import get_locale
from flask_babel import gettext as _

from intake_adapters.webform.forms import (
    FormValues,
    choice_groups,
    field_labels,
    form_errors,
    unit_groups,
)
from intake_adapters.webform.summary import CaseLink, SummaryLine, saved_summary
from registry.accounts import Principal, Role
from registry.errors import FieldError, NotFound, ValidationFailed
from registry.fields import SIGNAL_FIELDS
from registry.periods import Month
from registry.records import SignalRecord
from web.access import current_principal, require_roles, services
from web.caching import never_cache

bp = Blueprint(
    "webform",
    __name__,
    url_prefix="/signalen",
    template_folder="templates",
    static_folder="static",
)

# Form ids of the last few successful posts, kept in the (signed) session cookie only, so a
# reload or a second click on "Opslaan" does not count one contact twice.
SENT_KEY = "webform_sent"
SENT_KEEP = 20
RECEIPT_MAX = 64

Page = tuple[str, int]


# These pages show receipts, case tokens and what was entered: no cache may keep them.
never_cache(bp, except_endpoints=("webform.static",))


@bp.route("/nieuw", methods=["GET", "POST"])
@require_roles(Role.ADVISER, page=True)
def new_signal() -> Page:
    principal = _principal()
    svc = services()
    if request.method == "GET":
        return _form_page("webform/new.html", principal, _defaults(principal))
    values = FormValues.from_form(request.form)
    form_id = str(request.form.get("form_id", ""))[:64]
    if form_id and form_id in session.get(SENT_KEY, []):
        return _form_page("webform/new.html", principal, _defaults(principal), status=409,
                          already_sent=True)
    try:
        record, generated = _validated(principal, values)
    except ValidationFailed as failed:
        return _form_page("webform/new.html", principal, values, failed.errors, status=422)
    stored = svc.signals.store(record)
    if form_id:
        session[SENT_KEY] = [*session.get(SENT_KEY, []), form_id][-SENT_KEEP:]
    return render_template("webform/stored.html", receipt=stored.receipt, case_token=generated,
                           summary=_summary(record, values, generated, correcting=False)), 200


@bp.route("/ontvangstbewijs", methods=["GET", "POST"])
@require_roles(Role.ADVISER, page=True)
def receipt() -> Page:
    if request.method == "GET":
        return _receipt_page()
    principal = _principal()
    # Only the POST body is read: a receipt in a query string would end up in logs and history.
    receipt_text = str(request.form.get("receipt", "")).strip()[:RECEIPT_MAX]
    action = request.form.get("action", "lookup")
    signals = services().signals
    scope = principal.organisations
    try:
        if action == "correct":
            return _correct(principal, receipt_text)
        if action == "withdraw":
            signals.find_by_receipt(receipt_text, scope)
            return render_template("webform/withdraw.html", receipt=receipt_text), 200
        if action == "withdraw_confirm":
            signals.withdraw(receipt_text, scope)
            return render_template("webform/done.html", outcome="withdrawn", case_token=None), 200
        stored = signals.find_by_receipt(receipt_text, scope)
    except ValidationFailed as failed:
        return _receipt_page(receipt_text, failed.errors, 422)
    except NotFound as missing:
        return _receipt_page(receipt_text, [FieldError("receipt", missing.message)], 404)
    return _form_page("webform/correct.html", principal, FormValues.from_stored(stored),
                      receipt=receipt_text)


def _correct(principal: Principal, receipt_text: str) -> Page:
    """Validate the corrected fields; the receipt is checked by the service when storing."""
    values = FormValues.from_form(request.form)
    try:
        record, generated = _validated(principal, values)
    except ValidationFailed as failed:
        return _form_page("webform/correct.html", principal, values, failed.errors, status=422,
                          receipt=receipt_text)
    services().signals.correct(receipt_text, record, principal.organisations)
    return render_template("webform/done.html", outcome="corrected", case_token=generated,
                           summary=_summary(record, values, generated, correcting=True)), 200


def _validated(principal: Principal, values: FormValues) -> tuple[SignalRecord, str | None]:
    """The record and any new case token; every problem of the form at once, or none."""
    svc = services()
    errors = values.contradictions()
    payload, generated = values.payload()
    try:
        record = SignalRecord.from_payload(payload, svc.taxonomy, svc.org(),
                                           allowed_organisations=principal.organisations,
                                           adviser=True)
    except ValidationFailed as failed:
        raise ValidationFailed(errors=[*errors, *failed.errors]) from None
    if errors:
        raise ValidationFailed(errors=errors)
    return record, generated


def _summary(record: SignalRecord, values: FormValues, generated: str | None, *,
             correcting: bool) -> list[SummaryLine]:
    if generated:
        link = CaseLink.NEW
    elif values.case_token:
        link = CaseLink.FOLLOW_UP
    else:
        link = CaseLink.UNCHANGED if correcting else CaseLink.NONE
    svc = services()
    labels = {"period": _("Maand van het contact"), "unit": _("Organisatieonderdeel"),
              "case_token": _("Zaak"), "nothing": _("geen")}
    case = {
        CaseLink.NEW: _("Nieuwe zaak; het zaaknummer staat hierboven."),
        CaseLink.FOLLOW_UP: _("Vervolgcontact bij het zaaknummer dat u invulde."),
        CaseLink.UNCHANGED: _("Zaaknummer niet gewijzigd."),
        CaseLink.NONE: _("Geen zaaknummer: dit contact telt als een eigen zaak."),
    }
    return saved_summary(record, svc.taxonomy, svc.org(), _locale(), labels, case, link)


def _principal() -> Principal:
    principal = current_principal()
    # require_roles has already refused anonymous requests.
    assert principal is not None
    return principal


def _defaults(principal: Principal) -> FormValues:
    return FormValues.defaults(principal, services().taxonomy, Month.current())


def _locale() -> str:
    return str(get_locale() or "nl")


def _form_page(
    template: str,
    principal: Principal,
    values: FormValues,
    errors: Iterable[FieldError] = (),
    *,
    status: int = 200,
    **extra: Any,
) -> Page:
    svc = services()
    locale = _locale()
    groups = choice_groups(svc.taxonomy, locale)
    labels = field_labels(groups, {
        **{spec.name: _(spec.label) for spec in SIGNAL_FIELDS if spec.label},
        "new_case_token": _("Nieuw zaaknummer"),
        "receipt": _("Ontvangstbewijs"),
    })
    return render_template(
        template,
        values=values,
        groups=groups,
        units=unit_groups(svc.org(), principal.organisations),
        errors=form_errors(errors, groups, labels),
        definitions={term: text.get(locale, text.get("nl", ""))
                     for term, text in svc.taxonomy.definitions.items()},
        max_month=str(Month.current()),
        form_id=secrets.token_urlsafe(16),
        **extra,
    ), status


def _receipt_page(receipt_text: str = "", errors: Iterable[FieldError] = (),
                  status: int = 200) -> Page:
    labels = {"receipt": _("Ontvangstbewijs")}
    return render_template("webform/receipt.html", receipt=receipt_text,
                           errors=form_errors(errors, {}, labels)), status
