"""The published months behind the pages, read once per release and kept in memory.

Only the canonical monthly publications are read (``privacy.publication``), never raw signals,
and reading spends no budget. Releases are immutable, so what is derived from them can be kept
under their ids for as long as the process lives: a replacement after a correction is a new
release with a new id, and which revision is the latest is looked up on every request.

Per request only the ids and specs of the organisation's publications are read
(``PublicationService.index``, a small query); a release's tables (hundreds of kilobytes of JSON)
are fetched and parsed only the first time its id is seen. Shared by the dashboard and the works
councils' portal. Both caches are bounded, so a long-running server with many organisations does
not grow without end.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import partial

from analytics.plan import PlanRelease, PlanYear
from analytics.published import PublishedMonth, WindowSums, to_published_month, window_sums
from privacy.plan import Part
from privacy.plan_service import PlanEntry, PlanService
from privacy.publication import PublicationEntry
from privacy.releases import Release, ReleaseService
from registry.periods import Month
from web.cache import LruCache
from web.services import RegistryServices

Publication = PublicationEntry  # the index entry: release id, month, revision

_months: LruCache[PublishedMonth] = LruCache(600)  # about four years for a dozen organisations
_sums: LruCache[WindowSums] = LruCache(64)


_plan_releases: LruCache[PlanRelease] = LruCache(2000)
_plan_years: LruCache[PlanYear] = LruCache(16)


def plan_years(services: RegistryServices) -> list[int]:
    """The data years with at least one release of the plan, oldest first."""
    plans: PlanService = services.plans
    return plans.years()


def plan_year(services: RegistryServices, year: int) -> PlanYear | None:
    """The plan's figures of one data year (latest revision of every part), or None.

    Kept per set of release ids: a new month or a replacement is a new key, so a page never
    shows a stale year, and the least-squares combination is done once per set.
    """
    plans: PlanService = services.plans
    entries = plans.index(year)
    return _plan_year(services, year, entries) if entries else None


def last_complete_year(services: RegistryServices) -> int | None:
    """The newest data year whose year tables are published, read from the index only."""
    plans: PlanService = services.plans
    return max((e.year for e in plans.index() if e.part is Part.YEAR), default=None)


def plan(services: RegistryServices, years: Collection[int] | None = None,
         ) -> dict[int, PlanYear]:
    """Every published data year of the plan (or those of ``years``) by year, oldest first,
    from one read of the index: what a page over a range of years needs."""
    plans: PlanService = services.plans
    by_year: dict[int, list[PlanEntry]] = {}
    for entry in plans.index():
        if years is None or entry.year in years:
            by_year.setdefault(entry.year, []).append(entry)
    return {year: _plan_year(services, year, entries)
            for year, entries in sorted(by_year.items())}


def _plan_year(services: RegistryServices, year: int, entries: Sequence[PlanEntry]) -> PlanYear:
    releases = services.releases
    parts = tuple(_plan_releases.get_or_make(e.release_id, partial(_plan_release, releases,
                                                                    e.release_id))
                  for e in entries)
    key = (year, tuple(e.release_id for e in entries))
    return _plan_years.get_or_make(key, lambda: PlanYear(year, services.org(), parts))


def published_index(services: RegistryServices, organisation: str) -> list[Publication]:
    """The latest revision of every published month of the organisation, oldest first."""
    return services.publications.index(organisation)


def month_release(services: RegistryServices, organisation: str, month: Month,
                  ) -> Release | None:
    """The latest revision of one published month, found through the index: only that
    release is fetched, never every release of the organisation."""
    entry = next((p for p in published_index(services, organisation) if p.month == month), None)
    return services.releases.get(entry.release_id) if entry is not None else None


def published_month(release: Release) -> PublishedMonth:
    """A monthly publication as analytics input, parsed once per release and kept."""
    return _months.get_or_make(release.id, lambda: to_published_month(release))


def latest_month(index: Sequence[Publication]) -> Month | None:
    return index[-1].month if index else None


def months_between(index: Sequence[Publication], start: Month, end: Month,
                   releases: ReleaseService) -> list[PublishedMonth]:
    """The publications from ``start`` to ``end`` as analytics input, oldest first."""
    return [_months.get_or_make(p.release_id, partial(_published_month, releases, p.release_id))
            for p in index if start <= p.month <= end]


def _plan_release(releases: ReleaseService, release_id: str) -> PlanRelease:
    return PlanRelease.from_release(releases.get(release_id))


def _published_month(releases: ReleaseService, release_id: str) -> PublishedMonth:
    return to_published_month(releases.get(release_id))


def sums(months: Sequence[PublishedMonth], table: str) -> WindowSums:
    """``window_sums`` of a table over these months, kept: several sections need the same."""
    key = (table, tuple(m.release_id for m in months))
    return _sums.get_or_make(key, lambda: window_sums(months, table))
