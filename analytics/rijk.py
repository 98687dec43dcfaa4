"""Rijk-wide figures: the release plan per organisation (by name), and archived month totals.

``organisation_totals`` lists every organisation's cases in a data year of the release plan
(``analytics.plan.PlanYear``), by name, shown through ``analytics.reading.display``; the Rijk's
own figures are ``analytics.report.build_report(RIJK, ...)``.

The rest sums the archived monthly publications of the earlier design (kept readable):

Everything here is post-processing of released noisy tables (``analytics.published``): it reads
no raw signal and spends no budget. The works councils' portal uses it twice: for one
organisation's month (summing a table over its other dimensions, e.g. categories over units)
and for the Rijk-wide totals of the central works council (GOR), which add the same table over
every organisation.

Uncertainty: every released cell carries independent noise with the table's variance, so the
variance of a sum is the number of cells summed times that variance, added over the tables
(months, organisations) that go in. The 95% interval is the normal one, estimate +- 1.96 sd
(``analytics.intervals``).

A Rijk total over a period only counts the organisation-months that were published. The
missing ones are named (``RijkTotals.missing``) so that a reader never takes an incomplete sum
for the whole Rijk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analytics.errors import AnalyticsError
from analytics.intervals import Estimate
from analytics.plan import PlanYear
from analytics.published import PublishedMonth
from analytics.reading import display
from registry.periods import Month

# (publication table, dimension to total per code or None for the grand total, Dutch title)
SUMMARY_TABLES: tuple[tuple[str, str | None, str], ...] = (
    ("contacts_total", None, "Totaal aantal contacten"),
    ("contacts_unit_category", "category",
     "Contacten per categorie (een contact met meer categorieën telt bij elk)"),
    ("cases_unit_category", "category",
     "Zaak-maanden per categorie (een zaak telt in elke maand met een contact)"),
    ("contacts_channel", "channel", "Contacten per kanaal"),
    ("contacts_implicated_party", "implicated_party", "Contacten per betrokken partij"),
    ("contacts_reporter_role", "reporter_role", "Contacten per rol van de melder"),
    ("contacts_follow_up", "follow_up", "Contacten per opvolging"),
    ("contacts_impact", "impact", "Contacten per gevolg (een contact met beide telt bij elk)"),
)
TOTAL_CODE = "totaal"


@dataclass(frozen=True)
class TotalRow:
    code: str
    estimate: Estimate


@dataclass(frozen=True)
class TotalTable:
    name: str
    dimension: str | None
    title: str
    rows: tuple[TotalRow, ...]


def table_totals(months: Sequence[PublishedMonth], name: str,
                 dimension: str | None) -> tuple[TotalRow, ...]:
    """Sum table ``name`` over ``months`` (any organisations), per code of ``dimension``.

    With ``dimension`` None the whole table is summed into one row (code ``totaal``). Codes come
    in the order they first appear, so a taxonomy order in the releases is kept.
    """
    if not months:
        raise ValueError("no publications to add up")
    values: dict[str, int] = {}
    variances: dict[str, float] = {}
    for published in months:
        table = published.table(name)
        position = table.group_by.index(dimension) if dimension is not None else None
        for key, estimate in table.estimates.items():
            code = key[position] if position is not None else TOTAL_CODE
            values[code] = values.get(code, 0) + estimate
            # Independent noise per cell: variances add.
            variances[code] = variances.get(code, 0.0) + table.noise_variance
    return tuple(TotalRow(code, Estimate(float(values[code]), variances[code]))
                 for code in values)


def summary(months: Sequence[PublishedMonth]) -> tuple[TotalTable, ...]:
    """The standard overview (``SUMMARY_TABLES``) summed over ``months``."""
    return tuple(TotalTable(name, dimension, title, table_totals(months, name, dimension))
                 for name, dimension, title in SUMMARY_TABLES)


@dataclass(frozen=True)
class RijkTotals:
    """The overview summed over every organisation's published months in a period."""

    start: Month
    end: Month
    organisations: tuple[str, ...]
    """Organisations with at least one published month in the period."""
    missing: tuple[tuple[str, Month], ...]
    """(organisation, month) pairs in the period without a publication."""
    tables: tuple[TotalTable, ...]
    """Empty when nothing is published in the period."""

    @property
    def complete(self) -> bool:
        return not self.missing


def rijk_totals(published: Mapping[str, Sequence[PublishedMonth]], start: Month,
                end: Month) -> RijkTotals:
    """Rijk-wide totals from ``published`` (organisation -> its publications in the period)."""
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    period = _months(start, end)
    used: list[PublishedMonth] = []
    missing: list[tuple[str, Month]] = []
    present: list[str] = []
    for organisation in sorted(published):
        months = {m.month: m for m in published[organisation] if start <= m.month <= end}
        for month in months.values():
            if month.organisation != organisation:
                raise ValueError(f"publication of {month.organisation} listed under "
                                 f"{organisation}")
        if months:
            present.append(organisation)
        used.extend(months[m] for m in sorted(months))
        missing.extend((organisation, m) for m in period if m not in months)
    tables = summary(used) if used else ()
    return RijkTotals(start, end, tuple(present), tuple(missing), tables)


def _months(start: Month, end: Month) -> list[Month]:
    out = [start]
    while out[-1] < end:
        out.append(out[-1].add(1))
    return out


def organisation_totals(py: PlanYear) -> list[dict[str, Any]]:
    """Cases per organisation (NAME, shown value, text) in a complete year, else year to date.

    For a running year the total is the sum of the months released so far.
    """
    out = []
    for unit in py.org.organisations:
        estimate: Estimate | None
        if py.complete:
            try:
                estimate = py.total(unit.code)
            except AnalyticsError:
                estimate = None
        else:
            months = [m for m, _e in py.monthly(unit.code)]
            # Correlated through the quarters: months_sum keeps the covariance.
            estimate = py.months_sum(unit.code, months) if months else None
        if estimate is None:
            continue
        shown = display(estimate)
        out.append({"code": unit.code, "name": str(unit.name), "getal": shown.number,
                    "weergave": shown.text, "te_onzeker": shown.too_uncertain,
                    "estimate": shown.value})
    return out
