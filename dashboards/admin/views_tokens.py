"""API tokens per account: create (shown exactly once) and revoke.

Only a token's SHA-256 hash and its first characters are stored; the list shows the label,
those first characters and whether it is revoked, never the token. Creating and revoking a token
are written to the audit log in the same transaction, naming the token by its random id.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from dashboards.admin.forms import TokenForm
from dashboards.admin.views import (
    acting_admin,
    bp,
    collect_errors,
    find_account,
    form_errors,
    role_label,
    user_page,
)
from registry.accounts import hash_token
from registry.audit import AuditAction
from registry.errors import NotFound
from registry.joined import joined
from registry.models import ApiToken
from web.access import services


@bp.post("/gebruikers/<account_id>/tokens")
def create_token(account_id: str) -> str | tuple[str, int]:
    account = find_account(account_id)
    form = TokenForm()
    if not form.validate():
        return user_page(account, 422, errors=form_errors(collect_errors(form.errors), ("label",)),
                         label=form.label.data or "")
    svc = services()
    with svc.db.session(immediate=True) as session:
        token = joined(svc.accounts, session).create_token(account_id, form.label.data)
        token_id = session.scalar(select(ApiToken.id).where(ApiToken.token_hash == hash_token(token)))
        svc.audit.record(session, acting_admin().username, AuditAction.TOKEN_CREATED,
                         f"account:{account['username']}", {"token_id": token_id})
    flash(_("Token '%(label)s' voor %(name)s is aangemaakt.", label=form.label.data,
            name=account["username"]), "success")
    return render_template("admin/secret.html", kind="token", secret=token,
                           account=services().accounts.by_username(account["username"]),
                           role_label=role_label, label=form.label.data)


@bp.post("/gebruikers/<account_id>/tokens/<token_id>/intrekken")
def revoke_token(account_id: str, token_id: str) -> Response:
    account = find_account(account_id)
    token = next((t for t in account["tokens"] if t["id"] == token_id), None)
    if token is None:
        # Only this account's own tokens: a mistyped or foreign id changes nothing.
        raise NotFound(_("Dit token bestaat niet."))
    svc = services()
    with svc.db.session(immediate=True) as session:
        joined(svc.accounts, session).revoke_token(token_id)
        svc.audit.record(session, acting_admin().username, AuditAction.TOKEN_REVOKED,
                         f"account:{account['username']}", {"token_id": token_id})
    flash(_("Token '%(label)s' van %(name)s is ingetrokken; het werkt niet meer.",
            label=token["label"], name=account["username"]), "success")
    return redirect(url_for("admin.user", account_id=account_id))
