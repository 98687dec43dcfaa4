"""Trends and follow-up (PDCA) of the dashboard, read from the release plan (``analytics.plan``).

Everything is post-processing of the plan's releases (no raw signals, no budget). Every figure
is a count of cases (a case counts in the month of its first contact, spread evenly over its
categories) with its 95% interval, shown by the one display rule of ``analytics.reading``:
never below zero, and "te onzeker" with the range when the margin is larger than the figure
(tables and downloads say so, charts leave a gap).
Sentences about changes are only written for changes whose interval excludes zero, and only
between quarters and years (months in one quarter are combined with it, so their errors are
correlated; quarters and years are independent of each other).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from flask_babel import gettext as _

from analytics.intervals import Estimate, rate_per_100_fte, share
from analytics.plan import PlanYear
from analytics.reading import Kind, Reading, display, fmt
from dashboards.charts.figures import IntervalRow, Series, intervals_figure, lines_figure
from dashboards.charts.table import ChartTable, Column, Drawn
from dashboards.prevention.filters import Filters
from privacy.plan import Dimension
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.taxonomy import Taxonomy

MAX_SENTENCES = 20
Plan = Mapping[int, PlanYear]
"""The published plan years, by data year."""


@dataclass(frozen=True)
class Point:
    period: str
    count: Estimate
    months: int
    complete: bool


def published_months(plan: Plan, organisation: str, start: Month, end: Month,
                     ) -> list[tuple[Month, Estimate]]:
    """New cases per released month of the organisation from ``start`` to ``end``."""
    out: list[tuple[Month, Estimate]] = []
    for year in sorted(plan):
        if start.year <= year <= end.year:
            out.extend((m, e) for m, e in plan[year].monthly(organisation) if start <= m <= end)
    return out


def latest_month(plan: Plan) -> Month | None:
    months = [Month.parse(p) for py in plan.values() for r in py.releases
              if r.part.value == "month" for p in (r.period,)]
    return max(months) if months else None


def typical_chart_margin(tables: Iterable[ChartTable]) -> int | None:
    """The median 95% margin, in cases, of the counts the page's tables show: the size "Wat
    betekent de marge?" states, so it holds for this page's months, quarters or categories
    (a year's categories have a smaller margin than a month's total, and stating theirs on the
    trends page was wrong). Rates and shares are not cases and do not count; nor does a row
    shown as 'te onzeker', which shows a range from 0 rather than its margin."""
    widths = []
    for table in tables:
        at = _count_columns(table)
        if at is None:
            continue
        for row in table.rows:
            value, low, high = row[at:at + 3]
            # A 'te onzeker' row has text where its count would be.
            if (isinstance(value, int | float) and isinstance(low, int | float)
                    and isinstance(high, int | float)):
                widths.append((high - low) / 2)
    return round(statistics.median(widths)) if widths else None


def _count_columns(table: ChartTable) -> int | None:
    """Where a table's count stands: a count of cases is shown as three whole-number columns in
    a row (the count, "95%-interval van", "95%-interval tot"); rates and shares have decimals."""
    digits = [c.digits for c in table.columns]
    for at in range(len(digits) - 2):
        if digits[at:at + 3] == [0, 0, 0]:
            return at
    return None


def latest_complete(plan: Plan, up_to: int | None = None) -> PlanYear | None:
    """The newest complete data year (at most ``up_to``)."""
    years = [y for y, py in plan.items() if py.complete and (up_to is None or y <= up_to)]
    return plan[max(years)] if years else None


def periods(plan: Plan, organisation: str, start: Month, end: Month, grain: str) -> list[Point]:
    """Months, quarters or years in the range; a quarter or year is the sum of its months."""
    months = published_months(plan, organisation, start, end)
    if grain == "month":
        return [Point(str(m), e, 1, True) for m, e in months]
    groups: dict[str, list[Month]] = {}
    for m, _e in months:
        label = f"{m.year}-Q{(m.month - 1) // 3 + 1}" if grain == "quarter" else str(m.year)
        groups.setdefault(label, []).append(m)
    out = []
    for label, members in groups.items():
        estimate = plan[members[0].year].months_sum(organisation, members)
        if estimate is None:
            continue
        out.append(Point(label, estimate, len(members),
                         len(members) == (3 if grain == "quarter" else 12)))
    return out


def _grain(grain: str) -> str:
    return str({"month": _("maand"), "quarter": _("kwartaal"), "year": _("jaar")}[grain])


def _series(label: str, points: Sequence[tuple[str, Reading]]) -> Series:
    nan = float("nan")
    return Series(label, [p for p, _s in points],
                  [nan if s.chart_value is None else s.chart_value for _p, s in points],
                  [s.lower for _p, s in points], [s.upper for _p, s in points])


@dataclass(frozen=True)
class Trend:
    """The trends page: the organisation's new cases per period, and the clear changes."""

    plan: Plan
    organisation: str
    name: str
    headcount: int
    grain: str
    """The filters' grain: month, quarter or year."""
    end: Month
    points: tuple[Point, ...]
    sentences: tuple[Change, ...]

    @property
    def counts(self) -> list[tuple[str, Reading]]:
        return [(p.period, display(p.count)) for p in self.points]

    @property
    def rates(self) -> list[tuple[str, Reading]]:
        if self.headcount <= 0:
            return []
        return [(p.period, display(rate_per_100_fte(p.count, self.headcount, p.months),
                                   Kind.RATE)) for p in self.points]


