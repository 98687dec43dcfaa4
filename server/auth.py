"""Sign in (password, then the code of an authenticator app), sign out, choose a language, and
the home page.

Between the two steps the session holds only which account passed its password, with that
account's session version and the minute it did; it signs nobody in. Both steps are slowed
down per name or account (``server.login_throttle``) on top of one limit over all attempts.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from registry.accounts import Principal
from registry.mfa import SecondStep, grouped, new_secret, provisioning_uri
from server.governance import note_throttled_sign_in
from server.login_throttle import Wait, login_throttle, normalise_name
from server.sessions import current_minute, end_session, start_session
from web.access import services, session_principal

bp = Blueprint("auth", __name__)

PENDING_KEY = "_pending_login"
PENDING_MINUTES = 10
PASSWORD_PURPOSE = "password"  # noqa: S105 - the name of a throttle, not a secret
CODE_PURPOSE = "code"
Page = str | tuple[str, int] | tuple[str, int, dict[str, str]] | Response


class LoginForm(FlaskForm):
    username = StringField("Gebruikersnaam", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Wachtwoord", validators=[DataRequired(), Length(max=200)])


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=20)])


class EnrolForm(CodeForm):
    offer = HiddenField()


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    return render_template("index.html", principal=session_principal(),
                           taxonomy=services().taxonomy)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Page:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        name = normalise_name(form.username.data)
        throttle = login_throttle()
        wait = throttle.begin(PASSWORD_PURPOSE, name)
        if wait is not None:
            note_throttled_sign_in(services(), name, "password")
            return _waiting("login.html", wait, form=form)
        principal = services().accounts.authenticate(name, form.password.data)
        if principal is not None:
            throttle.succeeded(PASSWORD_PURPOSE, name)
            return _after_password(principal, request.args.get("next"))
        error = _("Gebruikersnaam of wachtwoord klopt niet.")
    elif request.method == "POST":
        error = _("Vul uw gebruikersnaam en wachtwoord in.")
    status = 400 if error else 200
    return render_template("login.html", form=form, error=error), status


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor() -> Page:
    principal = _pending_principal()
    if principal is None:
        return _start_again()
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        throttle = login_throttle()
        wait = throttle.begin(CODE_PURPOSE, principal.account_id)
        if wait is not None:
            note_throttled_sign_in(services(), principal.username, "code")
            return _waiting("login_code.html", wait, form=form)
        if services().mfa.accept_code(principal.account_id, form.code.data):
            throttle.succeeded(CODE_PURPOSE, principal.account_id)
            return _signed_in(principal)
        error = _("Deze code klopt niet of is al gebruikt. Typ de code die de app nu laat zien.")
    elif request.method == "POST":
        error = _("Vul de code uit uw app in.")
    return _no_store(render_template("login_code.html", form=form, error=error),
                     400 if error else 200)


@bp.route("/login/tweestapsverificatie", methods=["GET", "POST"])
def enrol() -> Page:
    """A correct password for a role that needs a second factor, and none set up yet."""
    principal = _pending_principal()
    if principal is None:
        return _start_again()
    mfa = services().mfa
    form = EnrolForm()
    secret = mfa.open_offer(form.offer.data or "") if request.method == "POST" else None
    error = None
    if secret and form.validate_on_submit():
        throttle = login_throttle()
        wait = throttle.begin(CODE_PURPOSE, principal.account_id)
        if wait is not None:
            return _waiting("login_enrol.html", wait, form=form,
                            **totp_setup(principal.username, secret))
        if mfa.enrol(principal.account_id, secret, form.code.data):
            throttle.succeeded(CODE_PURPOSE, principal.account_id)
            return _signed_in(principal)
        error = _("Deze code klopt niet. Typ de code die de app nu laat zien.")
    elif request.method == "POST":
        error = _("Vul de code uit uw app in.")
    secret = secret or new_secret()
    form.offer.data = mfa.seal_offer(secret)
    page = render_template("login_enrol.html", form=form, error=error,
                           **totp_setup(principal.username, secret))
    return _no_store(page, 400 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        # Every copy of this session's cookie, anywhere, stops working now.
        services().accounts.end_sessions(current_user.principal.account_id)
    end_session()
    return redirect(url_for("auth.index"))


@bp.route("/taal/<code>", methods=["POST"])
def language(code: str):  # type: ignore[no-untyped-def]
    if code in ("nl", "en"):
        session["locale"] = code
    return redirect(safe_next(request.form.get("next")))


def totp_setup(username: str, secret: str) -> dict[str, str]:
    """What a page shows to set up an authenticator app: the secret in groups and its address."""
    return {"secret_groups": grouped(secret), "otpauth_uri": provisioning_uri(secret, username)}



def _after_password(principal: Principal, target: str | None) -> Response:
    step = services().mfa.second_step(principal.account_id)
    if step is SecondStep.NONE:
        return _signed_in(principal, target)
    version = services().accounts.session_version(principal.account_id)
    _clear_keeping_locale()
    session[PENDING_KEY] = {"account": principal.account_id, "version": version,
                            "minute": current_minute(), "next": safe_next(target)}
    endpoint = "auth.second_factor" if step is SecondStep.CODE else "auth.enrol"
    return redirect(url_for(endpoint))


def _pending_principal() -> Principal | None:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    minute = pending.get("minute")
    if not isinstance(minute, int) or not 0 <= current_minute() - minute <= PENDING_MINUTES:
        session.pop(PENDING_KEY, None)
        return None
    return services().accounts.for_session(str(pending.get("account")), pending.get("version"))


def _signed_in(principal: Principal, target: str | None = None) -> Response:
    pending = session.get(PENDING_KEY)
    if target is None and isinstance(pending, dict):
        target = pending.get("next")
    version = services().accounts.session_version(principal.account_id)
    if version is None:
        return _start_again()
    start_session(principal, version)
    destination = safe_next(target)
    if services().notices.unseen(principal.account_id):
        # Something was done to the account by someone else: say so before anything else.
        return redirect(url_for("account.index", next=destination))
    return redirect(destination)


def _start_again() -> Response:
    session.pop(PENDING_KEY, None)
    flash(_("Log opnieuw in: de vorige poging is verlopen."), "error")
    return redirect(url_for("auth.login"))


def _waiting(template: str, wait: Wait, **context: Any) -> tuple[str, int, dict[str, str]]:
    page = render_template(template, error=wait.message(), **context)
    return page, 429, {"Retry-After": str(wait.seconds), "Cache-Control": "no-store"}


def _no_store(page: str, status: int) -> tuple[str, int, dict[str, str]]:
    return page, status, {"Cache-Control": "no-store"}


def _clear_keeping_locale() -> None:
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def safe_next(target: str | None) -> str:
    # Only local paths: never an open redirect. Browsers drop tabs and newlines from a URL and
    # read a backslash as a slash, so "/\t/host" would become "//host": refuse any of those.
    if (target and target.startswith("/") and not target.startswith("//")
            and not any(char == "\\" or ord(char) < 32 or ord(char) == 127 for char in target)):
        return target
    return url_for("auth.index")
