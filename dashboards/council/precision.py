"""A council asks for precision in words, never for an epsilon.

Three levels, each a fixed Laplace epsilon (the cost is rho = epsilon^2 / 2, ``privacy.
accounting``): *grof* 0.1 (rho 0.005: four questions from the demo's share of rho 0.02 a year),
*normaal* 0.25 and *nauwkeurig* 0.5 (the earlier default, rho 0.125). The form and the preview
show, for the question as it stands, the 95% margin per cell each level gives
(``QueryService.preview``: no data, nothing spent) and what it takes of the council's share of
each data year, so the council weighs margin against cost in its own figures. Numbers are shown
with a decimal comma.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from flask_babel import gettext as _

from privacy.accounting import laplace_rho
from privacy.ledger import format_epsilon
from privacy.specs import QuerySpec
from web.access import services


class Precision(StrEnum):
    COARSE = "grof"
    NORMAL = "normaal"
    FINE = "nauwkeurig"


EPSILON = {Precision.COARSE: Fraction(1, 10), Precision.NORMAL: Fraction(1, 4),
           Precision.FINE: Fraction(1, 2)}


def precision_labels() -> dict[Precision, str]:
    return {Precision.COARSE: _("Grof"), Precision.NORMAL: _("Normaal"),
            Precision.FINE: _("Nauwkeurig")}


def precision_hints() -> dict[Precision, str]:
    return {Precision.COARSE: _("de grootste marge, kost het minst"),
            Precision.NORMAL: _("een kleinere marge, kost meer"),
            Precision.FINE: _("de kleinste marge, kost het meest")}


def nl_decimal(value: Fraction | str | float) -> str:
    """A number as a Dutch reader writes it: decimal comma."""
    text = format_epsilon(value) if isinstance(value, Fraction) else str(value)
    return text.replace(".", ",")


def level_of(epsilon: Fraction | None) -> Precision | None:
    """The level an epsilon belongs to, None for another epsilon (a request of the API)."""
    return next((level for level, value in EPSILON.items() if value == epsilon), None)


def default_precision(remaining: Fraction) -> Precision:
    """The most precise level that takes at most a quarter of what is left, else grof."""
    for level in (Precision.FINE, Precision.NORMAL):
        if laplace_rho(EPSILON[level]) <= remaining / 4:
            return level
    return Precision.COARSE


@dataclass(frozen=True)
class Option:
    """One level for one question: its margin and what it takes of the share per data year."""

    level: Precision
    label: str
    hint: str
    margin: int | None
    """95% margin per cell (plus or min), None when the question is not complete yet."""
    costs: tuple[tuple[int, str | None], ...]
    """(data year, percentage of the council's share as text, None without a share)."""
    affordable: bool


def options(consumer: str, spec: QuerySpec | None, years: tuple[int, ...]) -> list[Option]:
    """Every level for ``spec`` (or, without a spec, only its cost for ``years``)."""
    ledger = services().ledger
    out = []
    for level in Precision:
        cost = laplace_rho(EPSILON[level])
        margin = None
        if spec is not None:
            preview = services().queries.preview(
                consumer, dataclasses.replace(spec, epsilon=EPSILON[level]))
            margin = int(preview["ci95_halfwidth"])
            years = tuple(preview["data_years"])
        costs, affordable = [], True
        for year in years:
            status = ledger.status(consumer, year)
            affordable = affordable and cost <= status.remaining
            percent = None
            if status.total > 0:
                value = float(cost / status.total * 100)
                percent = (f"{value:.0f}" if value >= 1 else f"{value:.1f}").replace(".", ",")
            costs.append((year, percent))
        out.append(Option(level, precision_labels()[level], precision_hints()[level], margin,
                          tuple(costs), affordable))
    return out
