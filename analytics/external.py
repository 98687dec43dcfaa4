"""External benchmarks: the organisation's yearly rate against published reference rates.

The organisation's yearly rate is its ``contacts_total`` summed over the year's months
per 100 FTE (annualised when months are missing), with noise and Poisson variance, compared with
reference figures stored in ``analytics/data/external_benchmarks.json``. Contacts are not
reports: a case can have several contacts, so a contact rate is an upper bound for a report rate.
A rate clearly below a reference is therefore a firm finding; a rate above it is not. Survey
prevalences (CBS NEA) are not report rates and are never compared.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from analytics.intervals import Estimate, nl_number, rate_per_100_fte
from analytics.published import PublishedMonth, one_organisation
from registry.organisations import OrgStructure

KINDS = ("report_rate", "survey_prevalence")
UNIT_TO_PER_100 = {"per_100_employees_per_year": 1.0, "per_1000_employees_per_year": 0.1}


@dataclass(frozen=True)
class ExternalBenchmark:
    """One reference figure with its source, as stored in external_benchmarks.json."""

    key: str
    publisher: str
    source: str
    years: tuple[int, ...]
    region: str
    kind: str
    unit: str
    low: float
    high: float
    """A single figure has low == high."""
    statistic: str
    comparable: bool
    note_nl: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        if self.comparable and (self.kind != "report_rate" or self.unit not in UNIT_TO_PER_100):
            raise ValueError("only report rates per employee can be compared")

    @property
    def per_100(self) -> tuple[float, float]:
        """(low, high) per 100 employees per year; for comparable report rates only."""
        factor = UNIT_TO_PER_100[self.unit]
        return self.low * factor, self.high * factor

    def label_nl(self) -> str:
        years = (f"{self.years[0]}" if len(self.years) == 1 else
                 f"{self.years[0]}-{self.years[-1]}" if self.years else "zonder jaar")
        return f"{self.publisher} ({years}, {self.region})"

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "publisher": self.publisher, "source": self.source,
                "years": list(self.years), "region": self.region, "kind": self.kind,
                "unit": self.unit, "low": self.low, "high": self.high,
                "statistic": self.statistic, "comparable": self.comparable,
                "note_nl": self.note_nl}


def external_benchmarks() -> tuple[ExternalBenchmark, ...]:
    """The stored reference figures."""
    text = resources.files("analytics.data").joinpath("external_benchmarks.json").read_text(
        encoding="utf-8")
    out = []
    for item in json.loads(text)["benchmarks"]:
        low = item["low"] if "low" in item else item["value"]
        high = item["high"] if "high" in item else item["value"]
        out.append(ExternalBenchmark(
            key=item["key"], publisher=item["publisher"], source=item["source"],
            years=tuple(item["years"]), region=item["region"], kind=item["kind"],
            unit=item["unit"], low=float(low), high=float(high), statistic=item["statistic"],
            comparable=bool(item["comparable"]), note_nl=item["note_nl"]))
    return tuple(out)


@dataclass(frozen=True)
class ExternalComparison:
    benchmark: ExternalBenchmark
    organisation: str
    year: int
    months: int
    rate: Estimate
    """The organisation's contacts per 100 FTE per year (noise and Poisson variance)."""
    verdict: str
    """hoger / lager / binnen / niet_te_onderscheiden / niet_vergelijkbaar."""
    explanation_nl: str

    def as_dict(self) -> dict[str, Any]:
        return {"benchmark": self.benchmark.as_dict(), "organisation": self.organisation,
                "year": self.year, "months": self.months,
                "rate_per_100_fte": self.rate.as_dict(), "verdict": self.verdict,
                "explanation_nl": self.explanation_nl}


def compare_external(
    months: Sequence[PublishedMonth], org: OrgStructure, *, year: int,
    benchmarks: Sequence[ExternalBenchmark] | None = None,
) -> tuple[ExternalComparison, ...]:
    """The organisation's yearly contact rate against every stored reference figure."""
    organisation, ordered = one_organisation(months)
    in_year = [m for m in ordered if m.month.year == year]
    if not in_year:
        raise ValueError(f"no publications of {organisation} in {year}")
    tables = [m.table("contacts_total") for m in in_year]
    count = Estimate(float(sum(t.estimate() for t in tables)),
                     sum(t.noise_variance for t in tables))
    rate = rate_per_100_fte(count, org.get(organisation).headcount, len(in_year), sampling=True)
    own = (f"{organisation} registreerde in {year} naar schatting {nl_number(rate.value, 2)} "
           f"contacten per 100 fte per jaar (95%-interval {nl_number(rate.lower, 2)} tot "
           f"{nl_number(rate.upper, 2)}"
           + (f"; {len(in_year)} van de 12 maanden, omgerekend naar een jaar)." if
              len(in_year) < 12 else ")."))
    out = []
    for b in benchmarks if benchmarks is not None else external_benchmarks():
        verdict, text = _verdict(b, rate)
        out.append(ExternalComparison(b, organisation, year, len(in_year), rate, verdict,
                                      f"{own} {text}"))
    return tuple(out)


def _verdict(b: ExternalBenchmark, rate: Estimate) -> tuple[str, str]:
    if not b.comparable:
        return "niet_vergelijkbaar", (
            f"{b.label_nl()}: {b.statistic} ({nl_number(b.low * 100, 0)}%). {b.note_nl}")
    low, high = b.per_100
    figure = (f"{nl_number(low, 2)}" if low == high else
              f"{nl_number(low, 2)} tot {nl_number(high, 2)}")
    head = f"{b.label_nl()}: {figure} meldingen per 100 medewerkers per jaar ({b.statistic})."
    caveat = ("Let op: wij tellen contacten en een zaak kan meerdere contacten hebben, dus ons "
              "cijfer is een bovengrens voor het aantal meldingen; ook tellen wij per fte, niet "
              "per medewerker. " + b.note_nl)
    if rate.upper < low:
        return "lager", f"{head} Uw cijfer ligt duidelijk lager; dat is een stevige conclusie. {caveat}"
    if rate.lower > high:
        return "hoger", (f"{head} Uw cijfer ligt hoger; omdat wij contacten tellen en geen "
                         f"meldingen, is dat geen stevige conclusie. {caveat}")
    if low < high and low <= rate.lower and rate.upper <= high:
        return "binnen", f"{head} Uw cijfer ligt binnen deze bandbreedte. {caveat}"
    return "niet_te_onderscheiden", (f"{head} Het interval van uw cijfer overlapt met de "
                                     f"referentie: geen verschil vast te stellen. {caveat}")
