"""Analytics on published (noisy) figures: trends, benchmarks, checks and monitoring.

Everything here is post-processing of released tables: no raw signals, no randomness, no web
framework. Inputs are :class:`PublishedMonth` sequences (one organisation's monthly releases)
and the public :class:`~registry.organisations.OrgStructure`; results are frozen dataclasses
with ``as_dict()`` for JSON. Method notes: docs/analytics.md.
"""

from analytics.benchmarks import (
    Funnel,
    FunnelCurve,
    UnitComparison,
    compare_units,
    funnel,
    hotspot_power,
)
from analytics.checks import CheckReport, CheckRules, Flag, PairCheck, run_checks
from analytics.external import (
    ExternalBenchmark,
    ExternalComparison,
    compare_external,
    external_benchmarks,
)
from analytics.intervals import (
    Estimate,
    difference,
    linear_trend,
    rate_per_100_fte,
    ratio,
    share,
    total,
)
from analytics.monitoring import (
    FollowUpMonitor,
    FollowUpPeriod,
    FollowUpShare,
    ShareChange,
    ShareTrend,
    follow_up_monitor,
)
from analytics.published import (
    DEFAULT_MONTHLY_EPSILON,
    DEFAULT_TABLE_EPSILON,
    DEFAULT_YEARLY_EPSILON,
    STANDARD_TABLES,
    PublishedMonth,
    PublishedTable,
    WindowSums,
    by_organisation,
    last_months,
    own_headcount,
    series,
    table_sensitivity,
    window_sums,
)
from analytics.trends import Change, Trend, TrendPoint, trend, trends_by_category, trends_by_unit

__all__ = [
    "DEFAULT_MONTHLY_EPSILON",
    "DEFAULT_TABLE_EPSILON",
    "DEFAULT_YEARLY_EPSILON",
    "STANDARD_TABLES",
    "Change",
    "CheckReport",
    "CheckRules",
    "Estimate",
    "ExternalBenchmark",
    "ExternalComparison",
    "Flag",
    "FollowUpMonitor",
    "FollowUpPeriod",
    "FollowUpShare",
    "Funnel",
    "FunnelCurve",
    "PairCheck",
    "PublishedMonth",
    "PublishedTable",
    "ShareChange",
    "ShareTrend",
    "Trend",
    "TrendPoint",
    "UnitComparison",
    "WindowSums",
    "by_organisation",
    "compare_external",
    "compare_units",
    "difference",
    "external_benchmarks",
    "follow_up_monitor",
    "funnel",
    "hotspot_power",
    "last_months",
    "linear_trend",
    "own_headcount",
    "rate_per_100_fte",
    "ratio",
    "run_checks",
    "series",
    "share",
    "table_sensitivity",
    "total",
    "trend",
    "trends_by_category",
    "trends_by_unit",
    "window_sums",
]
