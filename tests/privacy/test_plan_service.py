"""Publishing the release plan on a database: closed periods once, a series paid once from the
plan's share of the data year's cap, open periods refused, tables without exact masses."""

import dataclasses
import math
from datetime import date
from fractions import Fraction

import pytest

from privacy.accounting import Cap, epsilon_at
from privacy.ledger import BudgetLedger
from privacy.plan import PLAN_CONSUMER, PLAN_KIND, PLAN_RHO, Part, tables_of
from privacy.plan_counts import plan_grid
from privacy.plan_service import PLAN_SCOPE, PlanService
from privacy.releases import ReleaseService
from registry.errors import Conflict, ValidationFailed
from registry.periods import Month
from registry.records import SignalRecord

YEAR = 2026
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MONTH_RHO = sum((t.rho for t in tables_of(Part.MONTH)), Fraction(0))
QUARTER_RHO = sum((t.rho for t in tables_of(Part.QUARTER)), Fraction(0))
HALF_RHO = sum((t.rho for t in tables_of(Part.HALF)), Fraction(0))
YEAR_RHO = sum((t.rho for t in tables_of(Part.YEAR)), Fraction(0))


def token(n):
    return "ZAAK-NUMM-ERXX-" + "".join(ALPHABET[(n >> (5 * i)) % 32] for i in range(4))


def record(month, unit, n, **changes):
    values = {"period": Month(YEAR, month), "unit": unit, "organisation": unit[:5],
              "channel": "vp_intern", "categories": ("pesten",), "implicated_party": "collega",
              "reporter_role": "medewerker", "follow_up": "advies", "case_token": token(n)}
    return SignalRecord(**{**values, **changes})


@pytest.fixture
def ledger(services):
    return BudgetLedger(services.db, Cap.of())


@pytest.fixture
def plans(services, ledger):
    """A PlanService as of a given month (the month before it is the last closed one)."""
    releases = ReleaseService(services.db, ledger, services.signer, today=lambda: date(2027, 1, 2))
    org = services.org()

    def at(today: Month) -> PlanService:
        return PlanService(services.db, releases, ledger, org, services.taxonomy,
                           today=lambda: today)

    return at


@pytest.fixture
def signals(services):
    records = [
        record(1, "MIN-A-DG1-D1", 1, categories=("pesten", "intimidatie")),
        record(3, "MIN-A-DG2", 1, channel="bmw"),  # the same case, a later contact
        record(2, "MIN-B-D1", 2, impact=("verzuim",)),
        record(4, "MIN-A-DG1-D2-T1", 3, follow_up="formele_klacht"),
        record(5, "MIN-B-D2", 4, case_token=None),
        record(5, "MIN-A-DG1-D1", 5, channel="meldpunt", case_token=None),
        record(9, "MIN-A-DG2", 6),
        record(11, "MIN-B-D1", 7, categories=("werkdruk", "overig")),
    ]
    services.signals.store_many(records, receipts=False)
    return records


def plan_spent(ledger):
    return ledger.status(PLAN_CONSUMER, YEAR).spent


def test_closed_periods_are_published_once_and_paid_from_the_plans_share(plans, ledger,
                                                                         signals):
    ledger.set_budget("gor", YEAR, "0.05")
    lines = []
    made = plans(Month(2026, 5)).publish_due([YEAR], echo=lines.append)

    published = [(r.spec["part"], r.spec["period"]) for r in made]
    assert published == [("month", f"2026-0{m}") for m in range(1, 5)] + [("quarter", "2026-Q1")]
    assert len(lines) == 5
    assert ledger.status(PLAN_CONSUMER, YEAR).total == PLAN_RHO
    assert plan_spent(ledger) == MONTH_RHO + QUARTER_RHO
    assert all(r.scope == PLAN_SCOPE and r.consumer == PLAN_CONSUMER for r in made)
    assert all(r.verify() for r in made)
    # Only the plan's consumer is charged.
    assert ledger.spends("gor", YEAR) == []
    assert {s.consumer for c in ("gor", PLAN_CONSUMER) for s in ledger.spends(c, YEAR)} == {
        PLAN_CONSUMER}
    assert ledger.year(YEAR).spent == MONTH_RHO + QUARTER_RHO
    assert sorted(s.rho for s in ledger.spends(PLAN_CONSUMER, YEAR)) == [QUARTER_RHO, MONTH_RHO]

    again = plans(Month(2026, 5)).publish_due([YEAR])
    assert again == []
    assert plan_spent(ledger) == MONTH_RHO + QUARTER_RHO


