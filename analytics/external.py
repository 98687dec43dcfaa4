"""External benchmarks: the organisation's yearly rate against published reference figures.

The default references are Dutch public-sector figures (the Rijk's registration of integrity
violations, the CBS/TNO Nationale Enquête Arbeidsomstandigheden, BZK's Monitor Integriteit en
Veiligheid). Each is computed from its published source table (``analytics.external_sources``),
named in ``analytics/data/external_benchmarks.json``; foreign figures (NAVEX, SpeakUp) stay
available but are not shown by default.

The organisation's yearly rate is its ``contacts_total`` summed over the year's months per 100
FTE (annualised when months are missing), with noise and Poisson variance. Contacts are not
reports: a case can have several contacts, so a contact rate is an upper bound for a report
rate. A rate clearly below a reference is therefore a firm finding; a rate above it is not.
A survey prevalence is never compared with a rate: it says how many experienced something, not
how many registered it. Where a registration and a survey share population, period and subject,
``analytics.meldbereidheid`` offers their ratio.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

from analytics.external_sources import (
    SourceTable,
    rate_per_100_from,
    share_from,
    source_tables,
)
from analytics.intervals import Estimate, nl_number, rate_per_100_fte
from analytics.published import PublishedMonth, one_organisation
from registry.organisations import OrgStructure


class ReferenceKind(StrEnum):
    SURVEY_PREVALENCE = "survey_prevalence"
    """Share of a population that says it experienced something (an enquête)."""
    REGISTRATION_RATE = "registration_rate"
    """Registered cases (reports, meldingen) per employee per year."""


KINDS = tuple(ReferenceKind)
UNIT_TO_PER_100 = {"per_100_employees_per_year": 1.0, "per_1000_employees_per_year": 0.1}


@dataclass(frozen=True)
class ExternalBenchmark:
    """One reference figure with its source, as stored in external_benchmarks.json."""

    key: str
    publisher: str
    source: str
    years: tuple[int, ...]
    region: str
    kind: ReferenceKind
    unit: str
    low: float
    high: float
    """A single figure has low == high."""
    statistic: str
    comparable: bool
    note_nl: str
    default: bool = True
    """Shown unless asked otherwise: the Dutch public-sector figures."""
    source_key: str | None = None
    """The source table in analytics/data/sources/ it is computed from."""
    population: str = ""
    """The population as a code (``rijk_medewerkers``, ``werknemers``); empty when unknown."""
    subject: str = ""
    """What is counted, as a code; empty when unknown."""
    definition_nl: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ReferenceKind(self.kind))
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        if self.comparable and (self.kind is not ReferenceKind.REGISTRATION_RATE
                                or self.unit not in UNIT_TO_PER_100):
            raise ValueError("only registration rates per employee can be compared")

    @property
    def per_100(self) -> tuple[float, float]:
        """(low, high) per 100 employees per year; for registration rates only."""
        factor = UNIT_TO_PER_100[self.unit]
        return self.low * factor, self.high * factor

    def label_nl(self) -> str:
        years = (f"{self.years[0]}" if len(self.years) == 1 else
                 f"{self.years[0]}-{self.years[-1]}" if self.years else "zonder jaar")
        return f"{self.publisher} ({years}, {self.region})"

    def figure_nl(self) -> str:
        """The figure in words: a percentage for a survey, a rate per 100 for a registration."""
        if self.kind is ReferenceKind.SURVEY_PREVALENCE:
            return f"{nl_number(self.low * 100, 0)}%"
        low, high = self.per_100
        figure = (nl_number(low, 2) if low == high else
                  f"{nl_number(low, 2)} tot {nl_number(high, 2)}")
        return f"{figure} per 100 medewerkers per jaar"

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "publisher": self.publisher, "source": self.source,
                "years": list(self.years), "region": self.region, "kind": str(self.kind),
                "unit": self.unit, "low": self.low, "high": self.high,
                "statistic": self.statistic, "comparable": self.comparable,
                "note_nl": self.note_nl, "default": self.default,
                "source_key": self.source_key, "population": self.population,
                "subject": self.subject, "definition_nl": self.definition_nl}


def computed_figure(item: dict[str, Any], table: SourceTable) -> float:
    """A reference's figure computed from its source table."""
    if ReferenceKind(item["kind"]) is ReferenceKind.SURVEY_PREVALENCE:
        return share_from(table, item["row"])
    return rate_per_100_from(table, item["row"], item["denominator"])


