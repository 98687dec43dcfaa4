"""The hotspot checks as readers see them: the same three lists on every page, API and report.

``analytics.hotspots`` decides; this module only says it, the same way everywhere (the
prevention dashboard, ``GET /api/v1/checks`` and the signalenrapportage):

- *Gevonden*: one plain sentence (B1 Dutch) per finding, with its evidence: the estimate and
  its range, the number expected, whether several cases are involved (consistent) and whether
  it showed in both half years (stabiel). The statistics (p-value, level) go in a separate
  explanation ("Hoe is dit berekend?"), never in the sentence.
- *Te klein om te beoordelen*: grouped per category, with the size a unit would need
  ("vanaf ongeveer 3.600 fte").
- *Niets gevonden*: a count, not a row per pair.

Units are named, not coded; an organisation's rest row (``<ORG>:rest``) is "Rest van <name>".
No sentence claims a certainty about a named unit: a unit is named *because* its figure came
out high, so the range around that figure is not a 95% interval for it any more. What is
controlled is the report as a whole: at most 5% of reports name any unit falsely (``ALPHA``).
A Rijk report checks every organisation at ``ALPHA`` divided by their number, so that holds for
it too.

Which period: a complete data year as a whole (its half years tell whether a finding is
stable), a running year by its latest published half year; with neither, nothing is checked
and ``note`` says why. No Flask here; a page passes its own ``gettext`` as ``_`` (the default
``dutch`` formats the Dutch source text). How units, categories and periods are named is
``analytics.naming``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analytics.hotspots import (
    ALPHA,
    CONSISTENT_CASES,
    FACTOR,
    HotspotReport,
    PairResult,
    Verdict,
    hotspots,
)
from analytics.intervals import nl_number
from analytics.naming import (
    Labels,
    Translate,
    category_label,
    dutch,
    in_unit,
    lower_first,
    period_end,
    period_label,
    plain_name,
    unit_name,
)
from analytics.plan import PlanYear
from analytics.reading import display
from privacy.plan import RIJK, Part
from registry.organisations import OrgStructure
from registry.periods import Month

# -- which period ---------------------------------------------------------------------------


def check_period(py: PlanYear) -> str | None:
    """The period a report of this data year checks: the year when it is complete, else its
    latest published half year; None when there is neither."""
    if py.complete:
        return str(py.year)
    halves = [p for p in py.periods(Part.HALF) if py.dg_half(p) is not None]
    return halves[-1] if halves else None


def run_checks(py: PlanYear, unit: str, period: str, org: OrgStructure,
               ) -> tuple[HotspotReport, ...]:
    """The checks of ``unit`` (an organisation, or RIJK: every organisation at ALPHA / n)."""
    arg = None if period == str(py.year) else period
    if unit != RIJK:
        return (hotspots(py, unit, arg),)
    organisations = [o.code for o in org.organisations]
    return tuple(hotspots(py, o, arg, ALPHA / len(organisations)) for o in organisations)


# -- what is shown ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    unit: str
    unit_name: str
    category: str
    category_label: str
    period: str
    sentence: str
    explanation: str
    """"Hoe is dit berekend?": the statistics behind the sentence."""
    pair: PairResult

    def as_json(self) -> dict[str, Any]:
        """The API's and the signed report's object (``PairResult.as_json`` plus the words)."""
        return {**self.pair.as_json(), "unit_name": self.unit_name,
                "category_label": self.category_label, "period": self.period,
                "sentence_nl": self.sentence, "explanation_nl": self.explanation}


@dataclass(frozen=True)
class SmallGroup:
    """Units too small to judge for one or more categories, and the size they would need.

    Categories with the same units and the same size are one group ("Racisme en Uitsluiting:
    2 onderdelen, ..."), so a small organisation gets a line or two, not one per category."""

    categories: tuple[str, ...]
    labels: tuple[str, ...]
    units: tuple[str, ...]
    """Unit names, in the order of the tree."""
    needed_low: int | None
    needed_high: int | None
    text: str
    """"Pesten: 7 onderdelen, te beoordelen vanaf ongeveer 3.600 fte"."""

    def as_json(self) -> dict[str, Any]:
        return {"categories": list(self.categories), "category_labels": list(self.labels),
                "units": list(self.units), "needed_fte_from": self.needed_low,
                "needed_fte_to": self.needed_high, "text_nl": self.text}


@dataclass(frozen=True)
class CheckSummary:
    """The three lists of one report (one organisation, or the Rijk), for one period."""

    unit: str
    period: str | None
    period_label: str
    reports: tuple[HotspotReport, ...]
    findings: tuple[Finding, ...]
    too_small: tuple[SmallGroup, ...]
    nothing: int
    """Pairs (unit x category) where nothing was found."""
    intro: str
    nothing_text: str
    note: str | None = None
    """Why nothing was checked, if so."""

    @property
    def checked(self) -> bool:
        return self.period is not None and self.note is None

    @property
    def alpha(self) -> float:
        return ALPHA

    def as_json(self) -> dict[str, Any]:
        """``HotspotReport.as_json``'s shape, with the words added to each finding."""
        method = self.reports[0].method if self.reports else None
        return {
            "organisation": self.unit, "period": self.period, "alpha": ALPHA,
            "error_control": "familywise", "method": method,
            "alpha_per_organisation": (ALPHA / len(self.reports) if len(self.reports) > 1
                                       else None),
            "findings": [f.as_json() for f in self.findings],
            "too_small": [{"unit": p.unit, "category": p.category, "needed_fte": p.needed_fte}
                          for r in self.reports for p in r.of(Verdict.TOO_SMALL)],
            "nothing_found": [{"unit": p.unit, "category": p.category}
                              for r in self.reports for p in r.of(Verdict.NOTHING)],
        }


def summarise(py: PlanYear | None, unit: str, org: OrgStructure, taxonomy: Labels, *,
              period: str | None = None, _: Translate = dutch, locale: str = "nl",
              categories: Sequence[str] | None = None) -> CheckSummary:
    """The checks of ``unit`` for ``period`` (default ``check_period``) as the three lists.

    ``categories`` only narrows what is shown (the family is always every category). A
    structure that no longer fits the releases, or a year without the tables, gives an empty
    summary whose ``note`` says so: a page, the API and the report never fail on it.
    """
    if py is not None and period is None:
        period = check_period(py)
    intro = intro_text(unit, org, _)
    if py is None or period is None:
        note = _("Er is nog geen heel jaar of halfjaar gepubliceerd. Wat opvalt, staat hier "
                 "na de publicatie van het eerste halfjaar.")
        return CheckSummary(unit, None, "", (), (), (), 0, intro, "", note)
    try:
        reports = run_checks(py, unit, period, org)
    except (KeyError, ValueError, ArithmeticError):
        # e.g. the structure changed after a release, so its rows no longer match
        note = _("De gepubliceerde cijfers passen niet bij de huidige indeling in onderdelen; "
                 "daarom is niet na te gaan wat opvalt.")
        return CheckSummary(unit, period, period_label(period, _), (), (), (), 0, intro, "",
                            note)
    wanted = set(categories) if categories else None
    pairs = [(r, p) for r in reports for p in r.pairs
             if wanted is None or p.category in wanted]
    rijk = unit == RIJK
    findings = tuple(finding(p, r.organisation, org, taxonomy, period, _, locale, rijk)
                     for r, p in pairs if p.verdict is Verdict.FOUND)
    small = too_small_groups([p for _r, p in pairs if p.verdict is Verdict.TOO_SMALL], org,
                             taxonomy, _, locale, rijk)
    nothing = [p for _r, p in pairs if p.verdict is Verdict.NOTHING]
    return CheckSummary(unit, period, period_label(period, _), reports, findings, small,
                        len(nothing), intro, nothing_text(nothing, _))


def finding(pair: PairResult, organisation: str, org: OrgStructure, taxonomy: Labels,
            period: str, _: Translate = dutch, locale: str = "nl", rijk: bool = False,
            ) -> Finding:
    label = category_label(taxonomy, pair.category, locale)
    return Finding(pair.unit, unit_name(org, pair.unit, _, rijk), pair.category, label, period,
                   finding_sentence(pair, organisation, org, label, period, _, rijk),
                   explanation(pair, organisation, org, label, _, rijk), pair)


def finding_sentence(pair: PairResult, organisation: str, org: OrgStructure, label: str,
                     period: str, _: Translate = dutch, rijk: bool = False) -> str:
    """"In 2025 waren er in DG Uitvoering meer zaken over pesten dan ... verwacht 11. Het gaat
    om meerdere zaken (consistent) en het speelde in beide halfjaren (stabiel).\""""
    shown = display(pair.estimate)
    estimate = shown.interval_text if shown.too_uncertain else shown.text
    first = _("In %(period)s waren er in %(unit)s meer zaken over %(category)s dan je zou "
              "verwachten op grond van het aantal zaken in de organisatie en de verdeling over "
              "het Rijk: ongeveer %(estimate)s, verwacht %(expected)s.",
              period=period_label(period, _), unit=in_unit(org, pair.unit, organisation, _, rijk),
              category=lower_first(label), estimate=estimate,
              expected=_count(pair.expected))
    return f"{first} {_evidence(pair, _)}"


def _evidence(pair: PairResult, _: Translate) -> str:
    if pair.consistent:
        if pair.stable is True:
            return _("Het gaat om meerdere zaken (consistent) en het speelde in beide "
                     "halfjaren (stabiel).")
        if pair.stable is False:
            return _("Het gaat om meerdere zaken (consistent), maar het speelde niet duidelijk "
                     "in beide halfjaren (niet stabiel).")
        return _("Het gaat om meerdere zaken (consistent).")
    if pair.stable is True:
        return _("Het kan om maar een paar zaken gaan (niet zeker consistent); het speelde wel "
                 "in beide halfjaren (stabiel).")
    if pair.stable is False:
        return _("Het kan om maar een paar zaken gaan (niet zeker consistent) en het speelde "
                 "niet duidelijk in beide halfjaren (niet stabiel).")
    return _("Het kan om maar een paar zaken gaan (niet zeker consistent).")


def explanation(pair: PairResult, organisation: str, org: OrgStructure, label: str,
                _: Translate = dutch, rijk: bool = False) -> str:
    """The statistics behind a finding, for "Hoe is dit berekend?"."""
    # The level a finding states is the one its test was held to (for the organisation itself,
    # half its tree level: analytics.hotspots).
    limit = pair.level
    return " ".join((
        _("Verwacht: %(expected)s zaken over %(category)s. Dat is het aantal zaken per fte in "
          "%(organisation)s, maal het aandeel van deze categorie in het hele Rijk, maal de "
          "omvang van %(unit)s.", expected=nl_number(pair.expected, 1),
          category=lower_first(label), organisation=plain_name(org, organisation),
          unit=unit_name(org, pair.unit, _, rijk)),
        _("Als er niets bijzonders speelt, is de kans op een schatting van %(estimate)s of "
          "hoger %(p)s (toeval en de ruis samen, p-waarde). Het onderdeel wordt alleen genoemd "
          "als die kans hoogstens %(limit)s is: zo noemt hoogstens %(alpha)s%% van de "
          "rapportages ten onrechte een onderdeel.", estimate=nl_number(pair.estimate.value, 1),
          p=_probability(pair.p_value, 1e-6), limit=_probability(limit), alpha=round(ALPHA * 100)),
        _("Consistent: de eenzijdige 95%%-ondergrens van de schatting is minstens %(n)s "
          "zaken. Stabiel: in elk halfjaar meer dan de helft van het verwachte aantal.",
          n=CONSISTENT_CASES),
    ))


def too_small_groups(pairs: Sequence[PairResult], org: OrgStructure, taxonomy: Labels,
                     _: Translate = dutch, locale: str = "nl", rijk: bool = False,
                     ) -> tuple[SmallGroup, ...]:
    by_category: dict[str, list[PairResult]] = {}
    for pair in pairs:
        by_category.setdefault(pair.category, []).append(pair)
    rijk_fte = org.total_headcount
    # (units, size) -> categories: the same units at the same size are said once.
    merged: dict[tuple[tuple[str, ...], str, int | None, int | None], list[str]] = {}
    for code, members in by_category.items():
        names = tuple(dict.fromkeys(unit_name(org, p.unit, _, rijk) for p in members))
        needed = sorted({p.needed_fte for p in members if p.needed_fte})
        low, high = (needed[0], needed[-1]) if needed else (None, None)
        merged.setdefault((names, _size(low, high, rijk_fte, _), low, high), []).append(code)
    out = []
    for (names, size, low, high), codes in merged.items():
        labels = tuple(category_label(taxonomy, c, locale) for c in codes)
        count = (_("1 onderdeel") if len(names) == 1
                 else _("%(n)s onderdelen", n=len(names)))
        out.append(SmallGroup(tuple(codes), labels, names, low, high,
                              _("%(category)s: %(count)s, %(size)s.",
                                category=_listed(labels, _), count=count, size=size)))
    return tuple(out)


def _listed(labels: Sequence[str], _: Translate) -> str:
    """"Pesten", "Pesten en Racisme", "Pesten, Racisme en Uitsluiting"."""
    if len(labels) == 1:
        return labels[0]
    return _("%(first)s en %(last)s", first=", ".join(labels[:-1]), last=labels[-1])


def _size(low: int | None, high: int | None, rijk: int, _: Translate) -> str:
    """"te beoordelen vanaf ongeveer 3.600 fte"; a size beyond the Rijk's is said as such."""
    if low is None or high is None or low > rijk:
        return _("ook een onderdeel zo groot als het hele Rijk zou hier te klein zijn")
    if low == high:
        return _("te beoordelen vanaf ongeveer %(fte)s fte", fte=nl_number(low, 0))
    if high > rijk:
        return _("te beoordelen vanaf ongeveer %(fte)s fte of meer, afhankelijk van het "
                 "onderdeel", fte=nl_number(low, 0))
    return _("te beoordelen vanaf ongeveer %(low)s tot %(high)s fte, afhankelijk van het "
             "onderdeel", low=nl_number(low, 0), high=nl_number(high, 0))


def nothing_text(pairs: Sequence[PairResult], _: Translate = dutch) -> str:
    if not pairs:
        return _("Geen: elke combinatie van onderdeel en categorie staat in een van de lijsten "
                 "hierboven.")
    units = len({p.unit for p in pairs})
    categories = len({p.category for p in pairs})
    where = (_("1 combinatie van onderdeel en categorie") if len(pairs) == 1 else
             _("%(n)s combinaties van onderdeel en categorie", n=len(pairs)))
    spread = (_("1 onderdeel") if units == 1 else _("%(n)s onderdelen", n=units))
    kinds = (_("1 categorie") if categories == 1 else _("%(n)s categorieën", n=categories))
    return _("Bij %(where)s (%(units)s, %(categories)s) zijn er niet duidelijk meer zaken dan "
             "je zou verwachten. Dat betekent niet dat daar niets speelt, wel dat het met deze "
             "cijfers niet te zien is.", where=where, units=spread, categories=kinds)


def intro_text(unit: str, org: OrgStructure, _: Translate = dutch) -> str:
    first = _("Per categorie kijken we of een onderdeel duidelijk meer zaken heeft dan je zou "
              "verwachten: de organisatie als geheel, elk DG van minstens 2.000 fte, de rest "
              "van de organisatie en elke directie van minstens 500 fte. Een onderdeel wordt "
              "alleen genoemd als toeval het niet kan verklaren: hoogstens %(alpha)s%% van de "
              "rapportages noemt ten onrechte een onderdeel. Een onderdeel dat te klein is om "
              "zelfs %(factor)s keer zoveel zaken als verwacht op te merken, staat apart.",
              alpha=round(ALPHA * 100), factor=nl_number(FACTOR, 0))
    if unit != RIJK:
        return first
    return " ".join((first, _("Voor het hele Rijk wordt elke organisatie apart bekeken, elk "
                              "met een strengere grens, zodat dat voor dit hele verslag "
                              "geldt.")))


def _count(value: float) -> str:
    return nl_number(value, 0 if value >= 10 else 1)


def _probability(value: float | None, floor: float = 0.0) -> str:
    """A small probability with two significant digits ("0,00051"); below ``floor`` as
    "kleiner dan" the floor."""
    if value is None:
        return "-"
    if value < floor:
        return "kleiner dan " + _probability(floor)
    if value <= 0:
        return "0"
    digits = min(12, max(2, 1 - math.floor(math.log10(value))))
    return nl_number(value, digits).rstrip("0").rstrip(",")


def page_summaries(plan: dict[int, PlanYear], unit: str, end: Month, org: OrgStructure,
                   taxonomy: Labels, *, _: Translate = dutch, locale: str = "nl",
                   categories: Sequence[str] | None = None,
                   ) -> list[CheckSummary]:
    """The last complete year up to ``end`` and the published half years of ``end``'s year
    (if it is running and the half is over by ``end``), oldest first."""
    out: list[CheckSummary] = []
    complete = [y for y, py in plan.items() if py.complete and y <= end.year]
    if complete:
        year = max(complete)
        out.append(summarise(plan[year], unit, org, taxonomy, period=str(year), _=_,
                             locale=locale, categories=categories))
    running = plan.get(end.year)
    if running is not None and not running.complete:
        for half in running.periods(Part.HALF):
            if running.dg_half(half) is not None and period_end(half) <= end:
                out.append(summarise(running, unit, org, taxonomy, period=half, _=_,
                                     locale=locale, categories=categories))
    return out

