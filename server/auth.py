"""Sign in, sign out, choose a language, and the home page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from registry.access import SessionUser, services, session_principal

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Gebruikersnaam", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Wachtwoord", validators=[DataRequired(), Length(max=200)])


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    return render_template("index.html", principal=session_principal(),
                           taxonomy=services().taxonomy)


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        principal = services().accounts.authenticate(form.username.data.strip().lower(),
                                                     form.password.data)
        if principal is not None:
            session.clear()
            login_user(SessionUser(principal))
            return redirect(_safe_next(request.args.get("next")))
        error = _("Gebruikersnaam of wachtwoord klopt niet.")
    elif request.method == "POST":
        error = _("Vul uw gebruikersnaam en wachtwoord in.")
    status = 400 if error else 200
    return render_template("login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    return redirect(url_for("auth.index"))


@bp.route("/taal/<code>", methods=["POST"])
def language(code: str):  # type: ignore[no-untyped-def]
    if code in ("nl", "en"):
        session["locale"] = code
    return redirect(_safe_next(request.form.get("next")))


def _safe_next(target: str | None) -> str:
    # Only local paths: never an open redirect. Browsers drop tabs and newlines from a URL and
    # read a backslash as a slash, so "/\t/host" would become "//host": refuse any of those.
    if (target and target.startswith("/") and not target.startswith("//")
            and not any(char == "\\" or ord(char) < 32 or ord(char) == 127 for char in target)):
        return target
    return url_for("auth.index")