def _from_source(item: dict[str, Any], tables: dict[str, SourceTable]) -> ExternalBenchmark:
    table = tables[item["source_table"]]
    value = computed_figure(item, table)
    quoted = float(item["value"])
    # The stored value is the figure as quoted; it must be the computed one, rounded.
    decimals = len(str(item["value"]).partition(".")[2])
    if round(value, decimals) != round(quoted, decimals):
        raise ValueError(f"{item['key']}: stored {quoted} but the source table gives {value}")
    row = table.row(item["row"])
    definition = (f"{table.title}, {table.table_name}. Populatie: {row.population_nl} "
                  f"Periode: {table.period_nl} {table.measure_nl}")
    return ExternalBenchmark(
        key=item["key"], publisher=table.short_name, source=f"{table.title} ({table.publisher})",
        years=(int(table.period),), region=table.region, kind=ReferenceKind(item["kind"]),
        unit=item["unit"], low=value, high=value, statistic=item["statistic"],
        comparable=bool(item["comparable"]), note_nl=item["note_nl"],
        default=bool(item.get("default", True)), source_key=table.key,
        population=row.population, subject=row.subject, definition_nl=definition)


def _stored(item: dict[str, Any]) -> ExternalBenchmark:
    low = item["low"] if "low" in item else item["value"]
    high = item["high"] if "high" in item else item["value"]
    return ExternalBenchmark(
        key=item["key"], publisher=item["publisher"], source=item["source"],
        years=tuple(item["years"]), region=item["region"], kind=ReferenceKind(item["kind"]),
        unit=item["unit"], low=float(low), high=float(high), statistic=item["statistic"],
        comparable=bool(item["comparable"]), note_nl=item["note_nl"],
        default=bool(item.get("default", True)))


def benchmark_file() -> dict[str, Any]:
    text = resources.files("analytics.data").joinpath("external_benchmarks.json").read_text(
        encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def external_benchmarks(*, include_foreign: bool = False) -> tuple[ExternalBenchmark, ...]:
    """The stored reference figures: the Dutch defaults, or with ``include_foreign`` all."""
    tables = source_tables()
    out = []
    for item in benchmark_file()["benchmarks"]:
        benchmark = _from_source(item, tables) if "source_table" in item else _stored(item)
        if benchmark.default or include_foreign:
            out.append(benchmark)
    return tuple(out)


def not_found_nl() -> tuple[str, ...]:
    """Figures that were looked for but not found in the consulted sources, in words."""
    return tuple(benchmark_file().get("not_found", ()))


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


def compare_rate(organisation: str, year: int, rate: Estimate, *, months: int = 12,
                 benchmarks: Sequence[ExternalBenchmark] | None = None,
                 ) -> tuple[ExternalComparison, ...]:
    """An already computed yearly rate per 100 FTE against every reference figure."""
    return tuple(ExternalComparison(b, organisation, year, months, rate, *_verdict(b, rate))
                 for b in (benchmarks if benchmarks is not None else external_benchmarks()))


def _verdict(b: ExternalBenchmark, rate: Estimate) -> tuple[str, str]:
    if not b.comparable:
        return "niet_vergelijkbaar", (
            f"{b.label_nl()}: {b.statistic} ({b.figure_nl()}). {b.note_nl}")
    low, high = b.per_100
    head = f"{b.label_nl()}: {b.figure_nl()} ({b.statistic})."
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
