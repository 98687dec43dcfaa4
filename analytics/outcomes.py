"""Follow-up outcomes as shares, from the release plan's outcome tables (``privacy.plan``).

Each outcome field has a year table per organisation in which every case counts once: over the
codes recorded for it, or whole in ``niet_vastgelegd``. A share is a code's cases among the cases
with the field recorded (``share(part, rest)`` of the noisy cells: numerator and denominator
share the part's noise, and the delta method gives the variance). Shown through the one display
rule (``analytics.reading``): within 0-100%, and "te onzeker" when the margin is wider than the
share, when the number of cases with the field recorded is itself too uncertain, or when the
margin is wider than ``MAX_HALF_WIDTH`` percentage points (a share of 50% +- 40 says nothing).

Post-processing only: spends nothing. The works council's and the PDCA view read the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from analytics.intervals import Estimate, share
from analytics.plan import PlanYear
from analytics.reading import TOO_UNCERTAIN, Kind, Reading, display
from privacy.plan import Dimension
from registry.taxonomy.outcomes import NOT_RECORDED, OUTCOME_FIELDS, YES, OutcomeCodes

MAX_HALF_WIDTH = 25.0
"""Percentage points: a wider 95% margin makes a share "te onzeker"."""
# The fields whose "ja" share is the headline (measures 15 and 25: the employer always acts).
YES_NO_FIELDS = ("acknowledged_7d", "feedback_3m", "employer_acted")


@dataclass(frozen=True)
class ShareRow:
    code: str
    label: str
    cases: Reading
    percent: Reading


@dataclass(frozen=True)
class OutcomeField:
    """One outcome field of one organisation (or the Rijk) in one data year."""

    field: str
    label: str
    recorded: Reading
    """Cases with this field recorded: the shares' denominator."""
    not_recorded: Reading
    rows: tuple[ShareRow, ...]

    @property
    def headline(self) -> ShareRow | None:
        """The 'ja' row of a yes/no/unknown field."""
        if self.field not in YES_NO_FIELDS:
            return None
        return next((row for row in self.rows if row.code == YES), None)


def outcome_fields(py: PlanYear, unit: str, codes: OutcomeCodes) -> tuple[OutcomeField, ...]:
    """Every outcome field the year's releases hold for ``unit``; () for years without them."""
    out = []
    for name in OUTCOME_FIELDS:
        cells = py.attribute(Dimension(name), unit)
        if not cells:
            continue
        known = [c for c in codes.codes(name) if c in cells]
        recorded = sum((cells[c] for c in known), Estimate(0.0, 0.0))
        recorded_reading = display(recorded)
        rows = tuple(ShareRow(code, codes.label(name, code), display(cells[code]),
                              share_reading(cells[code], recorded - cells[code],
                                            recorded_reading))
                     for code in known)
        missing = cells.get(NOT_RECORDED, Estimate(0.0, 0.0))
        out.append(OutcomeField(name, codes.fields[name].label_nl, recorded_reading,
                                display(missing), rows))
    return tuple(out)


def share_reading(part: Estimate, rest: Estimate, recorded: Reading) -> Reading:
    """A share in percent by the display rule, too uncertain when its basis is."""
    if recorded.too_uncertain or part.value + rest.value <= 0:
        return _too_uncertain(display(Estimate(0.0, 0.0), Kind.PERCENT), lower=0.0, upper=100.0)
    reading = display(share(part, rest).scaled(100), Kind.PERCENT)
    if reading.half_width > MAX_HALF_WIDTH and not reading.too_uncertain:
        return _too_uncertain(reading)
    return reading


def _too_uncertain(reading: Reading, *, lower: float | None = None,
                   upper: float | None = None) -> Reading:
    wide = replace(reading, lower=reading.lower if lower is None else lower,
                   upper=reading.upper if upper is None else upper, too_uncertain=True)
    return replace(wide, text=f"{TOO_UNCERTAIN}: {wide.interval_text}%")
