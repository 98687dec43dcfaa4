"""The demo's Rijk published as ``tests/analytics/test_hotspots.py`` publishes it, with the release
noise drawn from a seeded generator, for the pages, the API and the report that name units.

The noise has the plan's own standard deviation (``calibrate_sigma``), only its draws are
fixed, so every run sees the same figures. By design up to one report in twenty names a unit
falsely on data without hotspots (``analytics.hotspots``); a test must not fail on that chance.
With ``NOISE_SEED`` none of the 20 reports (10 organisations, 2025 and 2026-H1) of the demo
without hotspots names a unit, and the demo with its hotspots names only those and the units
that hold their excess (the organisation as a whole, the directies inside). Of six seeds tried,
two were clean; the others named a unit in 1 or 2 of the 20 null reports (5 of 120 in all,
three of them LNV's first half of 2026 for pesten, in the same signals).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from privacy import plan_service
from privacy.plan_counts import ExactPlanTable, NoisyPlanTable, calibrate_sigma
from registry.organisations import OrgStructure
from registry.periods import Month
from server.demo_data import DEFAULT_SEED, Hotspot, SignalGenerator, demo_org, demo_signals

END = Month(2026, 12)
"""Today, for the plan: 2025 is complete, 2026 has its months to November and 2026-H1."""
NOISE_SEED = 4


def seed_noise(monkeypatch: pytest.MonkeyPatch, seed: int = NOISE_SEED) -> None:
    rng = np.random.default_rng(seed)

    def noisy(exact: ExactPlanTable) -> NoisyPlanTable:
        scale, loss = calibrate_sigma(exact.table.rho)
        values = exact.mass + rng.normal(0.0, scale, exact.mass.shape)
        return NoisyPlanTable(exact.table, exact.grid, values, scale, loss)

    monkeypatch.setattr(plan_service, "noisy_plan_table", noisy)


def publish_demo(services: Any, *, planted: bool = True,
                 ) -> tuple[OrgStructure, list[Hotspot]]:
    """24 months of demo signals up to ``END`` (with the demo's 4 hotspots, or none), the plan
    of 2025 and 2026 published as it stands in December 2026."""
    services.replace_org(demo_org())
    org = services.org()
    if planted:
        records, spots = demo_signals(org, months=24, end=END)
    else:
        records, spots = SignalGenerator(org, DEFAULT_SEED).generate(24, END, []), []
    services.signals.store_many(records, receipts=False)
    plans = services.plans
    plans.today = lambda: END
    plans.publish_due([2025, 2026])
    return org, spots


def related(org: OrgStructure, spot: Hotspot) -> set[tuple[str, str]]:
    """What may be named for a planted hotspot: its unit, its organisation (as a whole) and the
    directies inside it, for its category: they all hold the excess."""
    organisation = org.get(spot.unit).organisation
    return {(u, spot.category) for u in (spot.unit, organisation, *org.subtree(spot.unit))}


def period_of(spot: Hotspot) -> str:
    return str(spot.start.year) if spot.months == 12 else f"{spot.start.year}-H1"
