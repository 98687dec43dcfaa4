"""Requests for figures the release plan does not hold, paid from the council's share of the cap.

Two steps, without JavaScript: the form posts to a preview that shows the cost, the expected 95%
margin per cell and what is left of the council's share, and spends nothing; its confirm button
carries the same answers in hidden fields, which are validated again before the query runs
(``privacy.queries``). The answer is a signed release in the council's own list.

The council chooses the precision in words (grof / normaal / nauwkeurig, ``dashboards.council.
precision``: each a fixed Laplace epsilon, shown with the margin it gives and what it takes of
the council's share); an epsilon posted directly is still accepted. The cost is zCDP rho = epsilon^2 / 2
(``privacy.accounting``), charged to every data year the question touches from the council's
allocation, its share of that year's cap (``privacy.ledger``): an OR pays from ``or:ORG`` and
only ever sees its own organisation; the GOR pays from ``gor`` and may ask about one or all
organisations. Without a share, or above what is left of it, the question is refused with the
ledger's Dutch message and nothing is spent. Requests made before the cap (``Release.legacy``)
cost epsilon from the council's budget of the earlier design and are labelled so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as WerkzeugResponse

from analytics.reading import display_with_margin
from dashboards.council.files import attachment, safe_filename
from dashboards.council.precision import (
    EPSILON,
    Precision,
    default_precision,
    level_of,
    nl_decimal,
    options,
    precision_labels,
)
from dashboards.council.scope import council_only, principal
from dashboards.council.views import bp
from privacy.asked import AskedQuery
from privacy.consumers import consumer_for
from privacy.exports import release_to_csv, release_to_json
from privacy.kinds import DIMENSIONS, GRAINS, MEASURES, TAXONOMY_FIELDS, Mechanism
from privacy.ledger import BudgetExceeded, BudgetStatus, format_epsilon
from privacy.released import ReleasedTable
from privacy.releases import Release
from privacy.specs import QuerySpec
from registry.accounts import Principal
from registry.errors import FieldError, NotFound, ValidationFailed
from registry.periods import Month
from web.access import services
from web.forms import FieldMessage, FormFields
from web.permissions import (
    OrganisationAccess,
    may_read_release,
    may_see_organisation,
    organisation_access,
    sees_every_organisation,
    visible_organisations,
)

ALL = "alle"
DEFAULT_EPSILON = "0.5"
SHOWN_CELLS = 500
FORM_FIELDS = ("organisation", "measure", "from", "to", "grain", "precisie", "epsilon")
# Where an error about a spec field is shown in the form.
# The form's fields in page order; a summary link leads to the first control of each. A problem
# with the question as a whole ("" or a field not on the form) links to its first question.
REQUEST_FORM = FormFields(
    ("organisation", "filters", "measure", "group_by", "from", "to", "grain", "precisie", "epsilon", ""),
    anchors={"filters": "organisation", "group_by": "group_by-period", "": "measure",
             "epsilon": "precisie-grof", "precisie": "precisie-grof"}, other="")


def dimension_labels() -> dict[str, str]:
    return {"period": _("Periode"), "unit": _("Organisatieonderdeel"),
            "category": _("Categorie"), "channel": _("Kanaal"),
            "implicated_party": _("Betrokken partij"), "reporter_role": _("Rol van de melder"),
            "follow_up": _("Opvolging"), "impact": _("Gevolg")}


def measure_labels() -> dict[str, str]:
    return {"contacts": _("Contacten: elk contact telt"),
            "cases": _("Zaken: een zaak telt één keer per periode")}


def grain_labels() -> dict[str, str]:
    return {"month": _("Maand"), "quarter": _("Kwartaal"), "year": _("Jaar")}


@dataclass(frozen=True)
class YearShare:
    """The council's share of one data year's cap, and what a question would take of it."""

    year: int
    status: BudgetStatus
    cost: Fraction = Fraction(0)

    @property
    def percent(self) -> str | None:
        """The cost as a percentage of the share ("9" or "0,5"), None without a share."""
        if self.status.total <= 0:
            return None
        value = float(self.cost / self.status.total * 100)
        return (f"{value:.0f}" if value >= 1 or value == 0 else f"{value:.1f}").replace(".", ",")


def _shares(consumer: str, years: tuple[int, ...], cost: Fraction = Fraction(0),
            ) -> list[YearShare]:
    ledger = services().ledger
    return [YearShare(y, ledger.status(consumer, y), cost) for y in years]


@bp.get("/aanvragen")
@council_only
def requests_list() -> str:
    who = principal()
    consumer = consumer_for(who)
    year = services().queries.today().year
    releases = services().releases.list_for(consumer)
    shares = _shares(consumer, (year - 1, year))
    # Last year only when the council has (had) a share of it: questions about last year's
    # months are charged to it.
    shares = [s for s in shares if s.year == year or s.status.total or s.status.spent]
    return render_template("council/requests.html", releases=releases, shares=shares,
                           year=year, format_epsilon=nl_decimal,
                           summaries={r.id: _summary(AskedQuery.of_release(r.spec))
                                      for r in releases},
                           legacy=any(r.legacy for r in releases))


@bp.get("/aanvragen/nieuw")
@council_only
def request_form() -> str:
    # Default: the calendar year up to last month, the last month that is complete.
    last = Month.current().add(-1)
    remaining = services().ledger.status(consumer_for(principal()), last.year).remaining
    values = MultiDict({"measure": "contacts", "from": str(Month(last.year, 1)),
                        "to": str(last), "grain": "month",
                        "precisie": default_precision(remaining).value,
                        "organisation": ALL})
    return _form(values, [])


def default_epsilon(remaining: Fraction) -> str:
    """A first suggestion the council can afford: at most a quarter of what is left of its
    share (rho = epsilon^2 / 2), at most ``DEFAULT_EPSILON``, two decimals, at least 0.01."""
    if remaining <= 0:
        return DEFAULT_EPSILON  # nothing to spend: the preview explains why
    # The largest k with (k/100)^2 / 2 <= remaining / 4, exactly: k^2 <= 5000 * remaining.
    hundredths = math.isqrt(math.floor(5000 * remaining))
    epsilon = min(max(Fraction(hundredths, 100), Fraction(1, 100)), Fraction(DEFAULT_EPSILON))
    return format_epsilon(epsilon)


@bp.post("/aanvragen/voorbeeld")
@council_only
def request_preview() -> tuple[str, int] | str:
    who = principal()
    try:
        spec = _spec(who, request.form)
    except ValidationFailed as exc:
        return _form(request.form, exc.errors), 422
    consumer = consumer_for(who)
    preview = services().queries.preview(consumer, spec)
    years = tuple(preview["data_years"])
    cost = Fraction(0) if preview["cached"] else Fraction(preview["cost"])
    return render_template("council/request_preview.html", spec=spec, preview=preview,
                           hidden=_hidden(request.form), text=_summary(AskedQuery.of(spec)),
                           shares=_shares(consumer, years, cost),
                           format_epsilon=nl_decimal, levels=options(consumer, spec, years),
                           chosen_level=level_of(spec.epsilon),
                           refusal=None if preview["allowed"] else _refusal(consumer, years, cost))


@bp.post("/aanvragen/bevestigen")
@council_only
def request_confirm() -> WerkzeugResponse | tuple[str, int]:
    who = principal()
    try:
        spec = _spec(who, request.form)
    except ValidationFailed as exc:
        return _form(request.form, exc.errors), 422
    try:
        release, _spent, _budget = services().queries.run(consumer_for(who), spec)
    except BudgetExceeded as exc:
        return render_template("council/budget_exhausted.html", message=exc.message,
                               year=exc.year), 403
    return redirect(url_for("council.request_detail", release_id=release.id), code=303)


@bp.get("/aanvragen/<release_id>")
@council_only
def request_detail(release_id: str) -> str:
    release = _own_release(release_id)
    result = ReleasedTable.from_json(release.result)
    half = float(result.ci95_halfwidth)
    # The one display rule of every page: never below zero, "te onzeker" when the margin is
    # larger than the figure. The downloads keep the signed, unclamped estimates.
    shown = [(dict(zip(result.group_by, cell.key, strict=True)),
              display_with_margin(float(cell.estimate), half))
             for cell in result.cells[:SHOWN_CELLS]]
    return render_template("council/request_detail.html", release=release, result=result,
                           cells=shown, total_cells=len(result.cells),
                           label=_cell_label, text=_summary(AskedQuery.of_release(release.spec)),
                           dimensions=dimension_labels())


@bp.get("/aanvragen/<release_id>/<fmt>")
@council_only
def request_file(release_id: str, fmt: str) -> Response:
    release = _own_release(release_id)
    if fmt == "json":
        return attachment(release_to_json(release),
                          safe_filename("aanvraag", release.id, ext="json"), "json")
    if fmt == "csv":
        return attachment(release_to_csv(release),
                          safe_filename("aanvraag", release.id, ext="csv"), "csv")
    raise NotFound(_("Dit downloadformaat bestaat niet."))


# -- form handling -------------------------------------------------------------------------

def _spec(who: Principal, form: MultiDict[str, str]) -> QuerySpec:
    """Validate the form into a spec; raises ValidationFailed naming each bad field."""
    epsilon = form.get("epsilon", "").strip().replace(",", ".") or None
    level = form.get("precisie")
    if level is not None:
        if level not in {p.value for p in Precision}:
            raise ValidationFailed(errors=[FieldError(
                "precisie", _("Kies hoe nauwkeurig het antwoord moet zijn: grof, normaal of "
                              "nauwkeurig."))])
        epsilon = format_epsilon(EPSILON[Precision(level)])
    raw: dict[str, Any] = {"measure": form.get("measure") or None,
                           "group_by": form.getlist("group_by"),
                           "from": form.get("from", "").strip(),
                           "to": form.get("to", "").strip(),
                           "grain": form.get("grain") or None,
                           "mechanism": Mechanism.LAPLACE.value,
                           "epsilon": epsilon}
    chosen = form.get("organisation", ALL)
    if chosen != ALL and not may_see_organisation(who, chosen):
        raise ValidationFailed(errors=[FieldError(
            "organisation", _("U kunt alleen cijfers van uw eigen organisatie opvragen."))])
    if chosen != ALL and sees_every_organisation(who):
        # An OR's questions are held to its organisation by its scope (``queries.parse``);
        # only a council that sees every organisation narrows a question down to one.
        if organisation_access(who, services().org(), chosen) is not OrganisationAccess.VISIBLE:
            raise ValidationFailed(errors=[FieldError(
                "organisation", _("Kies een organisatie uit de lijst, of alle."))])
        raw["filters"] = {"organisation": [chosen]}
    return services().queries.parse(raw, who.organisations)


def _form(values: MultiDict[str, str], errors: list[FieldError]) -> str:
    who = principal()
    organisations = [(code, services().org().get(code).name)
                     for code in visible_organisations(who, services().org())]
    # The view words its own organisation check (``_spec``) through gettext; every other message
    # is QueryService.parse's Dutch.
    messages = [FieldMessage(e.field, e.message, dutch=e.field != "organisation") for e in errors]
    # The levels with their margin for the question as it stands (when it is complete).
    try:
        spec: QuerySpec | None = _spec(who, values)
    except ValidationFailed:
        spec = None
    to = values.get("to", "")
    years = (int(to[:4]),) if to[:4].isascii() and to[:4].isdigit() else (Month.current().year,)
    chosen_level = values.get("precisie") or (level_of(_fraction(values.get("epsilon")))
                                              or "")
    return render_template(
        "council/request_form.html", values=values, chosen=values.getlist("group_by"),
        errors=REQUEST_FORM.errors(messages), central=sees_every_organisation(who),
        organisations=organisations, dimensions=dimension_labels(), measures=measure_labels(),
        grains=grain_labels(), measure_codes=MEASURES, grain_codes=GRAINS,
        dimension_codes=DIMENSIONS, all_value=ALL,
        levels=options(consumer_for(who), spec, years), chosen_level=chosen_level)


def _fraction(text: str | None) -> Fraction | None:
    try:
        return Fraction((text or "").strip().replace(",", "."))
    except (ValueError, ZeroDivisionError):
        return None


def _hidden(form: MultiDict[str, str]) -> list[tuple[str, str]]:
    """The answers to carry to the confirm step; they are validated again there."""
    pairs = [(name, form.get(name, "")) for name in FORM_FIELDS if name in form]
    pairs += [("group_by", value) for value in form.getlist("group_by") if value in DIMENSIONS]
    return pairs


def _summary(query: AskedQuery) -> dict[str, str]:
    """A question in plain Dutch, for lists and the preview (a council's is always Laplace)."""
    dims = dimension_labels()
    organisations = query.filters.get("organisation")
    return {
        "measure": measure_labels().get(query.measure, query.measure),
        "group_by": ", ".join(dims.get(d, d) for d in query.group_by) or _("geen: één totaal"),
        "period": f"{query.start} t/m {query.end}",
        "grain": grain_labels().get(query.grain, query.grain),
        "organisation": (", ".join(_organisation_name(c) for c in organisations)
                         if organisations else _("alle organisaties")),
        "epsilon": nl_decimal(query.budget or ""),
        "precision": _precision_text(query.budget),
    }


def _organisation_name(code: str) -> str:
    org = services().org()
    return str(org.get(code).name) if code in org else code


def _precision_text(epsilon: str | None) -> str:
    level = level_of(_fraction(str(epsilon)) if epsilon is not None else None)
    if level is not None:
        return precision_labels()[level]
    return _("eigen keuze (epsilon %(epsilon)s)", epsilon=nl_decimal(str(epsilon)))


def _refusal(consumer: str, years: tuple[int, ...], cost: Fraction) -> str:
    """The ledger's Dutch refusal for the first data year that cannot pay ``cost``."""
    ledger = services().ledger
    for year in years:
        allowed, remaining = ledger.preview(consumer, year, cost)
        if not allowed:
            # Short of the share, or (with share left) of the year's cap itself.
            cap = ledger.status(consumer, year).remaining >= cost
            return BudgetExceeded(consumer, year, cost, remaining, cap=cap).message
    return BudgetExceeded(consumer, years[0], cost, Fraction(0)).message


def _cell_label(dimension: str, code: str) -> str:
    if dimension in TAXONOMY_FIELDS:
        try:
            return str(services().taxonomy.label(TAXONOMY_FIELDS[dimension], code))
        except KeyError:
            return code
    if dimension == "unit" and code in services().org():
        return str(services().org().get(code).name)
    return code


def _own_release(release_id: str) -> Release:
    who = principal()
    if len(release_id) > 64 or not release_id.isalnum():
        raise NotFound(_("Deze aanvraag bestaat niet."))
    try:
        release = services().releases.get(release_id)
    except NotFound:
        raise NotFound(_("Deze aanvraag bestaat niet.")) from None
    if not may_read_release(who, release.scope):
        # Another council's release: do not even confirm that it exists.
        raise NotFound(_("Deze aanvraag bestaat niet."))
    return release


@bp.post("/aanvragen/aanpassen")
@council_only
def request_edit() -> str:
    """Back from the preview to the form, with the answers kept (no JavaScript needed)."""
    return _form(request.form, [])
