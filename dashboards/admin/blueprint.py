"""The admin blueprint and what every admin page shares: access, caching, errors, labels.

Administrators manage accounts, tokens, the organisation structure, budgets and contact points.
They see no signals and no figures: nothing here reads a signal or a release.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from flask import Blueprint, request
from flask_babel import get_locale
from flask_babel import gettext as _

from registry.accounts import ROLE_LABELS, Principal, Role
from registry.errors import FieldError, Forbidden, Unauthorized
from web.access import session_principal
from web.caching import never_cache
from web.forms import FieldMessage, FormErrors, FormFields

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
