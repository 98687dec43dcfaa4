"""Analytics on released figures: the release plan's figures, their display, and the checks.

Everything here is post-processing of released tables: no raw signals, no randomness, no web
framework. The figures of a data year come from the release plan's signed releases as a
:class:`~analytics.plan.PlanYear` (levels and months combined by least squares); every figure is
an :class:`~analytics.intervals.Estimate`; :mod:`analytics.reading` decides how it may be shown;
:mod:`analytics.hotspots` names a unit only on evidence. Method notes: docs/analytics.md.
"""

from analytics.hotspots import HotspotReport, PairResult, Verdict, hotspots
from analytics.intervals import Estimate, difference, rate_per_100_fte, ratio, share, total
from analytics.plan import PlanRelease, PlanYear

__all__ = [
    "Estimate",
    "HotspotReport",
    "PairResult",
    "PlanRelease",
    "PlanYear",
    "Verdict",
    "difference",
    "hotspots",
    "rate_per_100_fte",
    "ratio",
    "share",
    "total",
]