def test_a_periodic_series_is_charged_once_and_later_releases_name_who_paid(plans, ledger,
                                                                             signals):
    first = plans(Month(2026, 5)).publish_due([YEAR])
    payer = {r.spec["part"]: r for r in first if r.spec["budget"]["paid_by"] is None}
    assert set(payer) == {"month", "quarter"}
    assert payer["month"].spec["period"] == "2026-01"
    assert payer["month"].epsilon_spent == MONTH_RHO
    assert payer["month"].spec["budget"] == {"unit": "rho", "data_years": [YEAR],
                                             "rho": "0.012", "paid_by": None}
    for release in first:
        if release.spec["part"] == "month" and release.spec["period"] != "2026-01":
            assert release.epsilon_spent == 0
            assert release.document()["epsilon_spent"] == "rho 0"
            assert release.spec["budget"]["paid_by"] == payer["month"].id

    later = plans(Month(2026, 8)).publish_due([YEAR])
    assert [(r.spec["part"], r.spec["period"]) for r in later] == [
        ("month", "2026-05"), ("month", "2026-06"), ("month", "2026-07"),
        ("quarter", "2026-Q2"), ("half", "2026-H1")]
    for release in later:
        part = release.spec["part"]
        if part == "half":
            assert (release.epsilon_spent, release.spec["budget"]["paid_by"]) == (HALF_RHO, None)
        else:
            assert release.epsilon_spent == 0
            assert release.spec["budget"]["paid_by"] == payer[part].id
    assert plan_spent(ledger) == MONTH_RHO + QUARTER_RHO + HALF_RHO


def test_a_whole_year_costs_exactly_the_plan_rho(plans, ledger, signals):
    made = plans(Month(2027, 1)).publish_due([YEAR])
    parts = [r.spec["part"] for r in made]
    assert (parts.count("month"), parts.count("quarter"), parts.count("half"),
            parts.count("year")) == (12, 4, 2, 1)
    assert sum((r.epsilon_spent for r in made), Fraction(0)) == PLAN_RHO
    assert plan_spent(ledger) == PLAN_RHO == ledger.year(YEAR).spent
    assert ledger.status(PLAN_CONSUMER, YEAR).remaining == 0
    assert epsilon_at(PLAN_RHO) < 4
    assert plans(Month(2027, 1)).publish_due([YEAR]) == []
    assert [e.part for e in plans(Month(2027, 1)).index(YEAR)].count(Part.MONTH) == 12


def test_an_open_period_is_refused_and_charges_nothing(plans, ledger, signals):
    service = plans(Month(2026, 5))
    for part, period in ((Part.MONTH, "2026-05"), (Part.QUARTER, "2026-Q2"),
                         (Part.HALF, "2026-H1"), (Part.YEAR, "2026"), (Part.MONTH, "2026-13"),
                         (Part.MONTH, "2027-01")):
        with pytest.raises(ValidationFailed) as refused:
            service.publish(YEAR, part, period)
        assert refused.value.errors[0].field == "period"
        assert "geen afgesloten periode" in refused.value.message
    assert service.index() == []
    assert ledger.year(YEAR).spent == 0


