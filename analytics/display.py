"""How a noisy figure is shown: never a negative count, "te onzeker" when the margin is larger.

The display rule of every page (no Flask here, so any page or export can use it):

- a count is never shown below zero: the value is ``max(0, value)`` and the interval is clamped
  at 0 (the estimate itself stays unbiased in the data; only the display is clamped);
- a share is shown within 0-100%;
- when the 95% half-width exceeds the (clamped) value, the number itself says nothing: the
  figure is shown as "te onzeker" with its range instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.intervals import Estimate, nl_number

TOO_UNCERTAIN = "te onzeker"


@dataclass(frozen=True)
class Shown:
    """A figure as displayed: clamped value and range, and whether it is too uncertain."""

    value: float
    lower: float
    upper: float
    uncertain: bool
    """True when the 95% half-width is larger than the value: show the range, not the value."""

    def text(self, digits: int = 0, suffix: str = "") -> str:
        """Dutch text: "12 (8 tot 16)" or "te onzeker (0 tot 9)"."""
        span = f"{nl_number(self.lower, digits)} tot {nl_number(self.upper, digits)}{suffix}"
        if self.uncertain:
            return f"{TOO_UNCERTAIN} ({span})"
        return f"{nl_number(self.value, digits)}{suffix} ({span})"

    @property
    def shown_value(self) -> float | None:
        """The value for a table or chart, None when too uncertain."""
        return None if self.uncertain else self.value


def shown_count(estimate: Estimate) -> Shown:
    """A count for display: never negative, "te onzeker" when the margin exceeds the value."""
    value = max(0.0, estimate.value)
    lower, upper = max(0.0, estimate.lower), max(0.0, estimate.upper)
    return Shown(value, lower, upper, estimate.half_width > value)


def shown_share(estimate: Estimate, scale: float = 100.0) -> Shown:
    """A share (0-1) for display in percent: value and range within [0, 100]; "te onzeker"
    when the margin exceeds the share."""
    def clamp(x: float) -> float:
        return min(max(x, 0.0), 1.0) * scale

    value = clamp(estimate.value)
    return Shown(value, clamp(estimate.lower), clamp(estimate.upper),
                 estimate.half_width * scale > value)
