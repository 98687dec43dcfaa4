"""Migration 0007 on a database with taxonomy 2026.1 signals: the meldknop's signals get their
own follow-up code, every row becomes 2026.2, and the old data is still counted under 2026.2."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import select, text

from privacy.aggregate import exact_table
from privacy.plan import plan_table
from privacy.plan_counts import exact_plan_table, load_year
from privacy.specs import QuerySpec
from registry.models import Signal
from registry.periods import Month
from server.migrations import alembic_config

YEAR = 2025
# (id, unit, channel, follow_up, receipt_hash, case_pseudonym, categories) as 2026.1 stored them
V1_ROWS = [
    ("s1", "MIN-A", "meldpunt", "doorverwijzing", None, None, ["werkdruk"]),  # the meldknop
    ("s2", "MIN-A-DG1", "meldpunt", "doorverwijzing", None, None, ["pesten", "uitsluiting"]),
    ("s3", "MIN-A-DG1", "vp_intern", "doorverwijzing", "r3", None, ["werkdruk"]),  # an adviser
    ("s4", "MIN-A-DG2", "meldpunt", "doorverwijzing", "r4", None, ["fraude_diefstal"]),  # web form
    ("s5", "MIN-B", "meldpunt", "doorverwijzing", None, "case-5", ["overig"]),  # with a case
    ("s6", "MIN-B", "bmw", "advies", None, None, ["machtsmisbruik"]),
]


def _store_v1(engine: Any) -> None:
    with engine.begin() as conn:
        for sid, unit, channel, follow_up, receipt, case, categories in V1_ROWS:
            conn.execute(text(
                "INSERT INTO signals (id, period, organisation, unit, channel, implicated_party, "
                "reporter_role, follow_up, case_pseudonym, receipt_hash, taxonomy_version) VALUES "
                "(:id, :period, :org, :unit, :channel, 'collega', 'medewerker', :follow_up, "
                ":case, :receipt, '2026.1')"),
                {"id": sid, "period": f"{YEAR}-03", "org": unit[:5], "unit": unit,
                 "channel": channel, "follow_up": follow_up, "case": case, "receipt": receipt})
            for category in categories:
                conn.execute(text("INSERT INTO signal_categories (signal_id, category) "
                                  "VALUES (:id, :category)"), {"id": sid, "category": category})


def _rows(engine: Any) -> dict[str, tuple[str, str]]:
    with engine.connect() as conn:
        return {r.id: (r.follow_up, r.taxonomy_version) for r in conn.execute(
            select(Signal.id, Signal.follow_up, Signal.taxonomy_version))}


def _migrated(services: Any) -> Any:
    engine = services.db.engine
    command.downgrade(alembic_config(engine), "0006")
    _store_v1(engine)
    command.upgrade(alembic_config(engine), "head")
    return engine


def test_the_meldknop_signals_get_their_own_code_and_every_row_is_2026_2(services):
    rows = _rows(_migrated(services))
    assert rows == {
        "s1": ("zelfmelding_geen_opvolging", "2026.2"),
        "s2": ("zelfmelding_geen_opvolging", "2026.2"),
        "s3": ("doorverwijzing", "2026.2"),  # an adviser referred: stays a referral
        "s4": ("doorverwijzing", "2026.2"),  # logged with a receipt: an adviser's, not the meldknop
        "s5": ("doorverwijzing", "2026.2"),  # part of a case: an adviser's
        "s6": ("advies", "2026.2"),
    }


def test_downgrade_gives_2026_1_back_the_code_it_knew(services):
    engine = _migrated(services)
    command.downgrade(alembic_config(engine), "0006")
    rows = _rows(engine)
    assert rows["s1"] == ("doorverwijzing", "2026.1")
    assert rows["s3"] == ("doorverwijzing", "2026.2")
    command.upgrade(alembic_config(engine), "head")
    assert _rows(engine)["s1"] == ("zelfmelding_geen_opvolging", "2026.2")


def _cells(exact: Any) -> dict[tuple[str, str, str], float]:
    return {key: float(m) for key, m in zip(exact.grid.keys(), exact.mass, strict=True) if m}


def test_old_signals_are_counted_under_2026_2_in_the_release_plan(services):
    engine = _migrated(services)
    taxonomy, org = services.taxonomy, services.org()
    signals = load_year(engine, YEAR, taxonomy)
    meldknop = _cells(exact_plan_table(signals, plan_table("org_meldknop_category"), YEAR,
                                       taxonomy, org))
    assert meldknop == {("MIN-A", "", "werkdruk"): 1.0, ("MIN-A", "", "pesten"): 0.5,
                        ("MIN-A", "", "uitsluiting"): 0.5, ("MIN-A", "", "fraude_diefstal"): 1.0,
                        ("MIN-B", "", "overig"): 1.0}
    follow_up = _cells(exact_plan_table(signals, plan_table("org_follow_up"), YEAR, taxonomy, org))
    assert follow_up == {("MIN-A", "", "doorverwijzing"): 1.0, ("MIN-B", "", "advies"): 1.0}
    categories = _cells(exact_plan_table(signals, plan_table("org_category"), YEAR, taxonomy, org))
    assert categories == {("MIN-A", "", "werkdruk"): 1.0, ("MIN-B", "", "machtsmisbruik"): 1.0}


def test_a_follow_up_query_keeps_the_meldknop_apart(services):
    engine = _migrated(services)
    spec = QuerySpec.from_json({"measure": "contacts", "from": f"{YEAR}-01", "to": f"{YEAR}-12",
                                "epsilon": "1", "group_by": ["follow_up"]},
                               services.taxonomy, services.org(), Month(2026, 6))
    exact = exact_table(engine, spec, services.taxonomy, services.org(), threshold=0)
    [dimension] = exact.grid.dimensions
    counts = dict(zip(dimension.codes, exact.counts.tolist(), strict=True))
    assert counts["zelfmelding_geen_opvolging"] == 2
    assert counts["doorverwijzing"] == 3
    assert counts["advies"] == 1
