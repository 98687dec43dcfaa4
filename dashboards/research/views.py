"""The researchers' workspace: compose a query, see what it costs, run it, read and download it.

A page over the same services as the researcher API (``dashboards.research.api``): the form is turned
into the API's JSON spec and judged by ``QueryService.parse``, previewed by ``.preview`` and run
by ``.run``, so the page and the API cannot disagree. It works without JavaScript: the preview
page re-posts the spec in hidden fields, and the run re-validates it. Every POST carries a
Flask-WTF CSRF token (the app-wide ``CSRFProtect`` checks it).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from dashboards.research.budget_words import (
    YearBudgets,
    charged_years,
    run_message,
    split_budget_errors,
)
from dashboards.research.forms import SpecForm, form_choices, form_errors
from dashboards.research.labels import Labels
from dashboards.research.results import result_table, summarise
from privacy.asked import AskedQuery
from privacy.consumers import consumer_for
from privacy.exports import release_to_csv, release_to_json
from privacy.ledger import BudgetExceeded, format_epsilon
from privacy.queries import data_years
from privacy.released import ReleasedTable
from privacy.releases import Release
from privacy.specs import QuerySpec
from registry.accounts import Principal
from registry.errors import FieldError, NotFound, ValidationFailed
from web.access import current_principal, require_roles, services
from web.caching import never_cache
from web.forms import FormErrors
from web.permissions import RESEARCH_ROLES, may_read_release

bp = Blueprint("research", __name__, template_folder="templates", static_folder="static",
               static_url_path="/onderzoek/static")

Page = tuple[str, int]
RELEASE_ID_MAX = 64


# Figures, budgets and release files are for this researcher: no shared cache may keep them.
never_cache(bp, except_endpoints=("research.static", "research.api_docs_page"))


@bp.get("/onderzoek/")
@require_roles(*RESEARCH_ROLES, page=True)
def index() -> Page:
    return _form_page(SpecForm.defaults(services().queries.today()))


@bp.post("/onderzoek/")
@require_roles(*RESEARCH_ROLES, page=True)
def edit() -> Page:
    """Back from the preview (or from a past release) to the form, with the values kept."""
    return _form_page(SpecForm.from_form(request.form))


@bp.post("/onderzoek/voorbeeld")
@require_roles(*RESEARCH_ROLES, page=True)
def preview() -> Page:
    form = SpecForm.from_form(request.form)
    try:
        spec = _parse(form)
    except ValidationFailed as failed:
        return _form_page(form, failed.errors, status=422)
    consumer = consumer_for(_principal())
    cost = services().queries.preview(consumer, spec)
    labels = _labels()
    return render_template(
        "research/preview.html", form=form, preview=cost, spec=spec,
        summary=summarise("", "", cost["cost"], AskedQuery.of(spec), labels),
    ), 200


@bp.post("/onderzoek/uitvoeren")
@require_roles(*RESEARCH_ROLES, page=True)
def run() -> Page | BaseResponse:
    form = SpecForm.from_form(request.form)
    try:
        spec = _parse(form)
    except ValidationFailed as failed:
        return _form_page(form, failed.errors, status=422)
    try:
        release, spent_now, _budget = services().queries.run(consumer_for(_principal()), spec)
    except BudgetExceeded as refused:
        # Refused before anything was computed or spent; the message names what remains.
        return _form_page(form, refused.errors, status=403, refused=refused.message)
    if spent_now:
        # Charged in rho (also a Laplace epsilon) to every data year of the question's months.
        charged = [(year, services().ledger.status(consumer_for(_principal()), year))
                   for year in data_years(spec)]
        flash(run_message(release.epsilon_spent, charged), "success")
    else:
        flash(_("Deze vraag was al eerder gesteld. U ziet het opgeslagen antwoord; er is niets "
                "besteed."), "success")
    # Post/redirect/get: reloading the result page never posts the question again.
    return redirect(url_for("research.release", release_id=release.id), 303)


@bp.get("/onderzoek/releases/<release_id>")
@require_roles(*RESEARCH_ROLES, page=True)
def release(release_id: str) -> Page:
    found = _own_release(release_id)
    labels = _labels()
    page_arg = request.args.get("pagina", "1")
    # ASCII digits of sane length only: int() refuses "²" and strings of thousands of digits.
    page = int(page_arg) if page_arg.isascii() and page_arg.isdigit() and len(page_arg) < 7 else 1
    result = ReleasedTable.from_json(found.result)
    summary = summarise(found.id, found.release_date.isoformat(),
                        format_epsilon(found.epsilon_spent), AskedQuery.of_release(found.spec), labels,
                        "epsilon" if found.legacy else "rho")
    return render_template(
        "research/release.html", release=found, summary=summary, result=result,
        table=result_table(result, labels, services().org(), page),
        again=SpecForm.from_asked(summary.query),
        budgets=_budgets(() if found.legacy else _asked_years(summary.query)),
    ), 200


@bp.get("/onderzoek/releases/<release_id>/release-<name>.<extension>")
@require_roles(*RESEARCH_ROLES, page=True)
def download(release_id: str, name: str, extension: str) -> Response:
    found = _own_release(release_id)
    if name != found.id or extension not in ("json", "csv"):
        raise NotFound(_("Dit bestand bestaat niet."))
    disposition = {"Content-Disposition": f'attachment; filename="release-{found.id}.{extension}"'}
    if extension == "csv":
        return Response(release_to_csv(found), mimetype="text/csv", headers=disposition)
    return Response(release_to_json(found), mimetype="application/json", headers=disposition)


# -- helpers -----------------------------------------------------------------------------------


def _principal() -> Principal:
    principal = current_principal()
    assert principal is not None  # require_roles has refused anonymous requests
    return principal


def _labels() -> Labels:
    return Labels(services().taxonomy, str(get_locale() or "nl"), services().org())


def _parse(form: SpecForm) -> QuerySpec:
    """The API's own validation: the page refuses exactly what the API refuses."""
    spec: QuerySpec = services().queries.parse(form.spec_json(), _principal().organisations)
    return spec


