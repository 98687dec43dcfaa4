"""The admin blueprint and what every admin page shares: access, caching, errors, labels.

Administrators manage accounts, tokens, the organisation structure, budgets and contact points.
They see no signals and no figures: nothing here reads a signal or a release.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, Response, request
from flask_babel import get_locale
from flask_babel import gettext as _

from web.access import session_principal
from registry.accounts import ROLE_LABELS, Principal, Role
from registry.errors import FieldError, Forbidden, Unauthorized

bp = Blueprint("admin", __name__, url_prefix="/beheer", template_folder="templates",
               static_folder="static", static_url_path="/static")

Errors = dict[str, list[str]]


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


@bp.after_request
def _never_cache(response: Response) -> Response:
    # Pages here show passwords and tokens once; no cache may keep them.
    if request.endpoint != "admin.static":
        response.headers["Cache-Control"] = "no-store"
    return response


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


def collect_errors(*sources: Iterable[FieldError] | dict[str, list[str]]) -> Errors:
    """Messages per field, in the order given: service FieldErrors and WTForms errors alike."""
    errors: Errors = {}
    for source in sources:
        if isinstance(source, dict):
            for name, messages in source.items():
                errors.setdefault(name, []).extend(str(m) for m in messages)
        else:
            for error in source:
                errors.setdefault(error.field or "form", []).append(error.message)
    return errors


def summary(errors: Errors, order: tuple[str, ...]) -> list[tuple[str, str]]:
    """(anchor, message) pairs for the error summary, in the order the fields are on the page."""
    ranked = sorted(errors, key=lambda name: order.index(name) if name in order else len(order))
    return [(name if name in order else "", message) for name in ranked for message in errors[name]]
