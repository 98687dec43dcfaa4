"""Another role for an existing account, instead of switching it off and making a new one.

The same rules as for a new account hold (``views.new_user``). A role that sees figures becomes
a proposal that a second administrator approves (``views_approvals``); any other role takes
effect at once. Either way the change ends the account's sessions and revokes its API tokens
(``registry.role_changes``), and is written to the audit log in the same transaction
(``audited``). Nobody changes their own role.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from dashboards.admin import audited
from dashboards.admin.forms import RoleForm
from dashboards.admin.views import (
    Page,
    acting_admin,
    bp,
    collect_errors,
    find_account,
    form_errors,
    role_label,
    scope_errors,
    user_page,
)
from registry.accounts import Role
from registry.approvals import needs_approval
from registry.errors import Conflict, ValidationFailed
from registry.role_changes import RoleChange, check_role_change
from web.access import services
from web.forms import page_messages

ROLE_FIELDS = ("role", "organisation", "default_channel", "project")


@bp.post("/gebruikers/<account_id>/rol")
def change_role(account_id: str) -> Page:
    account = find_account(account_id)
    if account["id"] == acting_admin().account_id:
        # An administrator who could change their own role could also hand themselves figures.
        flash(_("U kunt uw eigen rol niet wijzigen; vraag een andere beheerder."), "error")
        return redirect(url_for("admin.user", account_id=account_id))
    form = RoleForm()
    svc = services()
    known = frozenset(unit.code for unit in svc.org().organisations)
    errors = collect_errors(form.errors) if not form.validate() else {}
    fields = {"organisation": form.organisation.data or None,
              "default_channel": form.default_channel.data or None,
              "project": form.project.data or None}
    # All problems at once, as on the new-account form: the form's own, the account rules for
    # the fields still without one, then what only the page checks (channels, scope).
    rules = check_role_change(svc.accounts.by_username(account["username"]),
                              form.role.data or "", known_organisations=known, **fields)
    errors = collect_errors(errors, [e for e in rules if e.field not in errors],
                            page_messages(scope_errors(form)))
    posted = {"role": form.role.data, **fields}
    if errors:
        return user_page(account, 422, role_errors=form_errors(errors, ROLE_FIELDS),
                         role_form=posted)
    role, admin = Role(form.role.data), acting_admin().username
    try:
        if needs_approval(role):
            audited.propose_role_change(svc, admin, account, role, known, **fields)
        else:
            change = audited.change_role(svc, admin, account, role, known, **fields)
    except (ValidationFailed, Conflict) as refused:  # changed or proposed meanwhile
        return user_page(account, refused.status, role_form=posted,
                         role_errors=form_errors(collect_errors(refused.errors), ROLE_FIELDS))
    if needs_approval(role):
        flash(_("Voorstel opgeslagen: %(name)s krijgt de rol %(role)s zodra een tweede beheerder "
                "het goedkeurt. Tot dan blijft de huidige rol gelden.", name=account["username"],
                role=role_label(role.value)), "success")
        return redirect(url_for("admin.approvals"))
    flash(changed_message(change), "success")
    return redirect(url_for("admin.user", account_id=account_id))


def changed_message(change: RoleChange) -> str:
    """What the administrator is told once a change took effect (here or on approval)."""
    message = _("De rol van %(name)s is nu %(role)s. %(name)s is overal uitgelogd.",
                name=change.username, role=role_label(change.role.value))
    if change.tokens_revoked:
        message += " " + _("De API-tokens van dit account zijn ingetrokken (%(count)s); maak zo "
                           "nodig een nieuw token voor de nieuwe rol.", count=change.tokens_revoked)
    return message