def _budgets(shown: tuple[int, ...] = ()) -> YearBudgets:
    """The project's share per data year, in rho (every query is charged in rho, to the years of
    its months): each year it has a share or a charge in, and the years of the release shown."""
    return charged_years(services().ledger, consumer_for(_principal()), also=shown,
                         fallback=services().queries.today().year)


def _asked_years(query: AskedQuery) -> tuple[int, ...]:
    """The data years a question's months fall in: the years its release was charged to."""
    first, last = query.start[:4], query.end[:4]
    if not (first.isascii() and first.isdigit() and last.isascii() and last.isdigit()):
        return ()
    return tuple(range(int(first), int(last) + 1))


def _form_errors(errors: list[FieldError], labels: Labels) -> FormErrors:
    """The spec's messages as the form shows them; its budget messages in the form's words."""
    kept, worded = split_budget_errors(errors)
    return form_errors(kept, labels.form_fields(), worded)


def _own_release(release_id: str) -> Release:
    if len(release_id) > RELEASE_ID_MAX or not release_id.isalnum():
        raise NotFound(_("Deze release bestaat niet."))
    try:
        found: Release = services().releases.get(release_id)
    except NotFound:
        raise NotFound(_("Deze release bestaat niet.")) from None
    if not may_read_release(_principal(), found.scope):
        # Someone else's release: do not even confirm that it exists.
        raise NotFound(_("Deze release bestaat niet."))
    return found


def _form_page(form: SpecForm, errors: list[FieldError] | None = None, *, status: int = 200,
               **extra: Any) -> Page:
    svc = services()
    queries = svc.queries
    labels = _labels()
    consumer = consumer_for(_principal())
    past = [summarise(r.id, r.release_date.isoformat(), format_epsilon(r.epsilon_spent),
                      AskedQuery.of_release(r.spec), labels, "epsilon" if r.legacy else "rho")
            for r in svc.releases.list_for(consumer)]
    return render_template(
        "research/index.html", form=form,
        choices=form_choices(svc.taxonomy, svc.org(), queries.threshold, queries.today(), labels,
                             labels.locale),
        errors=_form_errors(errors or [], labels),
        budgets=_budgets(), past=past, threshold=queries.threshold, **extra,
    ), status
