"""How an estimate is shown: the one display rule of pages, reports and downloads.

A released figure is an unbiased estimate with noise, so it can come out below zero or be
smaller than its own margin. The product shows it honestly and the same way everywhere:

- a count (or a rate per 100 FTE) is never shown below zero: the value is ``max(0, value)``
  and the 95% interval is clamped at 0 (a share is clamped to 0-100%);
- the interval shown reaches the half-width beyond the shown value as well: an estimate of -9
  with a margin of 8 reads "tussen 0 en 8", not "tussen 0 en 0" (the clamped interval would
  claim a certainty of zero it does not have). It only ever widens the clamped 95% interval,
  so it still holds the true count at least 95% of the time;
- when the 95% half-width is larger than the value, the number is not shown as if it meant
  something: the text is "te onzeker: tussen 0 en 12", with the (clamped) interval as reason;
- a change between two years may be negative; it is "te onzeker" when the half-width is larger
  than the size of the change (the interval then holds zero: no clear change).

Counts are shown as whole numbers with the interval rounded outward (keeping at least 95%
coverage); percentages with one decimal, rates with two, Dutch decimal commas. Tables and
downloads take the value as ``Reading.cell`` ("te onzeker" or the number) and the outward
rounded bounds ``Reading.low`` and ``Reading.high``; charts take ``Reading.chart_value``
(None, a gap, when too uncertain) with the exact clamped ``lower`` and ``upper``. No Flask
here: every page, the report, the API and the CLI use it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from analytics.intervals import Estimate, nl_number

TOO_UNCERTAIN = "te onzeker"


class Kind(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    """A share in percent (the estimate already times 100: ``share(a, b).scaled(100)``)."""
    CHANGE = "change"
    RATE = "rate"
    """A count per 100 FTE per year: never below zero, two decimals."""


DIGITS = {Kind.COUNT: 0, Kind.CHANGE: 0, Kind.PERCENT: 1, Kind.RATE: 2}


@dataclass(frozen=True)
class Reading:
    """An estimate as shown: clamped value and interval, the 'te onzeker' flag and the text."""

    kind: Kind
    value: float
    """Shown value: never below 0 for a count, within 0-100 for a percentage."""
    lower: float
    upper: float
    half_width: float
    too_uncertain: bool
    text: str
    """What a reader sees, e.g. "18 (tussen 12 en 24)" or "te onzeker: tussen 0 en 12"."""

    @property
    def number(self) -> str:
        """The shown value alone, or "te onzeker"."""
        return TOO_UNCERTAIN if self.too_uncertain else fmt(self.value, self.kind)

    @property
    def interval_text(self) -> str:
        return f"tussen {fmt(self.lower, self.kind, 'down')} en {fmt(self.upper, self.kind, 'up')}"

    @property
    def chart_value(self) -> float | None:
        """The value for a chart: None (a gap) when too uncertain."""
        return None if self.too_uncertain else self.value

    @property
    def cell(self) -> float | str:
        """The value for a table or download: the number, or "te onzeker"."""
        return TOO_UNCERTAIN if self.too_uncertain else self.value

    def to_json(self) -> dict[str, object]:
        """The reading for an API answer: the shown value (None when too uncertain), the
        outward-rounded bounds, the flag and the Dutch text. Counts come as whole numbers."""
        def number(x: float) -> float | int:
            return int(x) if DIGITS[self.kind] == 0 else x

        return {"value": None if self.too_uncertain else number(rounded(self.value, self.kind)),
                "low": number(self.low), "high": number(self.high),
                "too_uncertain": self.too_uncertain, "text": self.text}

    @property
    def low(self) -> float:
        """The lower bound as shown in a table: rounded down at the kind's precision."""
        return rounded(self.lower, self.kind, "down")

    @property
    def high(self) -> float:
        """The upper bound as shown in a table: rounded up at the kind's precision."""
        return rounded(self.upper, self.kind, "up")


def rounded(value: float, kind: Kind = Kind.COUNT, rounding: str = "near") -> float:
    """The value at the kind's precision; "down" and "up" round outward for bounds."""
    factor: int = 10 ** DIGITS[kind]
    scaled = round(value * factor, 9)  # 0.29 * 100 is 28.999...: not a reason to round down
    whole: int = (math.floor(scaled) if rounding == "down"
                  else math.ceil(scaled) if rounding == "up" else round(scaled))
    return whole / factor + 0.0  # + 0.0: no "-0"


def fmt(value: float, kind: Kind = Kind.COUNT, rounding: str = "near") -> str:
    """A number the Dutch way: counts whole (rounded outward for bounds), percent 1 decimal
    (",0" left off), rates 2 decimals."""
    shown = rounded(value, kind, rounding)
    text = nl_number(shown, DIGITS[kind])
    if kind is Kind.PERCENT and text.endswith(",0"):
        text = text[:-2]
    return f"+{text}" if kind is Kind.CHANGE and shown > 0 and rounding == "near" else text


def display(estimate: Estimate, kind: Kind = Kind.COUNT) -> Reading:
    """The display rule (see the module doc) applied to one estimate."""
    return display_with_margin(estimate.value, estimate.half_width, kind)


def display_with_margin(value: float, half: float, kind: Kind = Kind.COUNT) -> Reading:
    """The display rule for a value with a stated 95% half-width (e.g. a release's exact
    Laplace margin, ``ci95_halfwidth``), where no variance is at hand."""
    if not math.isfinite(value) or not math.isfinite(half) or half < 0:
        raise ValueError("a value and a half-width that is finite and not negative")
    if kind is Kind.CHANGE:
        lower, upper = value - half, value + half
        too_uncertain = half > abs(value)
    else:
        high = 100.0 if kind is Kind.PERCENT else math.inf

        def clamp(x: float) -> float:
            return min(max(x, 0.0), high)

        shown = clamp(value)
        # The interval around the estimate and around the shown value together, clamped.
        lower, upper = clamp(min(value, shown) - half), clamp(max(value, shown) + half)
        value = shown
        too_uncertain = half > value
    reading = Reading(kind, value, lower, upper, half, too_uncertain, "")
    unit = "%" if kind is Kind.PERCENT else ""
    if too_uncertain:
        text = f"{TOO_UNCERTAIN}: {reading.interval_text}{unit}"
    else:
        text = f"{fmt(value, kind)}{unit} ({reading.interval_text}{unit})"
    return Reading(kind, value, lower, upper, half, too_uncertain, text)


def typical_margin(estimates: Iterable[Estimate]) -> int | None:
    """The median 95% half-width, rounded: "ongeveer ±N zaken" for most figures."""
    widths = [e.half_width for e in estimates]
    return round(statistics.median(widths)) if widths else None
