"""Monitoring (PDCA): what follow-up signals get, per organisation and period, and its trend.

From ``contacts_follow_up`` (every signal has exactly one follow-up code): per period (quarter by
default) the summed noisy count of each follow-up code, and its share of all contacts in the
period. The share of code f is X_f / (X_f + R_f) with R_f the sum of the other codes' cells;
X_f and R_f have independent noise, and the delta method gives

    var(share) ~ (R_f^2 var(X_f) + X_f^2 var(R_f)) / (X_f + R_f)^4.

The whole is taken from the same table (not ``contacts_total``), so the shares add up to one.
The delta method only holds when the whole is large against its noise: when the whole's noise
sd is more than a fifth of the whole (or the whole is not positive) the share is shown with
``reliable=False`` (and no share at all for a whole at or below zero). With ``sampling=True``
the binomial variation p(1-p)/n of a share is added.

Changes against the period before and a year earlier follow ``analytics.trends``: complete
periods only, ``is_real`` when the 95% interval of the difference excludes zero. The trend is a
weighted least-squares slope over the complete periods with a reliable share, in share points
per period, with its interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analytics.intervals import Estimate, linear_trend, relative_sd, share, total
from analytics.published import PublishedMonth, one_organisation
from analytics.trends import GRAINS, MONTHS_PER_PERIOD, earlier_periods
from registry.periods import Month, bucket

MAX_RELATIVE_SD = 0.2
TABLE = "contacts_follow_up"


@dataclass(frozen=True)
class FollowUpShare:
    follow_up: str
    count: Estimate
    share: Estimate | None
    reliable: bool

    def __post_init__(self) -> None:
        if self.reliable and self.share is None:
            raise ValueError("a reliable share needs a value")

    def as_dict(self) -> dict[str, Any]:
        return {"follow_up": self.follow_up, "count": self.count.as_dict(),
                "share": self.share.as_dict() if self.share is not None else None,
                "share_display": (self.share.clamped(0.0, 1.0).as_dict()
                                  if self.share is not None else None),
                "reliable": self.reliable}


@dataclass(frozen=True)
class FollowUpPeriod:
    period: str
    months: tuple[str, ...]
    complete: bool
    total: Estimate
    shares: tuple[FollowUpShare, ...]

    def get(self, follow_up: str) -> FollowUpShare:
        for s in self.shares:
            if s.follow_up == follow_up:
                return s
        raise KeyError(follow_up)

    def as_dict(self) -> dict[str, Any]:
        return {"period": self.period, "months": list(self.months), "complete": self.complete,
                "total": self.total.as_dict(), "shares": [s.as_dict() for s in self.shares]}


@dataclass(frozen=True)
class ShareChange:
    follow_up: str
    period: str
    reference_period: str
    kind: str
    difference: Estimate
    is_real: bool

    def __post_init__(self) -> None:
        if self.is_real != self.difference.excludes_zero:
            raise ValueError("is_real must say whether the difference's interval excludes zero")

    def as_dict(self) -> dict[str, Any]:
        return {"follow_up": self.follow_up, "period": self.period,
                "reference_period": self.reference_period, "kind": self.kind,
                "difference": self.difference.as_dict(), "is_real": self.is_real}


@dataclass(frozen=True)
class ShareTrend:
    follow_up: str
    periods: tuple[str, ...]
    slope: Estimate
    """Change of the share per period (a fraction; 0.01 is one percentage point)."""
    is_real: bool

    def as_dict(self) -> dict[str, Any]:
        return {"follow_up": self.follow_up, "periods": list(self.periods),
                "slope_per_period": self.slope.as_dict(), "is_real": self.is_real}


@dataclass(frozen=True)
class FollowUpMonitor:
    organisation: str
    grain: str
    sampling: bool
    periods: tuple[FollowUpPeriod, ...]
    changes: tuple[ShareChange, ...]
    trends: tuple[ShareTrend, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "grain": self.grain,
                "sampling": self.sampling, "periods": [p.as_dict() for p in self.periods],
                "changes": [c.as_dict() for c in self.changes],
                "trends": [t.as_dict() for t in self.trends]}


def follow_up_monitor(months: Sequence[PublishedMonth], *, grain: str = "quarter",
                      sampling: bool = False) -> FollowUpMonitor:
    """Follow-up shares per period of one organisation, with changes and trends."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}")
    organisation, ordered = one_organisation(months)
    groups: dict[str, list[PublishedMonth]] = {}
    for published in ordered:
        groups.setdefault(bucket(published.month, grain), []).append(published)
    periods = tuple(_period(label, group, grain, sampling) for label, group in groups.items())
    return FollowUpMonitor(organisation, grain, sampling, periods, _changes(periods, grain),
                           _trends(periods, grain))


def _period(label: str, group: list[PublishedMonth], grain: str, sampling: bool,
            ) -> FollowUpPeriod:
    tables = [m.table(TABLE) for m in group]
    codes = tables[-1].codes("follow_up")
    noise = sum(t.noise_variance for t in tables)
    counts = {c: Estimate(float(sum(t.estimate(c) for t in tables)), noise) for c in codes}
    whole = total(counts.values())
    shares = []
    for code in codes:
        part = counts[code]
        if whole.value <= 0:
            shares.append(FollowUpShare(code, part, None, False))
            continue
        rest = total(counts[c] for c in codes if c != code)
        value = share(part, rest)
        if sampling:
            p = min(max(value.value, 0.0), 1.0)
            value = value.with_extra_variance(p * (1 - p) / whole.value)
        shares.append(FollowUpShare(code, part, value, relative_sd(whole) <= MAX_RELATIVE_SD))
    return FollowUpPeriod(label, tuple(str(m.month) for m in group),
                          len(group) == MONTHS_PER_PERIOD[grain], whole, tuple(shares))


def _changes(periods: tuple[FollowUpPeriod, ...], grain: str) -> tuple[ShareChange, ...]:
    by_label = {p.period: p for p in periods}
    out = []
    for period in periods:
        if not period.complete:
            continue
        for kind, label in earlier_periods(period.months[0], grain):
            earlier = by_label.get(label)
            if earlier is None or not earlier.complete:
                continue
            for now in period.shares:
                try:
                    before = earlier.get(now.follow_up)
                except KeyError:
                    continue
                if now.share is None or before.share is None:
                    continue
                diff = now.share - before.share
                out.append(ShareChange(now.follow_up, period.period, earlier.period, kind, diff,
                                       diff.excludes_zero))
    return tuple(out)


def _trends(periods: tuple[FollowUpPeriod, ...], grain: str) -> tuple[ShareTrend, ...]:
    complete = [p for p in periods if p.complete]
    codes = dict.fromkeys(s.follow_up for p in complete for s in p.shares)
    out = []
    for code in codes:
        points = []
        for period in complete:
            # Time in periods, from the first month, so a missing period leaves a gap.
            time = Month.parse(period.months[0]).index / MONTHS_PER_PERIOD[grain]
            try:
                item = period.get(code)
            except KeyError:
                continue
            if item.reliable and item.share is not None and item.share.variance > 0:
                points.append((time, period.period, item.share))
        if len(points) >= 3:
            slope = linear_trend((t, e) for t, _, e in points)
            out.append(ShareTrend(code, tuple(label for _, label, _ in points), slope,
                                  slope.excludes_zero))
    return tuple(out)
