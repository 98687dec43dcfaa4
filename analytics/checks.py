"""Checks per unit x category: consistent, stable, remarkable (after the A&O-fonds whitepaper).

Works on released tables only. Every check answers "ja", "nee" or "onbekend": "onbekend" is the
honest answer when the noise is too large to tell, and it is never reported as "nee". Each
answer carries a plain-Dutch explanation (``explanation_nl``) and its numbers (``evidence``).

Rules (defaults in :class:`CheckRules`; "credibly" means at one-sided 95% confidence, normal
approximation; a single discrete-Laplace cell's one-sided tail at 1.645 sd is 4.9%):

consistent
    Seen by several distinct cases through several channels, over the last ``window_months``
    (6) months summed, in the unit's own cell:
    - cases: the summed ``cases_unit_category`` estimate's one-sided lower bound is at least
      ``min_cases`` (3) -> yes; its one-sided upper bound is below 3 -> no. Monthly case tables
      count a case once per month, so the sum counts case-months: a case with contacts in two
      months counts twice. Read "3 cases" as "3 case-months" (a weaker statement).
    - channels: in ``contacts_unit_category_channel`` summed over the window, a channel is
      credibly used when its lower bound is above 0 and credibly unused when its upper bound is
      below 1. At least ``min_channels`` (2) credibly used -> yes; fewer than 2 possibly used ->
      no. (With six channels and no signals at all, two channels pass by chance about 3% of the
      time.)
    Both yes -> "ja"; either no -> "nee"; else "onbekend".
stable
    Present in at least ``stable_months`` (3) of the last ``stable_window`` (6) months: a month
    counts as present when its ``contacts_unit_category`` cell's lower bound is above 0, and as
    absent when its upper bound is below 1. Enough present months -> "ja"; too few months that
    could be present -> "nee"; else "onbekend". With no signals at all, three false "present"
    months out of six happen about 0.2% of the time.
remarkable
    The unit's rate over the window lies above the upper 99.8% control limit against its peers
    (``analytics.benchmarks``: Poisson variation, the noise of the unit's cells and of the
    reference). Above -> "ja". Not above, and a doubling of the reference rate would have landed
    above the limit with 90% probability -> "nee". Otherwise "onbekend": the check could not
    have seen a doubling, so "not remarkable" would claim more than the data can carry.

A pair is *flagged* (a possible hotspot) when it is remarkable; consistent and stable are the
context a reader needs to weigh it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from types import MappingProxyType
from typing import Any

from analytics.benchmarks import REFERENCES, UnitComparison, compare_units
from analytics.intervals import Estimate, nl_number, z_value
from analytics.published import PublishedMonth, last_months, one_organisation, window_sums
from registry.organisations import OrgStructure
from registry.periods import Month

CHECKS = ("consistent", "stable", "remarkable")
STATUSES = ("ja", "nee", "onbekend")


@dataclass(frozen=True)
class CheckRules:
    window_months: int = 6
    min_cases: int = 3
    min_channels: int = 2
    stable_months: int = 3
    stable_window: int = 6
    confidence: float = 0.95
    """One-sided confidence for "credibly present" and the case bound."""
    remarkable_level: float = 0.998
    power: float = 0.9
    readable_ratio: float = 2.0
    """"nee" for remarkable only when a rate this many times the reference would be seen."""
    reference: str = "peers"

    def __post_init__(self) -> None:
        for name in ("window_months", "min_cases", "min_channels", "stable_months",
                     "stable_window"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.stable_months > self.stable_window:
            raise ValueError("stable_months cannot exceed stable_window")
        for name in ("confidence", "remarkable_level", "power"):
            if not 0.5 < getattr(self, name) < 1:
                raise ValueError(f"{name} must be between 0.5 and 1")
        if self.readable_ratio <= 1:
            raise ValueError("readable_ratio must be above 1")
        if self.reference not in REFERENCES:
            raise ValueError(f"reference must be one of {REFERENCES}")


@dataclass(frozen=True)
class Flag:
    check: str
    status: str
    explanation_nl: str
    evidence: Mapping[str, Any]

    def __post_init__(self) -> None:
        if self.check not in CHECKS:
            raise ValueError(f"check must be one of {CHECKS}")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        if not self.explanation_nl:
            raise ValueError("every flag explains itself")
        object.__setattr__(self, "evidence", MappingProxyType(dict(self.evidence)))

    @property
    def flagged(self) -> bool:
        return self.status == "ja"

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "status": self.status,
                "explanation_nl": self.explanation_nl, "evidence": dict(self.evidence)}


@dataclass(frozen=True)
class PairCheck:
    unit: str
    unit_name: str
    category: str
    consistent: Flag
    stable: Flag
    remarkable: Flag

    @property
    def flagged(self) -> bool:
        """A possible hotspot: the remarkable check says yes."""
        return self.remarkable.flagged

    @property
    def all_three(self) -> bool:
        return self.consistent.flagged and self.stable.flagged and self.remarkable.flagged

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "unit_name": self.unit_name, "category": self.category,
                "flagged": self.flagged,
                **{c: getattr(self, c).as_dict() for c in CHECKS}}


@dataclass(frozen=True)
class CheckReport:
    organisation: str
    window: tuple[str, ...]
    stable_window: tuple[str, ...]
    rules: CheckRules
    pairs: tuple[PairCheck, ...]

    def flagged(self) -> tuple[PairCheck, ...]:
        return tuple(p for p in self.pairs if p.flagged)

    def pair(self, unit: str, category: str) -> PairCheck:
        for p in self.pairs:
            if p.unit == unit and p.category == category:
                return p
        raise KeyError((unit, category))

    def summary(self) -> dict[str, dict[str, int]]:
        """Per check, how many pairs got each status."""
        return {c: {s: sum(getattr(p, c).status == s for p in self.pairs) for s in STATUSES}
                for c in CHECKS}

    def as_dict(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "window": list(self.window),
                "stable_window": list(self.stable_window), "rules": asdict(self.rules),
                "summary": self.summary(), "pairs": [p.as_dict() for p in self.pairs]}


def run_checks(
    months: Sequence[PublishedMonth], org: OrgStructure, *, rules: CheckRules | None = None,
    end: Month | None = None, categories: Sequence[str] | None = None,
) -> CheckReport:
    """All three checks for every released unit x category of one organisation."""
    rules = rules or CheckRules()
    organisation, ordered = one_organisation(months)
    window = last_months(ordered, rules.window_months, end)
    stable_window = last_months(ordered, rules.stable_window, end)
    if not window:
        raise ValueError("no publications in the window")
    contacts = window_sums(window, "contacts_unit_category")
    cases = window_sums(window, "cases_unit_category")
    channels = window_sums(window, "contacts_unit_category_channel")
    channel_codes = window[-1].table("contacts_unit_category_channel").codes("channel")
    monthly = [m.table("contacts_unit_category") for m in stable_window]
    if categories is None:
        categories = window[-1].table("contacts_unit_category").codes("category")
    pairs = []
    for category in categories:
        comparisons = compare_units(window, org, category=category, reference=rules.reference,
                                    sums=contacts)
        for unit, comparison in comparisons.items():
            case_count = Estimate(float(cases.get(unit, category)), cases.noise_variance)
            by_channel = {ch: Estimate(float(channels.get(unit, category, ch)),
                                       channels.noise_variance) for ch in channel_codes}
            per_month = [(str(t.month), Estimate(float(t.estimate(unit, category)),
                                                 t.noise_variance)) for t in monthly]
            pairs.append(PairCheck(
                unit=unit, unit_name=comparison.name, category=category,
                consistent=_consistent(case_count, by_channel, len(window), rules),
                stable=_stable(per_month, rules),
                remarkable=_remarkable(comparison, rules),
            ))
    return CheckReport(organisation, tuple(str(m.month) for m in window),
                       tuple(str(m.month) for m in stable_window), rules, tuple(pairs))


def _n(x: float) -> str:
    return nl_number(x, 0)


def _consistent(cases: Estimate, channels: Mapping[str, Estimate], months: int,
                rules: CheckRules) -> Flag:
    conf, k = rules.confidence, rules.min_cases
    low, high = cases.one_sided_lower(conf), cases.one_sided_upper(conf)
    case_status = "ja" if low >= k else "nee" if high < k else "onbekend"
    used = [c for c, e in channels.items() if e.one_sided_lower(conf) > 0]
    possible = [c for c, e in channels.items() if e.one_sided_upper(conf) >= 1]
    channel_status = ("ja" if len(used) >= rules.min_channels else
                      "nee" if len(possible) < rules.min_channels else "onbekend")
    status = ("ja" if case_status == channel_status == "ja" else
              "nee" if "nee" in (case_status, channel_status) else "onbekend")
    needed = k + z_value(conf, one_sided=True) * cases.sd
    case_text = (f"naar schatting {_n(cases.value)} zaken (zaak-maanden) in {months} maanden, "
                 f"met 95% zekerheid minstens {_n(max(low, 0))} en hoogstens {_n(max(high, 0))}")
    channel_text = (f"{len(used)} kanalen zijn met zekerheid gebruikt"
                    + (f" ({', '.join(used)})" if used else "")
                    + f", {len(possible)} kunnen gebruikt zijn")
    if status == "ja":
        text = (f"Consistent: {case_text} (drempel {k}); {channel_text}. Meerdere mensen via "
                "meerdere kanalen.")
    elif status == "nee":
        reason = (f"met 95% zekerheid minder dan {k} zaken" if case_status == "nee" else
                  f"minder dan {rules.min_channels} kanalen kunnen gebruikt zijn")
        text = f"Niet consistent: {reason}; {case_text}; {channel_text}."
    else:
        text = (f"Niet te beoordelen: {case_text}; {channel_text}. De ruis is te groot om "
                f"'minstens {k} zaken via {rules.min_channels} kanalen' aan te tonen of uit te "
                f"sluiten; daarvoor is een schatting van ongeveer {_n(needed)} zaken nodig.")
    return Flag("consistent", status, text, {
        "months": months, "cases": cases.value, "cases_sd": round(cases.sd, 3),
        "cases_lower": round(low, 3), "cases_upper": round(high, 3), "min_cases": k,
        "cases_status": case_status, "channels_used": used, "channels_possible": possible,
        "min_channels": rules.min_channels, "channels_status": channel_status,
        "cases_needed_for_yes": round(needed, 3),
    })


def _stable(per_month: list[tuple[str, Estimate]], rules: CheckRules) -> Flag:
    conf, m = rules.confidence, rules.stable_months
    present = [month for month, e in per_month if e.one_sided_lower(conf) > 0]
    absent = [month for month, e in per_month if e.one_sided_upper(conf) < 1]
    n = len(per_month)
    if len(present) >= m:
        status = "ja"
    elif n - len(absent) < m and n >= rules.stable_window:
        status = "nee"
    else:
        status = "onbekend"
    sd = per_month[0][1].sd if per_month else 0.0
    needed = z_value(conf, one_sided=True) * sd
    head = (f"in {len(present)} van de {n} maanden met zekerheid aanwezig, in {len(absent)} "
            "met zekerheid afwezig")
    if status == "ja":
        text = f"Stabiel: {head} (minstens {m} nodig)."
    elif status == "nee":
        text = f"Niet stabiel: {head}; er kunnen hoogstens {n - len(absent)} maanden zijn."
    elif n < rules.stable_window:
        text = f"Niet te beoordelen: pas {n} van de {rules.stable_window} maanden gepubliceerd; {head}."
    else:
        text = (f"Niet te beoordelen: {head}. Een maand telt pas als aanwezig bij een schatting "
                f"boven ongeveer {_n(needed)} contacten; de ruis per maand is te groot.")
    return Flag("stable", status, text, {
        "months": [month for month, _ in per_month],
        "estimates": [e.value for _, e in per_month], "noise_sd": round(sd, 3),
        "present": present, "absent": absent, "min_months": m,
        "window": rules.stable_window, "estimate_needed_per_month": round(needed, 3),
    })


def _remarkable(c: UnitComparison, rules: CheckRules) -> Flag:
    level = rules.remarkable_level
    if not c.comparable:
        return Flag("remarkable", "onbekend",
                    "Niet te beoordelen: er is geen groep van vergelijkbare eenheden (zelfde "
                    "niveau) of de eenheid heeft geen eigen formatie.",
                    {"reference_units": c.reference_units, "headcount": c.headcount})
    rate, reference = c.rate, c.reference_rate
    assert rate is not None and reference is not None
    upper = c.rate_limits(level)[1]
    detectable = c.detectable_rate(level, rules.power) or 0.0
    ratio = c.detectable_ratio(level, rules.power)
    level_nl = nl_number(level * 100, 1)
    head = (f"{nl_number(rate.value, 2)} contacten per 100 fte per jaar (95%-interval "
            f"{nl_number(rate.lower, 2)} tot {nl_number(rate.upper, 2)}) tegen "
            f"{nl_number(reference.value, 2)} bij {c.reference_units} eenheden op hetzelfde niveau")
    if c.above(level):
        status = "ja"
        text = (f"Opvallend: {head}. Dat ligt boven de {level_nl}%-controlegrens van "
                f"{nl_number(upper, 2)}, die rekening houdt met toeval en met de ruis.")
    elif ratio <= rules.readable_ratio:
        status = "nee"
        text = (f"Niet opvallend: {head}; onder de {level_nl}%-controlegrens van "
                f"{nl_number(upper, 2)}. Vanaf {nl_number(detectable, 2)} per 100 fte was het "
                f"met {nl_number(rules.power * 100, 0)}% kans opgevallen.")
    else:
        status = "onbekend"
        times = nl_number(ratio, 0) if ratio < 1e6 else "onbepaald veel"
        text = (f"Niet te beoordelen: {head}. De ruis is te groot: pas vanaf "
                f"{nl_number(detectable, 2)} per 100 fte per jaar ({times} keer de referentie) "
                f"zou dit met {nl_number(rules.power * 100, 0)}% kans opvallen.")
    return Flag("remarkable", status, text, {
        "months": c.months, "headcount": c.headcount, "count": c.count.value,
        "count_sd": round(c.count.sd, 3), "rate": round(rate.value, 4),
        "rate_lower": round(rate.lower, 4), "rate_upper": round(rate.upper, 4),
        "reference_rate": round(reference.value, 4), "reference_units": c.reference_units,
        "expected_count": round(c.expected, 3), "z": round(c.z or 0.0, 3),
        "control_level": level, "upper_limit_rate": round(upper, 4),
        "detectable_rate": round(detectable, 4),
        "detectable_ratio": round(ratio, 3) if ratio != float("inf") else None,
    })
