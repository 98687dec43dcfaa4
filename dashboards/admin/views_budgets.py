"""Shares of a data year's privacy cap per consumer: allocated, spent, remaining; propose one.

Shares are exact rho (zCDP): the form takes text ("0,01", "0.01" or "1/100"), never a float, and
the ledger refuses a share below what is already spent, or allocations above the year's cap.
The page writes every figure exactly, with the page's decimal sign (``web.numbers``).
A share takes effect only when a second administrator approves it (``views_approvals``): the
form stores a proposal, and both steps are written to the audit log.
"""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from dashboards.admin.budgets import (
    ConsumerRow,
    consumer_keys,
    propose_allocation,
)
from dashboards.admin.forms import BudgetForm
from dashboards.admin.views import Errors, acting_admin, bp, collect_errors, form_errors
from privacy.ledger import MAX_YEAR, MIN_YEAR
from registry.accounts import Role
from registry.approvals import ApprovalKind
from registry.errors import FieldError, ValidationFailed
from registry.periods import Month
from web.access import services
from web.labels import consumer_label
from web.numbers import exact_number, with_page_decimal_sign

BUDGET_FIELDS = ("consumer", "year", "rho")
_YEAR_RE = re.compile(r"^[0-9]{4}$", re.ASCII)


@bp.get("/budgetten")
def budgets() -> str | tuple[str, int]:
    text = request.args.get("jaar", "")
    year = _year(text)
    if text and year is None:
        errors = collect_errors({"jaar": [_("Vul een jaar in tussen %(low)s en %(high)s.",
                                             low=MIN_YEAR, high=MAX_YEAR)]})
        return _page(Month.current().year, BudgetForm(), errors), 422
    form = BudgetForm(formdata=None, consumer=request.args.get("afnemer", ""))
    return _page(year or Month.current().year, form, {})


@bp.post("/budgetten")
def set_budget() -> Response | tuple[str, int]:
    form = BudgetForm()
    errors = collect_errors(form.errors) if not form.validate() else {}
    year = _year(form.year.data or "")
    if year is None:
        errors = collect_errors(errors, {"year": [_("Vul een jaar in tussen %(low)s en %(high)s.",
                                                    low=MIN_YEAR, high=MAX_YEAR)]})
    shown_year = year or Month.current().year
    if form.consumer.data and form.consumer.data not in _keys(shown_year):
        errors = collect_errors(errors, {"consumer": [_("Kies een afnemer uit de lijst.")]})
    if errors:
        return _page(shown_year, form, errors), 422
    assert year is not None
    # Dutch writes 2,5 for two and a half; the ledger reads decimals with a point.
    rho = form.rho.data
    if rho.count(",") == 1 and "." not in rho:
        rho = rho.replace(",", ".")
    try:
        proposal = propose_allocation(services(), form.consumer.data, year, rho,
                                      acting_admin().username)
    except ValidationFailed as refused:
        return _page(year, form, collect_errors([FieldError("rho", e.message) for e in refused.errors]
                                                or [FieldError("rho", refused.message)])), 422
    flash(_("Voorstel opgeslagen: het aandeel van %(consumer)s voor %(year)s wordt rho %(rho)s "
            "zodra een tweede beheerder het goedkeurt. Tot dan verandert er niets.",
            consumer=consumer_label(form.consumer.data, services().org()), year=year,
            rho=with_page_decimal_sign(str(proposal.payload["rho"]))), "success")
    return redirect(url_for("admin.approvals"))


def _year(text: str) -> int | None:
    # ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
    text = text.strip()
    if not _YEAR_RE.match(text) or not MIN_YEAR <= int(text) <= MAX_YEAR:
        return None
    return int(text)


def _keys(year: int) -> list[str]:
    svc = services()
    researchers = [str(a["project"]) for a in svc.accounts.list_users()
                   if a["role"] == Role.RESEARCHER.value and a["project"]]
    return consumer_keys(svc.org(), researchers, svc.ledger.recorded_consumers(year))


def _page(year: int, form: BudgetForm, errors: Errors) -> str:
    svc = services()
    keys = _keys(year)
    statuses = svc.ledger.statuses(keys, year)
    org = svc.org()
    rows = [ConsumerRow(key, consumer_label(key, org), statuses[key]) for key in keys]
    waiting = sum(1 for p in svc.approvals.pending()
                  if p.kind is ApprovalKind.BUDGET_ALLOCATION and p.payload.get("year") == year)
    return render_template("admin/budgets.html", year=year, rows=rows, form=form,
                           errors=form_errors(errors, ("jaar", *BUDGET_FIELDS)), fmt=exact_number,
                           year_budget=svc.ledger.year(year), waiting=waiting)
