"""The admin start page and the accounts: list, create, (de)activate, reset access.

An administrator never sees or chooses a password. A new account, and a reset, give a one-time
activation link with which the holder chooses their own password (``registry.activation``);
the link is shown once, on the page that answers the POST, and the account keeps only a keyed
hash of it. An account with a role that sees figures is a proposal until a second administrator
approves it (``views_approvals``); every account change is written to the audit log
(``audited``).

The blueprint is defined here, with what every admin page shares: access, caching, errors,
labels.

Administrators manage accounts, tokens, the organisation structure, budgets and contact points.
They see no signals and no figures: nothing here reads a signal or a release.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from dashboards.admin import audited
from dashboards.admin.forms import AccountForm, RoleForm
from registry.accounts import ROLE_LABELS, Principal, Role
from registry.activation import Activation
from registry.approvals import needs_approval
from registry.errors import Conflict, FieldError, Forbidden, NotFound, Unauthorized, ValidationFailed
from web.access import services, session_principal
from web.caching import never_cache
from web.forms import FieldMessage, FormErrors, FormFields, page_messages

bp = Blueprint("admin", __name__, url_prefix="/beheer", template_folder="templates",
               static_folder="static", static_url_path="/static")

Errors = dict[str, list[FieldMessage]]
ErrorSource = Iterable[FieldError | FieldMessage] | Mapping[str, Sequence[object]]


@bp.before_request
def _admins_only() -> None:
    # One guard for every page of the blueprint, so a new page cannot forget it. The stylesheet
    # is no secret and is left open.
    if request.endpoint == "admin.static":
        return
    principal = session_principal()  # pages are for people: an API token opens none of them
    if principal is None:
        raise Unauthorized(_("Log in om verder te gaan."))
    if principal.role is not Role.ADMIN:
        raise Forbidden(_("Uw rol heeft geen toegang tot deze functie."))


# Pages here show passwords and tokens once; no cache may keep them.
never_cache(bp, except_endpoints=("admin.static",))


def acting_admin() -> Principal:
    principal = session_principal()
    assert principal is not None  # the guard above refused anyone else
    return principal


def role_label(role: str) -> str:
    """The role's name in the page's language."""
    try:
        dutch, english = ROLE_LABELS[Role(role)]
    except ValueError:
        return role
    return english if str(get_locale()) == "en" else dutch


def collect_errors(*sources: ErrorSource) -> Errors:
    """Messages per field, in the order given: WTForms' ``form.errors`` and messages a view
    worded itself (in the page's language) and the services' FieldErrors (the registry's Dutch)."""
    errors: Errors = {}
    for source in sources:
        if isinstance(source, Mapping):
            messages = [m if isinstance(m, FieldMessage) else FieldMessage(name, str(m))
                        for name, texts in source.items() for m in texts]
        else:
            messages = [m if isinstance(m, FieldMessage) else FieldMessage(m.field, m.message, True)
                        for m in source]
        for message in messages:
            name = message.field or "form"
            errors.setdefault(name, []).append(FieldMessage(name, message.text, message.dutch))
    return errors


def form_errors(errors: Errors, order: tuple[str, ...]) -> FormErrors:
    """The errors as the page shows them, in the order of the fields on the page."""
    return FormFields(order).errors(*errors.values())


ACCOUNT_FIELDS = ("username", "role", "organisation", "default_channel", "project")
Page = str | tuple[str, int] | Response


@bp.get("/")
def index() -> str:
    return render_template("admin/index.html")


@bp.get("/gebruikers")
def users() -> str:
    names = {unit.code: unit.name for unit in services().org().organisations}
    return render_template("admin/users.html", accounts=services().accounts.list_users(),
                           role_label=role_label, names=names, me=acting_admin().account_id)


@bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
def new_user() -> Page:
    form = AccountForm()
    if request.method == "GET":
        return _account_page(form, {})
    svc = services()
    known = frozenset(unit.code for unit in svc.org().organisations)
    errors = collect_errors(form.errors) if not form.validate() else {}
    # All problems at once: the form's own, then the account rules for fields still without one.
    rules = svc.accounts.check_new_user(form.username.data or "", form.role.data or "",
                                        form.organisation.data or None, None, known,
                                        form.project.data or None)
    errors = collect_errors(errors, [e for e in rules if e.field not in errors],
                            page_messages(scope_errors(form)))
    if errors:
        return _account_page(form, errors, 422)
    role, admin = Role(form.role.data), acting_admin().username
    fields = {"organisation": form.organisation.data or None,
              "default_channel": form.default_channel.data or None,
              "project": form.project.data or None}
    try:
        if needs_approval(role):
            # A role that sees figures: a second administrator approves it (audited.py).
            audited.propose_account(svc, admin, form.username.data, role, **fields)
        else:
            principal, activation = audited.invite_account(svc, admin, form.username.data, role,
                                                           known, **fields)
    except (ValidationFailed, Conflict) as refused:  # Conflict: the username is taken
        return _account_page(form, collect_errors(refused.errors), refused.status)
    if needs_approval(role):
        flash(_("Voorstel opgeslagen: account %(name)s met de rol %(role)s wordt aangemaakt "
                "zodra een tweede beheerder het goedkeurt.", name=form.username.data,
                role=role_label(role.value)), "success")
        return redirect(url_for("admin.approvals"))
    flash(_("Account %(name)s is aangemaakt.", name=principal.username), "success")
    return _activation_page(principal, activation)


@bp.get("/gebruikers/<account_id>")
def user(account_id: str) -> str:
    return user_page(find_account(account_id))[0]


def user_page(account: dict[str, Any], status: int = 200, *, errors: FormErrors | None = None,
              label: str = "", role_errors: FormErrors | None = None,
              role_form: Mapping[str, str | None] | None = None) -> tuple[str, int]:
    """An account's page; ``errors`` for the token form, ``role_errors`` for the role form,
    which shows the posted choice or else the account's role as it is."""
    svc = services()
    if role_form is None:
        current = svc.accounts.by_username(account["username"])
        role_form = {"role": current.role.value, "organisation": current.organisation,
                     "default_channel": current.default_channel, "project": current.project}
    names = {unit.code: unit.name for unit in svc.org().organisations}
    page = render_template("admin/user.html", account=account, role_label=role_label,
                           names=names, me=acting_admin().account_id, errors=errors or {},
                           label=label, role_errors=role_errors or {}, role_form=role_form,
                           **role_choices())
    return page, status


@bp.post("/gebruikers/<account_id>/actief")
def set_active(account_id: str) -> Response:
    account = find_account(account_id)
    active = request.form.get("active") == "1"
    if not active and account["id"] == acting_admin().account_id:
        # Locking oneself out could leave the registry without any administrator.
        flash(_("U kunt uw eigen account niet uitzetten."), "error")
        return redirect(url_for("admin.user", account_id=account_id))
    audited.set_active(services(), acting_admin().username, account, active)
    message = (_("Account %(name)s staat weer aan.", name=account["username"]) if active
               else _("Account %(name)s is uitgezet; inloggen en API-tokens werken niet meer.",
                      name=account["username"]))
    flash(message, "success")
    return redirect(url_for("admin.user", account_id=account_id))


@bp.post("/gebruikers/<account_id>/wachtwoord")
def reset_password(account_id: str) -> str:
    """The old password stops at once, sessions end, and the holder chooses a new one."""
    account = find_account(account_id)
    activation = audited.reset_password(services(), acting_admin().username, account)
    flash(_("Het oude wachtwoord van %(name)s werkt niet meer en %(name)s is overal uitgelogd.",
            name=account["username"]), "success")
    return _activation_page(services().accounts.by_username(account["username"]), activation)


@bp.post("/gebruikers/<account_id>/tweestapsverificatie")
def reset_second_factor(account_id: str) -> Response:
    """For a lost phone: the holder sets a new app up at their next sign-in."""
    account = find_account(account_id)
    audited.reset_second_factor(services(), acting_admin().username, account)
    flash(_("De tweestapsverificatie van %(name)s is verwijderd; %(name)s is overal uitgelogd "
            "en stelt haar bij de volgende keer inloggen opnieuw in.", name=account["username"]),
          "success")
    return redirect(url_for("admin.user", account_id=account_id))


def _activation_page(account: Principal, activation: Activation) -> str:
    link = url_for("account.activate", token=activation.token, _external=True)
    return render_template("admin/secret.html", kind="activation", secret=link,
                           account=account, role_label=role_label,
                           expires=format_datetime(activation.expires, "d MMMM yyyy, HH:mm"))


def find_account(account_id: str) -> dict[str, Any]:
    for account in services().accounts.list_users():
        if account["id"] == account_id:
            return account
    raise NotFound(_("Deze gebruiker bestaat niet."))


def scope_errors(form: RoleForm) -> list[FieldError]:
    """What the account service does not check: channels, and scope a role cannot have."""
    errors = []
    try:
        role: Role | None = Role(form.role.data)
    except ValueError:
        role = None
    if role is not None and not role.needs_organisation and form.organisation.data:
        errors.append(FieldError("organisation", _("Deze rol geldt voor alle organisaties; "
                                                   "laat de organisatie leeg.")))
    channel = form.default_channel.data
    if channel:
        if role is not Role.ADVISER:
            errors.append(FieldError("default_channel", _("Alleen een adviseur heeft een "
                                                          "standaardkanaal.")))
        elif channel not in services().taxonomy.fields["channel"].code_set:
            errors.append(FieldError("default_channel", _("Kies een kanaal uit de lijst.")))
    return errors


def role_choices() -> dict[str, Any]:
    """What the role fields offer: the roles, the organisations and an adviser's channels."""
    svc = services()
    channels = [(code.code, code.label(str(get_locale()))) for code in svc.taxonomy.fields["channel"].codes]
    return {"roles": [(role.value, role_label(role.value), role.needs_organisation)
                      for role in Role],
            "organisations": svc.org().organisations, "channels": channels}


def _account_page(form: AccountForm, errors: Errors, status: int = 200) -> tuple[str, int]:
    page = render_template("admin/user_new.html", form=form,
                           errors=form_errors(errors, ACCOUNT_FIELDS), **role_choices())
    return page, status