def trend_section(plan: Plan, org: OrgStructure, filters: Filters) -> Trend:
    organisation = filters.organisation
    unit = org.get(organisation)
    points = periods(plan, organisation, filters.start, filters.end, filters.grain)
    return Trend(plan, organisation, unit.name, unit.headcount, filters.grain, filters.end,
                 tuple(points), _trend_sentences(plan, organisation, filters))


def count_chart(trend: Trend) -> Drawn:
    grain = _grain(trend.grain)
    counts = trend.counts
    figure = lines_figure([_series(trend.name, counts)], x_title=grain,
                          y_title=_("Nieuwe zaken"))
    rows = tuple((p.period, s.cell, s.low, s.high, _("ja") if p.complete else _("nee"))
                 for p, (_l, s) in zip(trend.points, counts, strict=True))
    return Drawn(_("Nieuwe zaken per %(grain)s", grain=grain), figure, ChartTable(
        _("Nieuwe zaken per %(grain)s (een zaak telt in de maand van het eerste "
          "contact), met het 95%%-interval", grain=grain),
        (Column(_("Periode")), Column(_("Nieuwe zaken"), 0), Column(_("95%-interval van"), 0),
         Column(_("95%-interval tot"), 0), Column(_("Volledige periode"))), rows))


def rate_chart(trend: Trend) -> Drawn:
    grain = _grain(trend.grain)
    rates = trend.rates
    figure = lines_figure([_series(trend.name, rates)], x_title=grain,
                          y_title=_("Nieuwe zaken per 100 fte per jaar"))
    rows = tuple((p.period, s.cell, s.low, s.high, trend.headcount)
                 for p, (_l, s) in zip(trend.points, rates, strict=True))
    return Drawn(_("Nieuwe zaken per 100 fte per jaar"), figure, ChartTable(
        _("Nieuwe zaken per 100 fte per jaar, per %(grain)s, met het 95%%-interval", grain=grain),
        (Column(_("Periode")), Column(_("Per 100 fte per jaar"), 2),
         Column(_("95%-interval van"), 2), Column(_("95%-interval tot"), 2),
         Column(_("Fte"), 0)), rows))


