"""Meldbereidheid: registered cases against how many people say they experienced it.

    meldbereidheid = registered cases / (survey prevalence x headcount)

This ratio only means something when both figures describe the same thing: the same
population, the same period and the same subject (integrity violations registered by the Rijk
say nothing about how many employees in the Netherlands were intimidated by a colleague). So a
ratio is offered only where a registration rate and a survey prevalence match on all three;
otherwise the answer says, in words, why not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analytics.external import ExternalBenchmark, ReferenceKind, external_benchmarks
from analytics.intervals import nl_number


def meldbereidheid_ratio(registered_cases: float, prevalence: float, headcount: float) -> float:
    """Registered cases / (prevalence x headcount): the share of those affected who reported.

    Can exceed 1, because one person may report more than once."""
    if not 0 < prevalence <= 1:
        raise ValueError("prevalence must be a share in (0, 1]")
    if headcount <= 0:
        raise ValueError("headcount must be positive")
    if registered_cases < 0:
        raise ValueError("registered cases cannot be negative")
    return registered_cases / (prevalence * headcount)


@dataclass(frozen=True)
class Meldbereidheid:
    registration: ExternalBenchmark
    prevalence: ExternalBenchmark
    ratio: float | None
    """None when the definitions do not allow a ratio; ``reasons_nl`` say why."""
    reasons_nl: tuple[str, ...]

    def explanation_nl(self) -> str:
        head = f"{self.registration.label_nl()} naast {self.prevalence.label_nl()}: "
        if self.ratio is None:
            return head + "geen meldbereidheid te berekenen, want " + "; ".join(
                self.reasons_nl) + "."
        return head + (f"op elke 100 mensen die dit volgens de enquête meemaakten, werden "
                       f"{nl_number(self.ratio * 100, 0)} zaken geregistreerd.")

    def as_dict(self) -> dict[str, Any]:
        return {"registration": self.registration.key, "prevalence": self.prevalence.key,
                "ratio": self.ratio, "reasons_nl": list(self.reasons_nl),
                "explanation_nl": self.explanation_nl()}


def why_not(registration: ExternalBenchmark, prevalence: ExternalBenchmark) -> tuple[str, ...]:
    """Every reason the two definitions do not allow a ratio; empty when they do."""
    reasons = []
    if registration.kind is not ReferenceKind.REGISTRATION_RATE:
        reasons.append(f"{registration.key} is geen registratiecijfer")
    if prevalence.kind is not ReferenceKind.SURVEY_PREVALENCE:
        reasons.append(f"{prevalence.key} is geen enquêtecijfer")
    if not registration.population or registration.population != prevalence.population:
        reasons.append(f"de populaties verschillen ({registration.population or 'onbekend'} "
                       f"tegenover {prevalence.population or 'onbekend'})")
    if not registration.years or registration.years != prevalence.years:
        reasons.append(f"de perioden verschillen ({_years(registration)} tegenover "
                       f"{_years(prevalence)})")
    if not registration.subject or registration.subject != prevalence.subject:
        reasons.append(f"ze tellen iets anders ({registration.subject or 'onbekend'} "
                       f"tegenover {prevalence.subject or 'onbekend'})")
    return tuple(reasons)


def _years(b: ExternalBenchmark) -> str:
    return "-".join(str(y) for y in b.years) if b.years else "geen jaar"


def meldbereidheid(registration: ExternalBenchmark,
                   prevalence: ExternalBenchmark) -> Meldbereidheid:
    """The ratio of a registration rate and a survey prevalence, or why there is none."""
    reasons = why_not(registration, prevalence)
    if reasons:
        return Meldbereidheid(registration, prevalence, None, reasons)
    # Same population: per 100 of it, the registered cases are the rate itself.
    low, high = registration.per_100
    ratio = meldbereidheid_ratio((low + high) / 2, prevalence.low, 100)
    return Meldbereidheid(registration, prevalence, ratio, ())


def meldbereidheid_overview(
    benchmarks: Sequence[ExternalBenchmark] | None = None,
) -> tuple[Meldbereidheid, ...]:
    """Every registration rate against every survey prevalence: a ratio where the definitions
    allow one, otherwise the reasons why not."""
    figures = benchmarks if benchmarks is not None else external_benchmarks()
    return tuple(
        meldbereidheid(r, p)
        for r in figures if r.kind is ReferenceKind.REGISTRATION_RATE
        for p in figures if p.kind is ReferenceKind.SURVEY_PREVALENCE)
