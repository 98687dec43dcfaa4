"""Calendar months: the only unit of time a signal carries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_PERIOD_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, ordered; renders as ``YYYY-MM``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1 to 12, got {self.month}")
        if not 1900 <= self.year <= 9999:
            raise ValueError(f"year must be 1900 to 9999, got {self.year}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM``; raises ValueError with a Dutch message otherwise."""
        match = _PERIOD_RE.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise ValueError("Gebruik het formaat JJJJ-MM, bijvoorbeeld 2026-03.")
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError("De maand moet tussen 01 en 12 liggen.")
        if year < 1900:
            raise ValueError("Het jaar is niet geldig.")
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def current(cls) -> Month:
        # Only the month is kept; the day is dropped on the spot.
        return cls.of(date.today())

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def index(self) -> int:
        """Months since year 0; handy for arithmetic and ranges."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> Month:
        return cls(index // 12, index % 12 + 1)

    def add(self, months: int) -> Month:
        return Month.from_index(self.index + months)

    @property
    def quarter(self) -> str:
        return f"{self.year:04d}-Q{(self.month - 1) // 3 + 1}"


def month_range(start: Month, end: Month) -> list[Month]:
    """All months from ``start`` to ``end`` inclusive."""
    return [Month.from_index(i) for i in range(start.index, end.index + 1)]


def bucket(month: Month, grain: str) -> str:
    """The label of the month/quarter/year bucket that ``month`` falls in."""
    if grain == "month":
        return str(month)
    if grain == "quarter":
        return month.quarter
    if grain == "year":
        return f"{month.year:04d}"
    raise ValueError(f"unknown grain {grain!r}")
