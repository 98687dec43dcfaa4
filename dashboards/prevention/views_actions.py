"""The action register (PDCA) on the prevention officer's dashboard.

The prevention officer of an organisation keeps its register at ``/dashboard/acties``: add an
action (short title, owner role, due month, status), change it, remove it. Bad input gives the
page back with a Dutch message beside the field (422) and nothing stored. The works council
reads the same register on its own pages (``dashboards.council.views_outcomes``).
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from dashboards.prevention.views import bp
from registry.accounts import Role
from registry.actions import ACTION_FIELDS, ActionRecord
from registry.errors import Forbidden, ValidationFailed
from registry.outcome_models import ActionStatus
from registry.taxonomy.outcomes import load_outcome_codes
from web.access import current_principal, require_roles, services
from web.forms import FormFields, registry_messages

EDITORS = (Role.PREVENTION_OFFICER,)


@bp.get("/acties")
@require_roles(*EDITORS, page=True)
def actions() -> Any:
    return _register_page()


@bp.post("/acties")
@require_roles(*EDITORS, page=True)
def add_action() -> Any:
    organisation = _organisation()
    try:
        record = ActionRecord.from_payload(_form(), load_outcome_codes())
    except ValidationFailed as failed:
        return _register_page(errors=failed, typed=_form()), 422
    services().actions.add(organisation, record, _actor())
    return _back()


@bp.post("/acties/<action_id>")
@require_roles(*EDITORS, page=True)
def update_action(action_id: str) -> Any:
    organisation = _organisation()
    try:
        record = ActionRecord.from_payload(_form(), load_outcome_codes())
    except ValidationFailed as failed:
        return _register_page(errors=failed, typed=_form(), editing=action_id), 422
    services().actions.update(organisation, action_id, record, _actor())
    return _back()


@bp.post("/acties/<action_id>/verwijderen")
@require_roles(*EDITORS, page=True)
def remove_action(action_id: str) -> Any:
    services().actions.remove(_organisation(), action_id, _actor())
    return _back()


def _actor() -> str:
    """Who changes the register, as the audit log names them (their account name)."""
    principal = current_principal()
    assert principal is not None  # require_roles let only a signed-in editor through
    return principal.username


def _organisation() -> str:
    principal = current_principal()
    if principal is None or not principal.organisation:
        raise Forbidden(_("Uw account hoort niet bij een organisatie."))
    return principal.organisation


def _form() -> dict[str, str]:
    return {name: request.form.get(name, "") for name in ACTION_FIELDS}


def _back() -> Response:
    return redirect(url_for("prevention.actions"), code=303)


def action_form(editing: str | None) -> FormFields:
    """The fields of the form that was posted: one action's (ids ``a-<id>-…``) or the new one's
    (``nieuw-…``); the page holds them all, so its ids carry that prefix."""
    prefix = f"a-{editing}-" if editing else "nieuw-"
    return FormFields(ACTION_FIELDS, anchors={name: prefix + name for name in ACTION_FIELDS})


def _register_page(errors: ValidationFailed | None = None, typed: dict[str, str] | None = None,
                   editing: str | None = None) -> str:
    organisation = _organisation()
    codes = load_outcome_codes()
    org = services().org()
    return render_template(
        "prevention/actions.html", actions=services().actions.list(organisation),
        roles=codes.owner_roles, statuses=list(ActionStatus),
        organisation_name=org.get(organisation).name if organisation in org else organisation,
        errors=action_form(editing).errors(registry_messages(errors.errors if errors else ())),
        typed=typed or {}, editing=editing)
