"""Every chart of the prevention dashboard, declared once: its key, its page and its builder.

Adding a chart is one line in ``CHARTS`` plus its builder, a function from the page's section
(the figures the page reads, built once per page by ``PAGES``) to a :class:`Drawn` chart, or
None when the section has nothing to draw. The page shows its charts in the order declared
here, and the CSV download finds a chart's page by its key; nothing else lists them. The
title is the builder's, since it names the year or the period the chart shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from analytics.plan import PlanYear
from dashboards.charts.table import Chart, Drawn
from dashboards.prevention import benchmarks, figures, units
from dashboards.prevention.filters import Filters
from registry.organisations import OrgStructure
from registry.taxonomy import Taxonomy

SectionT = TypeVar("SectionT")


class Page(StrEnum):
    """The dashboard's pages with charts (the value is the name of its template's page)."""

    TRENDS = "trends"
    UNITS = "units"
    BENCHMARKS = "benchmarks"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True)
class ChartSpec(Generic[SectionT]):
    key: str
    """Stable name: the HTML id and the name of the CSV download."""
    page: Page
    build: Callable[[SectionT], Drawn | None]

    def chart(self, section: SectionT) -> Chart | None:
        drawn = self.build(section)
        if drawn is None:
            return None
        return Chart(self.key, drawn.title, drawn.figure, drawn.table, drawn.notes)


@dataclass(frozen=True)
class PageInputs:
    """What every page's section is built from: the published plan years and the filters."""

    plan: Mapping[int, PlanYear]
    org: OrgStructure
    taxonomy: Taxonomy
    filters: Filters
    locale: str


@dataclass(frozen=True)
class PageFigures:
    section: Any
    """The page's own figures and texts (sentences, checks, explanations), as its builder in
    ``PAGES`` returns them; the template reads them."""
    charts: tuple[Chart, ...]


PAGES: dict[Page, Callable[[PageInputs], Any]] = {
    Page.TRENDS: lambda i: figures.trend_section(i.plan, i.org, i.filters),
    Page.UNITS: lambda i: units.unit_section(i.plan, i.org, i.taxonomy, i.filters, i.locale),
    Page.BENCHMARKS: lambda i: benchmarks.benchmark_section(i.plan, i.org, i.taxonomy, i.filters,
                                                            i.locale),
    Page.FOLLOW_UP: lambda i: figures.follow_up_section(i.plan, i.taxonomy, i.filters, i.locale),
}

CHARTS: tuple[ChartSpec[Any], ...] = (
    ChartSpec("trend-aantal", Page.TRENDS, figures.count_chart),
    ChartSpec("trend-per-100-fte", Page.TRENDS, figures.rate_chart),
    ChartSpec("kwartalen", Page.TRENDS, figures.sums_chart),
    ChartSpec("categorie-jaar", Page.UNITS, units.category_chart),
    ChartSpec("dg-categorie", Page.UNITS, units.dg_chart),
    ChartSpec("dg-vergelijking", Page.BENCHMARKS, benchmarks.dg_chart),
    ChartSpec("extern", Page.BENCHMARKS, benchmarks.external_chart),
    ChartSpec("opvolging", Page.FOLLOW_UP, figures.follow_up_chart),
)


def chart_page(key: str) -> Page | None:
    """The page that shows the chart ``key``; None for a key no chart has."""
    return next((spec.page for spec in CHARTS if spec.key == key), None)


def build_page(page: Page, inputs: PageInputs) -> PageFigures:
    """The page's section and its charts, in the order of ``CHARTS``."""
    section = PAGES[page](inputs)
    drawn = (spec.chart(section) for spec in CHARTS if spec.page is page)
    return PageFigures(section, tuple(chart for chart in drawn if chart is not None))