def sums_chart(trend: Trend) -> Drawn:
    """Quarters of the end's year and the year to date, beside the same months a year before."""
    plan, organisation, end = trend.plan, trend.organisation, trend.end
    rows: list[tuple[str, Estimate]] = []
    for year in (end.year - 1, end.year):
        if year not in plan:
            continue
        for q in range(1, 5):
            members = [Month(year, 3 * (q - 1) + i) for i in range(1, 4)]
            estimate = plan[year].months_sum(organisation, members)
            if estimate is not None and members[-1] <= end:
                rows.append((f"{year}-Q{q}", estimate))
    for label, estimate in _year_to_date(plan, organisation, end):
        rows.append((label, estimate))
    shown = [(label, display(e)) for label, e in rows]
    figure = intervals_figure(
        [IntervalRow.shown(label, s) for label, s in shown],
        x_title=_("Nieuwe zaken"), names=(_("Uw organisatie"), _("Referentie")))
    table = ChartTable(
        # gettext formats only when given a variable: without one, "%%" would stay "%%"
        _("Nieuwe zaken per kwartaal en tot nu toe dit jaar, met het 95%%-interval", year=end.year),
        (Column(_("Periode")), Column(_("Nieuwe zaken"), 0), Column(_("95%-interval van"), 0),
         Column(_("95%-interval tot"), 0)),
        tuple((label, s.cell, s.low, s.high) for label, s in shown))
    return Drawn(_("Kwartalen en tot nu toe dit jaar"), figure, table)


def _year_to_date(plan: Plan, organisation: str, end: Month) -> list[tuple[str, Estimate]]:
    out = []
    for year in (end.year - 1, end.year):
        if year not in plan:
            continue
        months = [Month(year, m) for m in range(1, end.month + 1)]
        estimate = plan[year].months_sum(organisation, months)
        if estimate is not None:
            out.append((_("%(year)s t/m %(month)s", year=year, month=f"{end.month:02d}"),
                        estimate))
    return out


@dataclass(frozen=True)
class Change:
    """A clear change: what a reader can conclude, and how it was worked out (for 'Hoe is dit
    berekend?')."""

    conclusion: str
    explanation: str


def _trend_sentences(plan: Plan, organisation: str, filters: Filters) -> tuple[Change, ...]:
    out = []
    quarters = [p for p in periods(plan, organisation, filters.start, filters.end, "quarter")
                if p.complete]
    for before, after in pairwise(quarters):
        change = after.count - before.count
        if change.excludes_zero:
            out.append(change_sentence(after.period, before.period, change))
    ytd = _year_to_date(plan, organisation, filters.end)
    if len(ytd) == 2:
        change = ytd[1][1] - ytd[0][1]
        if change.excludes_zero:
            out.append(change_sentence(ytd[1][0], ytd[0][0], change))
    return tuple(out[-MAX_SENTENCES:])


def change_sentence(period: str, reference: str, difference: Estimate) -> Change:
    """A change whose 95% interval excludes zero, said in words first: more or fewer new cases,
    without a number that looks more exact than it is; the numbers go in the explanation."""
    more = difference.value > 0
    conclusion = (_("In %(period)s kwamen er duidelijk meer nieuwe zaken binnen dan in "
                    "%(reference)s.", period=period, reference=reference) if more else
                  _("In %(period)s kwamen er duidelijk minder nieuwe zaken binnen dan in "
                    "%(reference)s.", period=period, reference=reference))
    low, high = sorted((abs(difference.lower), abs(difference.upper)))
    explanation = _(
        "Het verschil is ongeveer %(value)s zaken. Met 95%% zekerheid ligt het echte verschil "
        "tussen %(low)s en %(high)s zaken %(direction)s. Omdat dat hele gebied aan één kant "
        "van nul ligt, noemen we het een duidelijke verandering; kleinere verschillen kunnen "
        "door de ruis komen en noemen we niet.",
        value=fmt(abs(difference.value)), low=fmt(low, rounding="down"),
        high=fmt(high, rounding="up"), direction=_("meer") if more else _("minder"))
    return Change(conclusion, explanation)


