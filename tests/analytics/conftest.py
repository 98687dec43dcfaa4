"""A small hand-made structure and a builder of published months with chosen estimates.

The structure (headcounts in FTE; threshold 50, so A3 is merged into A):

    ORG 1000 (own 50)
      A 400 (own 50 = 400 - 150 - 200; A3's 30 included)
        A1 150
        A2 200
        A3  30 (not released)
      B 300 (own 200)
        B1 100
      C 250

Estimates are set by hand and every table gets a chosen noise sd, so expected results can be
worked out on paper.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from analytics.published import PublishedMonth, PublishedTable
from registry.organisations import OrgStructure, OrgUnit
from registry.periods import Month

UNITS = ("ORG", "A", "A1", "A2", "B", "B1", "C")
CATEGORIES = ("pesten", "werkdruk")
CHANNELS = ("vp_intern", "bmw", "meldpunt")
FOLLOW_UPS = ("advies", "doorverwijzing", "bemiddeling")


def small_org() -> OrgStructure:
    return OrgStructure((
        OrgUnit("ORG", "Organisatie", None, "ORG", 1000),
        OrgUnit("A", "Directie A", "ORG", "ORG", 400),
        OrgUnit("A1", "Afdeling A1", "A", "ORG", 150),
        OrgUnit("A2", "Afdeling A2", "A", "ORG", 200),
        OrgUnit("A3", "Team A3", "A", "ORG", 30),
        OrgUnit("B", "Directie B", "ORG", "ORG", 300),
        OrgUnit("B1", "Afdeling B1", "B", "ORG", 100),
        OrgUnit("C", "Directie C", "ORG", "ORG", 250),
    ))


Values = Mapping[tuple[str, ...], int]
MonthBuilder = Callable[..., PublishedMonth]


def build_month(
    month: Month, *, unit_category: Values | None = None, cases: Values | None = None,
    channel: Values | None = None, follow_up: Values | None = None, total: int = 0,
    sd: float = 2.0, organisation: str = "ORG", mechanism: str = "laplace",
) -> PublishedMonth:
    """A publication whose cells are the given values (missing cells are 0), all with noise
    standard deviation ``sd``."""
    def table(name: str, group_by: tuple[str, ...], keys: list[tuple[str, ...]],
              values: Values | None) -> PublishedTable:
        given = dict(values or {})
        unknown = set(given) - set(keys)
        assert not unknown, f"cells outside the grid: {unknown}"
        return PublishedTable(name, month, group_by, {k: given.get(k, 0) for k in keys},
                              noise_sd=sd, half_width=round(1.96 * sd), mechanism=mechanism)

    uc = [(u, c) for u in UNITS for c in CATEGORIES]
    ucch = [(u, c, ch) for u in UNITS for c in CATEGORIES for ch in CHANNELS]
    tables = {
        "contacts_unit_category": table("contacts_unit_category", ("unit", "category"), uc,
                                        unit_category),
        "cases_unit_category": table("cases_unit_category", ("unit", "category"), uc, cases),
        "contacts_unit_category_channel": table(
            "contacts_unit_category_channel", ("unit", "category", "channel"), ucch, channel),
        "contacts_follow_up": table("contacts_follow_up", ("follow_up",),
                                    [(f,) for f in FOLLOW_UPS], follow_up),
        "contacts_total": table("contacts_total", (), [()], {(): total}),
    }
    return PublishedMonth(organisation, month, f"r-{month}", tables)


@pytest.fixture(scope="session")
def org() -> OrgStructure:
    return small_org()


@pytest.fixture(scope="session")
def make_month() -> MonthBuilder:
    return build_month
