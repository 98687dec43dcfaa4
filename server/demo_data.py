"""Synthetic demo data: a fictional Rijk and 24 months of signals at realistic rates.

Everything here is drawn from ``random.Random(seed)``: it is made-up data to look at, not privacy
noise (noise comes from OpenDP in ``privacy/``). The shape follows ``shared/reference``: about ten
ministries, a tree ministry -> directoraat-generaal (DG) -> directie -> afdeling, leaves of 20 to
400 FTE, about 100,000 FTE in all, and 1 to 5 signals per 100 FTE a year.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from privacy.pseudonyms import new_case_token
from registry.organisations import OrgStructure, OrgUnit
from registry.periods import Month, month_range
from registry.records import SignalRecord
from registry.taxonomy import load_taxonomy

DEFAULT_SEED = 2026
DEMO_FOCUS = "BFZ"  # the demo ministry (server.demo.DEMO_ORGANISATION)
T = TypeVar("T")

# (code, name, FTE): fictional ministries, sized like the real Rijk (one big tax-and-benefits
# ministry, a large justice one, several mid-sized and a small foreign service). Sums to 100,000.
MINISTRIES: tuple[tuple[str, str, int], ...] = (
    ("BFZ", "Ministerie van Belastingen en Financiële Zaken", 24_000),
    ("RV", "Ministerie van Recht en Veiligheid", 18_000),
    ("WW", "Ministerie van Water en Wegen", 11_000),
    ("WI", "Ministerie van Werk en Inkomen", 9_000),
    ("BIK", "Ministerie van Binnenland en Koninkrijk", 8_000),
    ("EK", "Ministerie van Economie en Klimaat", 7_500),
    ("LNV", "Ministerie van Landbouw, Natuur en Voedsel", 6_500),
    ("OW", "Ministerie van Onderwijs en Wetenschap", 6_000),
    ("ZW", "Ministerie van Zorg en Welzijn", 5_500),
    ("BB", "Ministerie van Buitenlandse Betrekkingen", 4_500),
)
# Ministries with much public contact see more aggression by citizens.
PUBLIC_FACING = frozenset({"BFZ", "RV", "WI"})

DG_NAMES = ("Beleid", "Uitvoering", "Toezicht", "Bedrijfsvoering", "Dienstverlening",
            "Strategie en Kennis", "Handhaving", "Regio's")
DIRECTIE_NAMES = ("Financiën", "Communicatie", "Juridische Zaken", "Informatievoorziening",
                  "Personeel en Organisatie", "Beleidsontwikkeling", "Internationale Zaken",
                  "Inspectie", "Klantcontact", "Vergunningen", "Data en Analyse", "Huisvesting",
                  "Kennis en Onderzoek", "Regio Noord", "Regio Oost", "Regio Zuid", "Regio West",
                  "Inkoop", "Wetgeving", "Programma's")
AFDELING_NAMES = ("Planning", "Advies", "Behandeling", "Ondersteuning", "Control", "Beheer",
                  "Ontwikkeling", "Klantenservice", "Backoffice", "Kwaliteit", "Analyse",
                  "Projecten", "Frontoffice", "Secretariaat", "Registratie", "Toetsing")

# Relative weights of the first category of a contact: werkdruk, conflicts and pesten lead in
# advisers' annual reports; discrimination lower; integrity matters are rare.
CATEGORY_WEIGHTS = {
    "werkdruk": 20, "conflict_leidinggevende": 15, "pesten": 12, "intimidatie": 10,
    "conflict_collega": 10, "agressie_extern": 6, "uitsluiting": 5, "seksuele_intimidatie": 4,
    "machtsmisbruik": 4, "agressie_intern": 3, "discriminatie": 3, "overig": 3, "racisme": 1.5,
    "belangenverstrengeling": 0.8, "informatie_lekken_misbruik": 0.7, "fraude_diefstal": 0.6,
    "vermoeden_misstand": 0.6, "ondermijning_bedreiging": 0.4,
}
INTEGRITY = frozenset({"belangenverstrengeling", "informatie_lekken_misbruik", "fraude_diefstal",
                       "vermoeden_misstand", "ondermijning_bedreiging"})
PARTY = {
    "conflict_leidinggevende": {"direct_leidinggevende": 70, "hoger_leidinggevende": 30},
    "agressie_extern": {"burger_extern": 95, "onbekend": 5},
    "conflict_collega": {"collega": 100},
    "machtsmisbruik": {"direct_leidinggevende": 40, "hoger_leidinggevende": 40,
                       "politiek_bestuurder": 8, "collega": 12},
    "werkdruk": {"direct_leidinggevende": 45, "hoger_leidinggevende": 25, "onbekend": 30},
    "integrity": {"collega": 45, "direct_leidinggevende": 15, "hoger_leidinggevende": 15,
                  "burger_extern": 10, "onbekend": 15},
    "default": {"collega": 50, "direct_leidinggevende": 25, "hoger_leidinggevende": 10,
                "burger_extern": 3, "politiek_bestuurder": 2, "onbekend": 10},
}
# Channels advisers log; never "meldpunt", which the release plan counts as the meldknop's
# anonymous self-reports (privacy.plan.SELF_REPORT_CHANNEL) and advisers are not offered.
CHANNEL = {
    "integrity": {"integriteitscoordinator": 70, "vp_intern": 20, "vp_extern": 10},
    "werkdruk": {"bmw": 45, "vp_intern": 30, "vp_extern": 10, "personeelsraadgever": 15},
    "default": {"vp_intern": 41, "vp_extern": 17, "bmw": 28, "personeelsraadgever": 10,
                "integriteitscoordinator": 4},
}
FOLLOW_UP = {
    "integrity": {"integriteitsmelding": 40, "advies": 20, "alleen_luisteren": 20,
                  "melding_misstand": 10, "doorverwijzing": 8, "aangifte": 2},
    "aggression": {"alleen_luisteren": 33, "advies": 27, "doorverwijzing": 16, "aangifte": 10,
                   "formele_klacht": 6, "informele_oplossing": 8},
    "default": {"alleen_luisteren": 41, "advies": 28, "doorverwijzing": 14, "bemiddeling": 6,
                "informele_oplossing": 9, "formele_klacht": 5},
}
CASE_STEPS = ("advies", "bemiddeling", "doorverwijzing", "informele_oplossing", "formele_klacht")
REPORTER_ROLE = {"medewerker": 74, "leidinggevende": 10, "inhuur_extern": 7, "getuige": 4,
                 "stagiair": 3, "oud_medewerker": 2}
# Fewer contacts in the summer and December holidays, more after the summer.
SEASON = (1.10, 1.00, 1.05, 1.00, 0.95, 1.00, 0.70, 0.65, 1.15, 1.15, 1.10, 0.80)
CASE_SHARE = 0.08            # first contacts that grow into a case of 2 to 4 contacts
SECOND_CATEGORY = 0.30       # contacts about two subjects
# Two hotspots for the whole last completed year, two for the first half of the running year:
# each is one category at HOTSPOT_FACTOR times its rate in a DG of HOTSPOT_MIN_FTE or more, so
# the checks (analytics.hotspots) can find them at the default privacy cap.
HOTSPOT_CATEGORIES = ("pesten", "intimidatie", "werkdruk", "conflict_leidinggevende")
HOTSPOT_FACTOR = 5.0
HOTSPOT_MIN_FTE = 3500


@dataclass(frozen=True)
class Hotspot:
    """A planted pattern: ``unit`` (with its sub-units) has ``factor`` times its peers' rate of
    ``category`` during ``months`` consecutive months from ``start``."""

    unit: str
    category: str
    start: Month
    months: int = 6
    factor: float = 4.0

    def covers(self, month: Month) -> bool:
        return self.start <= month < self.start.add(self.months)


def demo_org(seed: int = DEFAULT_SEED) -> OrgStructure:
    """The fictional Rijk: every parent holds at least the sum of its children (own staff)."""
    rng = random.Random(seed)
    units: list[OrgUnit] = []
    for code, name, fte in MINISTRIES:
        staff = rng.randint(40, 120)  # bestuursstaf: FTE at the ministry itself
        n_dg = max(2, min(6, round(fte / 3500)))
        dg_names = rng.sample(DG_NAMES, n_dg)
        shares = _split(fte - staff, [rng.uniform(0.6, 1.4) for _ in range(n_dg)])
        children = [_dg(rng, f"{code}-DG{i + 1}", f"DG {dg_names[i]}", code, share, units)
                    for i, share in enumerate(shares)]
        units.append(OrgUnit(code, name, None, code, sum(children) + staff))
    return OrgStructure(tuple(sorted(units, key=lambda u: u.code)))


def _dg(rng: random.Random, code: str, name: str, org: str, fte: int, out: list[OrgUnit]) -> int:
    staff = rng.randint(5, 40)
    remaining, total, names = fte - staff, staff, rng.sample(DIRECTIE_NAMES, len(DIRECTIE_NAMES))
    index = 0
    while remaining >= 20 and index < len(names):
        target = min(remaining, rng.randint(250, 1600))
        if remaining - target < 20:
            target = remaining
        index += 1
        total += _directie(rng, f"{code}-D{index}", f"Directie {names[index - 1]}", code, org,
                           target, out)
        remaining -= target
    out.append(OrgUnit(code, name, _parent_of(code), org, total + max(remaining, 0)))
    return total + max(remaining, 0)


def _directie(rng: random.Random, code: str, name: str, parent: str, org: str, fte: int,
              out: list[OrgUnit]) -> int:
    if fte <= 400:
        out.append(OrgUnit(code, name, parent, org, fte))
        return fte
    staff = rng.randint(3, 15)
    sizes, remaining = [], fte - staff
    while remaining > 0:
        size = min(_leaf_size(rng), remaining)
        if remaining - size < 20:  # too little left for a unit of its own: fold it in
            size = remaining if remaining <= 400 else remaining - 20
        sizes.append(size)
        remaining -= size
    names = rng.sample(AFDELING_NAMES, min(len(sizes), len(AFDELING_NAMES)))
    for i, size in enumerate(sizes):
        label = names[i] if i < len(names) else f"{names[i % len(names)]} {i // len(names) + 1}"
        out.append(OrgUnit(f"{code}-A{i + 1}", f"Afdeling {label}", code, org, size))
    out.append(OrgUnit(code, name, parent, org, fte))
    return fte


def _leaf_size(rng: random.Random) -> int:
    # Several small teams (under the coarsening threshold), most mid-sized, some large.
    draw = rng.random()
    if draw < 0.15:
        return rng.randint(20, 49)
    if draw < 0.75:
        return rng.randint(50, 200)
    return rng.randint(201, 400)


def _split(total: int, weights: Sequence[float]) -> list[int]:
    parts = [int(total * w / sum(weights)) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def _parent_of(code: str) -> str:
    return code.rsplit("-", 1)[0]


def own_fte(org: OrgStructure) -> dict[str, int]:
    """FTE of each unit not in any sub-unit: where that unit's own contacts come from."""
    return {u.code: u.headcount - sum(org.get(c).headcount for c in org.children(u.code))
            for u in org.units}


