"""The meldknop: a public page where any employee, without an account, can say what is going on
and see where to go.

One POST stores one signal (channel ``meldpunt``, this month only, no receipt) and answers with
the routes that fit. Nothing else about the visit is kept: no cookie beyond Flask's session cookie
with the CSRF token, no address, no time. Abuse is held off by a small proof-of-work per form
page (``work``) and by counters in the shared rate-limit store (``limits``): per visitor, per
unit per day, each form page once. Every page of a step has one size (``padding``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, session
from flask_babel import get_locale

from intake_adapters.meldknop import work
from intake_adapters.meldknop.forms import CONTACT_WISHES, Answers, check, form_errors
from intake_adapters.meldknop.guide import load_guide, others
from intake_adapters.meldknop.limits import (
    EXTENSION_KEY,
    MeldknopLimits,
    Refused,
    StoreUnavailable,
)
from intake_adapters.meldknop.padding import REQUEST_BYTES, pad
from registry.errors import FieldError, ValidationFailed
from registry.organisations import OrgStructure, OrgUnit
from registry.periods import Month
from registry.signals import with_meldcode
from web.access import services

bp = Blueprint("meldknop", __name__, url_prefix="/meldknop", template_folder="templates",
               static_folder="static")

Page = tuple[str, int]
EMERGENCY_SERVICES = ("politie", "huis_voor_klokkenluiders")


@bp.after_request
def _private_page(response: Response) -> Response:
    # What someone looked at here must not stay in a cache or travel on to the next site.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    # Flask-Login's strong session protection marks an anonymous session (it only holds the
    # CSRF token) for a remember-cookie "clear", which would send a second Set-Cookie header.
    # A visitor here never had that cookie, so there is nothing to clear. This runs before
    # Flask-Login's own after-request hook.
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if session.get("_remember") == "clear" and remember not in request.cookies:
        session.pop("_remember")
    # Last, so the padding covers every page of the step, error pages included.
    return pad(response, request.endpoint, request.method)


@bp.get("", endpoint="form")
def form() -> Page:
    org = services().org()
    chosen = request.args.get("organisatie", "")
    answers = Answers(organisation=chosen if _is_organisation(org, chosen) else "")
    return _form_page(answers, only=answers.organisation or None)


@bp.post("", endpoint="submit")
def submit() -> Page:
    svc = services()
    org = svc.org()
    answers = Answers.from_form(request.form)
    errors: list[FieldError] = []
    try:
        record = check(answers, svc.taxonomy, org, Month.current())
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    solved = work.verify(_secret(), svc.settings.meldknop_work_bits,
                         request.form.get("challenge", "")[:200], request.form.get("nonce", "")[:32])
    if isinstance(solved, work.WorkProblem):
        errors.append(FieldError("work", solved.message))
    if errors:
        return _form_page(answers, errors, status=422, only=_units_shown_for(org, answers))
    assert not isinstance(solved, work.WorkProblem)  # it would be in ``errors``
    limits = _limits()
    try:
        if not limits.claim_form(solved):
            # A reload, a double click or a replay of this page: it counts once, or not at all.
            return _result_page(org.get(answers.organisation), answers, already=True)
        held = limits.reserve(record.unit)
        if isinstance(held, Refused):
            limits.release_form(solved)
            return _refused_page(held, answers)
        # A meldcode the visitor may hand to the next adviser (never required; see with_meldcode).
        record, meldcode = with_meldcode(record)
        try:
            svc.signals.store_many([record], receipts=False)
        except BaseException:
            limits.give_back(held)
            limits.release_form(solved)
            raise
    except StoreUnavailable:
        return _refused_page(None, answers)
    return _result_page(org.get(answers.organisation), answers, already=False,
                        meldcode=meldcode)


@bp.get("/onderdelen", endpoint="units")
def units() -> Page:
    """The unit options of one organisation, for the script that refreshes the unit question."""
    org = services().org()
    chosen = request.args.get("organisatie", "")
    only = chosen if _is_organisation(org, chosen) else None
    return render_template("meldknop/units.html", units=_unit_groups(org, only)), 200


@bp.get("/waar-terecht", endpoint="where")
def where() -> Page:
    org = services().org()
    chosen = request.args.get("organisatie", "")
    if not _is_organisation(org, chosen):
        return render_template("meldknop/where.html", organisation=None,
                               organisations=org.organisations, routes=[], others=[]), 200
    guide = load_guide()
    locale = _locale()
    contacts = services().contacts.list_for(chosen)
    return render_template(
        "meldknop/where.html",
        organisation=org.get(chosen),
        organisations=org.organisations,
        routes=guide.views(guide.route_order, contacts, locale),
        others=others(contacts, locale),
    ), 200


@bp.get("/wat-gebeurt-er", endpoint="privacy")
def privacy() -> Page:
    settings = services().settings
    return render_template("meldknop/privacy.html", threshold=settings.coarsen_threshold,
                           retention_years=settings.retention_years), 200


def _result_page(organisation: OrgUnit, answers: Answers, *, already: bool,
                 meldcode: str | None = None) -> Page:
    return render_template("meldknop/result.html", **_routes_for(organisation, answers),
                           wants_contact=answers.contact, already=already,
                           meldcode=meldcode), 200


def _refused_page(refused: Refused | None, answers: Answers) -> Page:
    """Not stored: say why and for how long, and still show where to go (``None``: no store)."""
    org = services().org()
    guide = load_guide()
    locale = _locale()
    unit = org.get(answers.unit or answers.organisation)
    return render_template(
        "meldknop/busy.html",
        **_routes_for(org.get(answers.organisation), answers),
        reason=refused.reason.value if refused else "unavailable",
        minutes=refused.minutes if refused else 0,
        limit=_limits().client_limit,
        unit=unit,
        services=[guide.service_view(code, locale) for code in EMERGENCY_SERVICES],
    ), 503 if refused is None else 429


def _routes_for(organisation: OrgUnit, answers: Answers) -> dict[str, Any]:
    guide = load_guide()
    locale = _locale()
    contacts = services().contacts.list_for(organisation.code)
    return {
        "organisation": organisation,
        "routes": guide.views(
            guide.route_codes(answers.categories, answers.implicated_party), contacts, locale,
            answers.implicated_party),
        "others": others(contacts, locale),
    }


def _limits() -> MeldknopLimits:
    found: MeldknopLimits = current_app.extensions[EXTENSION_KEY]
    return found


def _secret() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode()


def _form_page(
    answers: Answers, errors: list[FieldError] | None = None, *, status: int = 200,
    only: str | None = None,
) -> Page:
    svc = services()
    org = svc.org()
    locale = _locale()
    taxonomy = svc.taxonomy
    groups = load_guide().choice_groups(taxonomy, locale)
    reporter_roles = _choices(taxonomy, "reporter_role", locale)
    implicated_parties = _choices(taxonomy, "implicated_party", locale)
    # A summary link leads to the first control of its question, as screen readers expect.
    anchors = {
        "categories": f"categories-{groups[0].choices[0].code}",
        "organisation": "organisation",
        "unit": "unit",
        "reporter_role": f"reporter_role-{reporter_roles[0]['code']}",
        "implicated_party": f"implicated_party-{implicated_parties[0]['code']}",
        "contact": f"contact-{CONTACT_WISHES[0]}",
        "work": "send",
    }
    return render_template(
        "meldknop/form.html",
        answers=answers,
        errors=form_errors(errors or (), anchors),
        groups=groups,
        organisations=org.organisations,
        units=_unit_groups(org, only),
        reporter_roles=reporter_roles,
        implicated_parties=implicated_parties,
        contact_wishes=CONTACT_WISHES,
        # Fresh for every page view: its proof-of-work, and how a reload is recognised without
        # knowing who sent it.
        challenge=work.issue(_secret(), svc.settings.meldknop_work_bits),
        work_bits=svc.settings.meldknop_work_bits,
        pad_to=REQUEST_BYTES,
    ), status


def _unit_groups(org: OrgStructure, only: str | None) -> list[dict[str, Any]]:
    """The units of the organisation ``only`` as a tree; none before an organisation is chosen
    (all ministries together are hundreds of units nobody can scan)."""
    groups = []
    for root in org.organisations:
        if root.code != only:
            continue
        options = []
        for code in _tree_order(org, root.code)[1:]:
            # Indent with no-break spaces: a select cannot nest, and this reads the same without CSS.
            indent = "\u00a0\u00a0" * (org.depth(code) - 1)
            options.append({"code": code, "label": indent + org.get(code).name})
        if options:
            groups.append({"name": root.name, "options": options})
    return groups


def _units_shown_for(org: OrgStructure, answers: Answers) -> str | None:
    """Whose units the form shows again after an error: the chosen organisation's, or, when
    none was chosen, those of the unit's organisation, so a chosen unit is kept."""
    if _is_organisation(org, answers.organisation):
        return answers.organisation
    if answers.unit and answers.unit in org:
        return org.get(answers.unit).organisation
    return None


def _tree_order(org: OrgStructure, code: str) -> list[str]:
    out = [code]
    for child in sorted(org.children(code), key=lambda c: org.get(c).name):
        out.extend(_tree_order(org, child))
    return out


def _choices(taxonomy: Any, name: str, locale: str) -> list[dict[str, str]]:
    return [{"code": c.code, "label": c.label(locale), "hint": c.definition(locale)}
            for c in taxonomy.fields[name].codes]


def _is_organisation(org: OrgStructure, code: str) -> bool:
    return bool(code) and code in org and org.get(code).parent is None


def _locale() -> str:
    return str(get_locale() or "nl")
