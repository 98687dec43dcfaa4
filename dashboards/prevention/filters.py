"""The dashboard's filters: read from the query string, checked, explained in Dutch.

The filters are organisation, unit subtree, categories, period, grain and the reference for
comparisons. A link from one page to another keeps the choice, but each page offers (and
checks) only the filters it applies (:data:`PAGE_FILTERS`): the published figures do not have
every breakdown on every page (months exist per organisation only, categories per DG row per
year or half year), and a control that changes nothing would pretend they do. A wrong
value is never a 500: it becomes a :class:`FieldError` with a Dutch message that the page shows
beside its field (status 422). Only an organisation the person may not see is refused outright
(403), because that is not a mistake to correct but a boundary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from privacy.coarsening import released_units
from privacy.kinds import GRAINS
from registry.accounts import Principal
from registry.errors import FieldError, Forbidden
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.taxonomy import Taxonomy
from web.permissions import OrganisationAccess, default_organisation, organisation_access

REFERENCES = ("peers", "organisation")
ALWAYS = frozenset({"organisation", "from", "to"})
PAGE_FILTERS: dict[str, frozenset[str]] = {
    # Months and quarters are published per organisation only, for all categories together.
    "trends": ALWAYS | {"grain"},
    # Categories per DG row, for the last complete year and the running year's half years.
    "units": ALWAYS | {"unit", "category"},
    # Rates per DG row of the last complete year, against the DGs or the whole organisation.
    "benchmarks": ALWAYS | {"unit", "category", "reference"},
    # The follow-up table is published per organisation, for all categories together.
    "follow_up": ALWAYS,
}
"""The filters each page applies, by page (``Page`` value); the others are neither shown nor checked there."""
DEFAULT_MONTHS = 12
MAX_MONTHS = 120


Args = MultiDict[str, str]
"""request.args: one value per name, several for the categories."""


@dataclass(frozen=True)
class Filters:
    organisation: str
    unit: str | None
    categories: tuple[str, ...]
    """As chosen; empty means all, in taxonomy order.

    The default is a public fact (the taxonomy and its order), never the categories with the
    highest released values: those values carry noise, so a "top 5" by value would pick
    categories partly by chance, change from release to release without anything changing,
    and make small noisy figures look like the largest problems.
    """
    start: Month
    end: Month
    grain: str = "month"
    reference: str = "peers"

    def query(self) -> dict[str, str | list[str]]:
        """The filters as query parameters, for links between pages and to the CSV files."""
        out: dict[str, str | list[str]] = {"organisation": self.organisation,
                                           "from": str(self.start), "to": str(self.end),
                                           "grain": self.grain, "reference": self.reference}
        if self.unit:
            out["unit"] = self.unit
        if self.categories:
            out["category"] = list(self.categories)
        return out


@dataclass(frozen=True)
class FilterResult:
    filters: Filters
    """Usable filters: where a value was wrong, its default stands in (for the form only)."""
    errors: tuple[FieldError, ...]
    typed: Mapping[str, str] = field(default_factory=dict)
    """What was typed in the month fields, to show it back beside its error."""


def organisation_of(args: Mapping[str, str], principal: Principal, org: OrgStructure,
                    ) -> tuple[str, FieldError | None]:
    """The organisation asked for; 403 for one outside the person's scope."""
    fallback = default_organisation(principal, org)
    raw = (args.get("organisation") or "").strip() or fallback
    access = organisation_access(principal, org, raw)
    if access is OrganisationAccess.UNKNOWN:
        return fallback, FieldError("organisation", _("Kies een organisatie uit de lijst."))
    if access is OrganisationAccess.OUT_OF_SCOPE:
        raise Forbidden(_("U kunt alleen de cijfers van uw eigen organisatie bekijken."))
    return raw, None