def pick_hotspots(org: OrgStructure, end: Month, months: int, seed: int = DEFAULT_SEED,
                  count: int = 4) -> list[Hotspot]:
    """DGs of HOTSPOT_MIN_FTE or more in different ministries (the demo ministry first): the
    first two with one category at HOTSPOT_FACTOR for the whole last completed year, the others
    for January to June of the running year. None when the data do not reach that far back."""
    last_year = end.year - 1
    if end.add(-(months - 1)) > Month(last_year, 1):
        return []
    rng = random.Random(seed + 1)
    by_org: dict[str, list[OrgUnit]] = {}
    for unit in org.units:
        if org.depth(unit.code) == 1 and unit.headcount >= HOTSPOT_MIN_FTE:
            by_org.setdefault(unit.organisation, []).append(unit)
    others = [o for o in sorted(by_org) if o != DEMO_FOCUS]
    ministries = ([DEMO_FOCUS] if DEMO_FOCUS in by_org else []) + rng.sample(others, len(others))
    chosen = [rng.choice(by_org[o]) for o in ministries[:count]]
    return [Hotspot(unit.code, HOTSPOT_CATEGORIES[i % len(HOTSPOT_CATEGORIES)],
                    Month(last_year, 1) if i < 2 else Month(end.year, 1),
                    12 if i < 2 else 6, HOTSPOT_FACTOR)
            for i, unit in enumerate(chosen)]


