"""The holder's own account: activation link, notices, second factor, own password.

Nobody but the holder ever sees or chooses their password: the administrator hands over a
one-time link (``registry.activation``), and the holder chooses the password on the page it
opens. Notices tell the holder what someone else did to their account.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, PasswordField, StringField

from registry.accounts import Principal
from registry.errors import NotFound, Unauthorized, ValidationFailed
from registry.mfa import new_secret
from registry.notices import Notice, NoticeKind
from server.auth import CODE_PURPOSE, safe_next, totp_setup
from server.login_throttle import login_throttle
from server.sessions import carry_on
from web.access import services, session_principal
from web.forms import NO_ERRORS, FormErrors, FormFields, page_messages, registry_messages

bp = Blueprint("account", __name__)

# The fields of each form in page order. "form" is a problem with the form as a whole (an
# expired CSRF token, or a FieldError without a field): said, but linked nowhere.
ACTIVATION_FORM = FormFields(("form", "password", "repeat", "code"), anchors={"form": ""},
                             aliases={"": "form"})
PASSWORD_FORM = FormFields(("form", "current", "new", "repeat"), anchors={"form": ""},
                           aliases={"": "form"})
FACTOR_FORM = FormFields(("code",))
PagePair = tuple[str, int, dict[str, str]]
# The link is a secret: no cache keeps the page, and no Referer header carries it anywhere.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


class ActivationForm(FlaskForm):
    password = PasswordField()
    repeat = PasswordField()
    code = StringField()
    offer = HiddenField()


class PasswordChangeForm(FlaskForm):
    current = PasswordField()
    new = PasswordField()
    repeat = PasswordField()


class SetupForm(FlaskForm):
    code = StringField()
    offer = HiddenField()


@bp.route("/activeren/<token>", methods=["GET", "POST"])
def activate(token: str) -> PagePair | Response:
    activation = services().activation
    pending = activation.pending(token)
    if pending is None:
        raise NotFound(_("Deze link werkt niet (meer): hij is al gebruikt, verlopen of onbekend. "
                         "Vraag de beheerder om een nieuwe."))
    principal = pending.principal
    offers_factor = principal.role.needs_second_factor and not pending.has_second_factor
    mfa = services().mfa
    form = ActivationForm()
    secret = mfa.open_offer(form.offer.data or "") if request.method == "POST" else None
    errors = NO_ERRORS
    if request.method == "POST" and form.validate():
        try:
            activation.complete(token, form.password.data or "", form.repeat.data or "",
                                secret if offers_factor else None, form.code.data or "")
        except ValidationFailed as refused:
            errors = ACTIVATION_FORM.errors(registry_messages(refused.errors))
        else:
            flash(_("Uw wachtwoord is ingesteld. Log nu in met uw gebruikersnaam %(name)s.",
                    name=principal.username), "success")
            return redirect(url_for("auth.login"))
    elif request.method == "POST":
        errors = ACTIVATION_FORM.errors(page_messages(
            {"form": [_("Het formulier is verlopen; probeer het opnieuw.")]}))
    context = {}
    if offers_factor:
        secret = secret or new_secret()
        form.offer.data = mfa.seal_offer(secret)
        context = totp_setup(principal.username, secret)
    page = render_template(
        "activate.html", form=form, principal=principal, errors=errors,
        offers_factor=offers_factor, factor_required=services().account_policy.second_factor_required,
        **context)
    return page, 422 if errors else 200, PRIVATE_HEADERS


@bp.get("/account")
def index() -> PagePair:
    principal = _holder()
    return _account_page(principal, NO_ERRORS)


@bp.post("/account/meldingen/gezien")
def notices_seen() -> Response:
    principal = _holder()
    services().notices.mark_seen(principal.account_id)
    return redirect(safe_next(request.form.get("next") or url_for("account.index")))


@bp.post("/account/wachtwoord")
def change_password() -> PagePair | Response:
    principal = _holder()
    form = PasswordChangeForm()
    if not form.validate():
        return _account_page(principal, PASSWORD_FORM.errors(page_messages(
            {"form": [_("Het formulier is verlopen; probeer het opnieuw.")]})), 400)
    try:
        version = services().accounts.change_password(
            principal.account_id, form.current.data or "", form.new.data or "",
            form.repeat.data or "")
    except ValidationFailed as refused:
        return _account_page(principal, PASSWORD_FORM.errors(registry_messages(refused.errors)),
                             422)
    carry_on(version)
    flash(_("Uw wachtwoord is gewijzigd. Op andere apparaten bent u uitgelogd."), "success")
    return redirect(url_for("account.index"))


@bp.route("/account/tweestapsverificatie", methods=["GET", "POST"])
def setup_factor() -> PagePair | Response:
    principal = _holder()
    mfa = services().mfa
    if not principal.role.needs_second_factor or mfa.has_second_factor(principal.account_id):
        return redirect(url_for("account.index"))
    form = SetupForm()
    secret = mfa.open_offer(form.offer.data or "") if request.method == "POST" else None
    errors = NO_ERRORS
    status = 200
    headers = dict(PRIVATE_HEADERS)
    if request.method == "POST":
        if not form.validate() or secret is None:
            errors = FACTOR_FORM.errors(page_messages(
                {"code": [_("Het formulier is verlopen; probeer het opnieuw.")]}))
        elif (wait := login_throttle().begin(CODE_PURPOSE, principal.account_id)) is not None:
            errors, status = FACTOR_FORM.errors(page_messages({"code": [wait.message()]})), 429
            headers["Retry-After"] = str(wait.seconds)
        elif mfa.enrol(principal.account_id, secret, form.code.data or ""):
            login_throttle().succeeded(CODE_PURPOSE, principal.account_id)
            carry_on(services().accounts.session_version(principal.account_id) or 0)
            flash(_("Tweestapsverificatie staat aan. Bij het inloggen vraagt het register "
                    "voortaan ook een code uit de app."), "success")
            return redirect(url_for("account.index"))
        else:
            errors = FACTOR_FORM.errors(page_messages(
                {"code": [_("Deze code klopt niet. Typ de code die de app nu laat zien.")]}))
    if errors and status == 200:
        status = 422
    secret = secret or new_secret()
    form.offer.data = mfa.seal_offer(secret)
    page = render_template("account_factor.html", form=form, errors=errors,
                           **totp_setup(principal.username, secret))
    return page, status, headers


def notice_text(notice: Notice) -> str:
    """A notice as one Dutch (or English) sentence, with its date."""
    day = format_date(notice.occurred_at.date(), format="long")
    if notice.kind is NoticeKind.PASSWORD_RESET:
        return _("Uw wachtwoord is op %(date)s opnieuw ingesteld door de beheerder.", date=day)
    if notice.kind is NoticeKind.MFA_RESET:
        return _("Uw tweestapsverificatie is op %(date)s verwijderd door de beheerder. "
                 "Stel haar opnieuw in.", date=day)
    return _("Er is een API-token voor uw account aangemaakt (op %(date)s).", date=day)


def _account_page(principal: Principal, errors: FormErrors, status: int = 200) -> PagePair:
    svc = services()
    page = render_template(
        "account.html", principal=principal, errors=errors,
        notices=[notice_text(n) for n in svc.notices.unseen(principal.account_id)],
        next=safe_next(request.args.get("next") or url_for("account.index")),
        has_factor=svc.mfa.has_second_factor(principal.account_id),
        factor_required=svc.account_policy.second_factor_required,
        form=PasswordChangeForm(formdata=None))
    return page, status, {"Cache-Control": "no-store"}


def _holder() -> Principal:
    principal = session_principal()
    if principal is None:
        raise Unauthorized(_("Log in om verder te gaan."))
    return principal