def parse_filters(args: Args, principal: Principal, org: OrgStructure, taxonomy: Taxonomy,
                  threshold: int, latest: Callable[[str], Month | None],
                  applied: frozenset[str] | None = None) -> FilterResult:
    """Check the filters; ``latest`` gives an organisation's newest published month.

    ``applied`` are the page's own filters (:data:`PAGE_FILTERS`; None: all). A wrong value in
    a filter the page does not offer is no error there: it falls back to its default, as it
    could not be corrected on that page.
    """
    errors: list[FieldError] = []
    organisation, problem = organisation_of(args, principal, org)
    if problem is not None:
        errors.append(problem)
    newest = latest(organisation) if organisation else None
    default_end = newest or Month.current().add(-1)
    end = _month(args, "to", default_end, errors)
    start = _month(args, "from", end.add(-(DEFAULT_MONTHS - 1)), errors)
    if not any(e.field in ("from", "to") for e in errors):
        if start > end:
            errors.append(FieldError("from", _("De beginmaand ligt na de eindmaand; kies een "
                                               "beginmaand vóór de eindmaand.")))
        elif end.index - start.index + 1 > MAX_MONTHS:
            errors.append(FieldError("from", _("Kies een periode van hoogstens %(n)s maanden.",
                                               n=MAX_MONTHS)))
    if errors and any(e.field in ("from", "to") for e in errors):
        start, end = default_end.add(-(DEFAULT_MONTHS - 1)), default_end
    grain = _choice(args, "grain", GRAINS, _("Kies per maand, per kwartaal of per jaar."), errors)
    reference = _choice(args, "reference", REFERENCES,
                        _("Kies vergelijken met eenheden op hetzelfde niveau of met de hele "
                          "organisatie."), errors)
    unit = _unit(args, organisation, org, threshold, errors)
    categories = _categories(args, taxonomy, errors)
    typed = {name: (args.get(name) or "").strip() for name in ("from", "to")}
    if applied is not None:
        errors = [e for e in errors if e.field in applied or e.field == ""]
    return FilterResult(Filters(organisation, unit, categories, start, end, grain, reference),
                        tuple(errors), typed)


def unit_choices(org: OrgStructure, organisation: str, threshold: int,
                 ) -> list[tuple[str, str, int]]:
    """(code, name, depth) of every unit shown on its own, in tree order (for the select)."""
    if organisation not in org:
        return []
    released = set(released_units(org, threshold))
    out: list[tuple[str, str, int]] = []

    def walk(code: str, depth: int) -> None:
        if code not in released:
            return
        out.append((code, org.get(code).name, depth))
        for child in sorted(org.children(code), key=lambda c: org.get(c).name):
            walk(child, depth + 1)

    walk(organisation, 0)
    return out


def _month(args: Args, name: str, default: Month, errors: list[FieldError]) -> Month:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        return Month.parse(raw)
    except ValueError:
        label = _("beginmaand") if name == "from" else _("eindmaand")
        errors.append(FieldError(name, _("De %(label)s '%(raw)s' is geen maand. Gebruik het formaat "
                                         "JJJJ-MM, bijvoorbeeld 2026-03.",
                                         label=label, raw=raw[:20])))
        return default


def _choice(args: Args, name: str, options: Sequence[str], message: str,
            errors: list[FieldError]) -> str:
    raw = (args.get(name) or "").strip() or options[0]
    if raw not in options:
        errors.append(FieldError(name, message))
        return options[0]
    return raw


def _unit(args: Args, organisation: str, org: OrgStructure, threshold: int,
          errors: list[FieldError]) -> str | None:
    raw = (args.get("unit") or "").strip()
    if not raw or raw == organisation:
        return None
    if raw not in org or org.get(raw).organisation != organisation:
        errors.append(FieldError("unit", _("Deze eenheid hoort niet bij de gekozen organisatie; "
                                           "kies een eenheid uit de lijst.")))
        return None
    if raw not in released_units(org, threshold):
        errors.append(FieldError("unit", _("Deze eenheid is te klein om apart te tonen (minder "
                                           "dan %(n)s fte); kies de eenheid erboven.",
                                           n=threshold)))
        return None
    return raw


def _categories(args: Args, taxonomy: Taxonomy, errors: list[FieldError]) -> tuple[str, ...]:
    known = taxonomy.codes("categories")
    chosen = [c.strip() for c in args.getlist("category") if c.strip()]
    unknown = [c for c in chosen if c not in known]
    if unknown:
        errors.append(FieldError("category", _("Onbekende categorie; kies categorieën uit de "
                                               "lijst.")))
        chosen = [c for c in chosen if c in known]
    # Keep the taxonomy's order, so the same choice always gives the same page.
    return tuple(c for c in known if c in chosen)