class SignalGenerator:
    """Draws signals month by month for every unit, plus planted hotspots and follow-up cases."""

    def __init__(self, org: OrgStructure, seed: int = DEFAULT_SEED):
        self.org = org
        self.rng = random.Random(seed)
        self.taxonomy = load_taxonomy()
        self.own = own_fte(org)
        self.category_order = self.taxonomy.codes("categories")
        self.impact_order = self.taxonomy.codes("impact")
        # First-contact rate per 100 FTE a year: per organisation, varied a little per unit.
        self.base_rate = {o.code: self.rng.uniform(1.5, 3.0) for o in org.organisations}
        self.unit_factor = {u.code: min(1.4, max(0.6, self.rng.lognormvariate(0, 0.25)))
                            for u in org.units}
        total = sum(CATEGORY_WEIGHTS.values())
        # Chance that a contact names a category at all (first or second subject), roughly.
        self.category_share = {c: w / total * (1 + SECOND_CATEGORY) for c, w in
                               CATEGORY_WEIGHTS.items()}

    def generate(self, months: int = 24, end: Month | None = None,
                 hotspots: Sequence[Hotspot] = ()) -> list[SignalRecord]:
        end = end or Month.current()
        periods = month_range(end.add(-(months - 1)), end)
        spot_units = [frozenset(self.org.subtree(spot.unit)) for spot in hotspots]
        records: list[SignalRecord] = []
        for step, month in enumerate(periods):
            trend = 0.95 + 0.10 * step / max(1, months - 1)  # slowly rising awareness
            for unit in self.org.units:
                rate = self.base_rate[unit.organisation] * self.unit_factor[unit.code]
                lam = self.own[unit.code] * rate / 100 / 12 * SEASON[month.month - 1] * trend
                for _ in range(self._poisson(lam)):
                    records.extend(self._contacts(unit, month, end, None))
                for spot, members in zip(hotspots, spot_units, strict=True):
                    if spot.covers(month) and unit.code in members:
                        extra = lam * (spot.factor - 1) * self.category_share[spot.category]
                        for _ in range(self._poisson(extra)):
                            records.extend(self._contacts(unit, month, end, spot.category))
        return records

    def _contacts(self, unit: OrgUnit, month: Month, end: Month,
                  category: str | None) -> list[SignalRecord]:
        rng = self.rng
        first = category or _pick(rng, CATEGORY_WEIGHTS)
        categories = {first}
        if rng.random() < SECOND_CATEGORY:
            categories.add(_pick(rng, {c: w for c, w in CATEGORY_WEIGHTS.items() if c != first}))
        kind = "integrity" if first in INTEGRITY else first
        aggression = first in ("agressie_extern", "agressie_intern")
        base = {
            "unit": unit.code, "organisation": unit.organisation,
            "categories": tuple(sorted(categories, key=self.category_order.index)),
            "implicated_party": _pick(rng, PARTY.get(kind, PARTY["default"])),
            "reporter_role": _pick(rng, REPORTER_ROLE),
            "channel": _pick(rng, CHANNEL.get(kind, CHANNEL["default"])),
        }
        follow = FOLLOW_UP["integrity" if kind == "integrity" else
                           "aggression" if aggression else "default"]
        if rng.random() >= CASE_SHARE:
            return [self._record(base, month, _pick(rng, follow), None, first)]
        token, contacts, current = new_case_token(), [], month
        for step in range(1 + _pick(rng, {1: 60, 2: 30, 3: 10})):
            if current > end:
                break
            code = _pick(rng, follow) if step == 0 else rng.choice(CASE_STEPS)
            contacts.append(self._record(base, current, code, token, first))
            current = current.add(rng.randint(0, 2))
        return contacts

    def _record(self, base: dict, month: Month, follow_up: str, token: str | None,
                first: str) -> SignalRecord:
        rng = self.rng
        impact = set()
        if rng.random() < (0.25 if first == "werkdruk" else 0.12):
            impact.add("verzuim")
        if rng.random() < 0.12:
            impact.add("overweegt_vertrek")
        return SignalRecord(period=month, follow_up=follow_up, case_token=token,
                            impact=tuple(sorted(impact, key=self.impact_order.index)), **base)

    def _poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam > 30:  # normal approximation; Knuth's loop gets slow and underflows
            return max(0, round(self.rng.gauss(lam, math.sqrt(lam))))
        limit, count, product = math.exp(-lam), 0, self.rng.random()
        while product > limit:
            count += 1
            product *= self.rng.random()
        return count


def _pick(rng: random.Random, weights: Mapping[T, float]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def demo_signals(org: OrgStructure, months: int = 24, end: Month | None = None,
                 seed: int = DEFAULT_SEED) -> tuple[list[SignalRecord], list[Hotspot]]:
    """All demo signals up to ``end`` (default: this month) and the hotspots planted in them."""
    end = end or Month.current()
    hotspots = pick_hotspots(org, end, months, seed)
    return SignalGenerator(org, seed).generate(months, end, hotspots), hotspots