@dataclass(frozen=True)
class FollowUp:
    """The follow-up page: the shares of the follow-up codes in the last complete year."""

    year: int | None
    """The complete data year shown; None before the first one."""
    rows: tuple[tuple[str, float | str | None, float | None, float | None, float | str | None,
                      float | None, float | None], ...] = ()
    drawn: tuple[IntervalRow, ...] = ()
    notes: tuple[str, ...] = ()
    summary: str = ""
    """What a reader can conclude, in one sentence, before any figure."""


def follow_up_section(plan: Plan, taxonomy: Taxonomy, filters: Filters, locale: str) -> FollowUp:
    """Shares of the follow-up codes in the last complete year (the plan releases them per
    year), each within 0-100% and "te onzeker" when the margin is wider than the share."""
    py = latest_complete(plan, filters.end.year)
    if py is None:
        return FollowUp(None, notes=(_("Opvolging wordt per afgesloten jaar gepubliceerd; "
                                       "er is nog geen afgesloten jaar."),))
    # The meldknop's own code is kept apart: the plan's adviser tables never hold its signals.
    meldknop_only = (taxonomy.fields["follow_up"].code_set
                     - {c.code for c in taxonomy.fields["follow_up"].adviser_codes})
    counts = {code: e for code, e in py.attribute(Dimension.FOLLOW_UP, filters.organisation)
              .items() if code not in meldknop_only}
    known = taxonomy.codes("follow_up")
    codes = [c for c in known if c in counts] + [c for c in counts if c not in known]
    whole = sum((counts[c] for c in codes), Estimate(0.0, 0.0))
    rows, drawn, clear = [], [], []
    for code in codes:
        rest = whole - counts[code]
        label = taxonomy.label("follow_up", code, locale)
        count = display(counts[code])
        pct = (display(share(counts[code], rest).scaled(100), Kind.PERCENT)
               if whole.value > 0 else None)
        rows.append((label, count.cell, count.low, count.high,
                     pct.cell if pct else None, pct.low if pct else None,
                     pct.high if pct else None))
        if pct is not None:
            drawn.append(IntervalRow.shown(label, pct))
            if not pct.too_uncertain:
                clear.append(_("%(label)s (ongeveer %(share)s%%)", label=label.lower(),
                               share=pct.number))
    return FollowUp(py.year, tuple(rows), tuple(drawn), summary=_follow_up_summary(clear))


def follow_up_chart(follow_up: FollowUp) -> Drawn | None:
    if follow_up.year is None:
        return None
    figure = intervals_figure(follow_up.drawn, x_title=_("Aandeel van alle zaken (%)"),
                              names=(_("Uw organisatie"), _("Referentie")), ceiling=100.0)
    table = ChartTable(
        _("Zaken en aandeel per soort opvolging in %(year)s, met het 95%%-interval",
          year=follow_up.year),
        (Column(_("Opvolging")), Column(_("Zaken"), 0), Column(_("95%-interval van"), 0),
         Column(_("95%-interval tot"), 0), Column(_("Aandeel (%)"), 1),
         Column(_("95%-interval van (%)"), 1), Column(_("95%-interval tot (%)"), 1)),
        follow_up.rows)
    return Drawn(_("Aandeel per soort opvolging, %(year)s", year=follow_up.year), figure, table)


def _follow_up_summary(clear: Sequence[str]) -> str:
    if not clear:
        return str(_("Voor geen enkele soort opvolging is het aandeel met deze cijfers vast te "
                     "stellen: de marges zijn groter dan de aandelen zelf."))
    return str(_("Met deze cijfers is alleen het aandeel vast te stellen van: %(list)s. Bij de "
                 "andere soorten opvolging is de marge groter dan het aandeel zelf; daarover "
                 "zegt dit jaar niets.", list=", ".join(clear)))