def test_a_published_period_is_not_published_twice_but_can_be_replaced(plans, ledger, signals):
    service = plans(Month(2026, 2))
    first = service.publish(YEAR, Part.MONTH, "2026-01")
    with pytest.raises(Conflict) as refused:
        service.publish(YEAR, Part.MONTH, "2026-01")
    assert first.id in refused.value.message
    assert plan_spent(ledger) == MONTH_RHO

    replaced = service.publish(YEAR, Part.MONTH, "2026-01", replace=True)
    assert (replaced.replaces, replaced.spec["revision"]) == (first.id, 2)
    assert replaced.spec["budget"]["paid_by"] is None
    assert replaced.epsilon_spent == MONTH_RHO  # fresh noise on the same month is paid again
    assert plan_spent(ledger) == 2 * MONTH_RHO
    assert [(e.release_id, e.revision) for e in service.index(YEAR)] == [(replaced.id, 2)]


def test_the_plan_needs_its_share_to_fit_in_the_cap(plans, ledger, signals):
    ledger.set_budget("gor", YEAR, "0.1")  # leaves 0.211064 < the plan's 0.226
    with pytest.raises(ValidationFailed) as refused:
        plans(Month(2026, 2)).publish_due([YEAR])
    assert refused.value.errors[0].field == "rho"
    assert plans(Month(2026, 2)).index() == []
    assert ledger.year(YEAR).spent == 0


def test_released_tables_hold_estimates_and_noise_spread_only(services, plans, signals):
    made = plans(Month(2027, 1)).publish_due([YEAR])
    org = services.org()
    for release in made:
        part = Part(release.spec["part"])
        result = release.result
        assert result["data_year"] == YEAR
        assert release.spec["kind"] == PLAN_KIND
        assert set(result["tables"]) == {t.name for t in tables_of(part)}
        for table in tables_of(part):
            shape = result["tables"][table.name]
            sigma = 1 / math.sqrt(2 * float(table.rho))
            assert shape["standard_deviation"] == pytest.approx(sigma, rel=1e-6)
            assert shape["privacy_loss_rho"] <= float(table.rho)
            assert (shape["measure"], shape["mechanism"], shape["l2_sensitivity"]) == (
                "cases", "gaussian", 1)
            period = None if part is Part.YEAR else release.spec["period"]
            grid = plan_grid(table, YEAR, services.taxonomy, org, period)
            assert len(shape["cells"]) == grid.n_cells
            keys = {"unit", "code", "estimate"} | ({"period"} if period else set())
            for cell in shape["cells"]:
                assert set(cell) == keys
                assert isinstance(cell["estimate"], float)
                assert cell.get("period", period) == period


def test_by_default_last_year_and_this_year_are_due(plans, ledger, signals):
    made = plans(Month(2026, 2)).publish_due()
    assert sorted({r.spec["data_year"] for r in made}) == [2025, 2026]
    assert [(r.spec["part"], r.spec["period"]) for r in made if r.spec["data_year"] == 2026] == [
        ("month", "2026-01")]
    assert ledger.status(PLAN_CONSUMER, 2025).spent == PLAN_RHO
    assert [r.year for r in made] == [r.spec["data_year"] for r in made]  # charged to its year


def test_a_series_whose_tables_changed_pays_again(monkeypatch, plans, ledger, signals):
    service = plans(Month(2026, 4))
    january = service.publish(YEAR, Part.MONTH, "2026-01")
    # A new plan measures the monthly series with less noise: the January payment does not
    # cover it, so the next month pays the new series in full and later months name that one.
    (table,) = tables_of(Part.MONTH)
    louder = dataclasses.replace(table, rho=Fraction("0.02"))
    monkeypatch.setattr("privacy.plan_service.tables_of",
                        lambda part: (louder,) if part is Part.MONTH else tables_of(part))
    february = service.publish(YEAR, Part.MONTH, "2026-02")
    march = service.publish(YEAR, Part.MONTH, "2026-03")
    assert (february.epsilon_spent, february.spec["budget"]["paid_by"]) == (Fraction("0.02"), None)
    assert (march.epsilon_spent, march.spec["budget"]["paid_by"]) == (0, february.id)
    assert january.spec["budget"]["paid_by"] is None
    assert plan_spent(ledger) == MONTH_RHO + Fraction("0.02")
