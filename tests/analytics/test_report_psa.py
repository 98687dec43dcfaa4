"""The signalenrapportage groups the PSA categories (Arbowet art. 1 lid 3 sub e) so the figures
can be laid beside the RI&E, and keeps the meldknop's self-reports out of follow-up figures."""

from __future__ import annotations

import math

from analytics.report import build_report, plan_estimates
from analytics.report_sections import PSA
from dashboards.published import plan_year
from registry.periods import Month
from registry.records import SignalRecord
from registry.taxonomy import PSA_GROUP

YEAR = Month.current().year - 1
UNITS = ("MIN-A-DG1-D1", "MIN-A-DG2", "MIN-B-D1")


def _seed(services) -> None:  # type: ignore[no-untyped-def]
    subjects = (("pesten",), ("werkdruk",), ("seksuele_intimidatie", "fraude_diefstal"),
                ("belangenverstrengeling",))
    records = [
        SignalRecord(period=Month(YEAR, 3 + i % 6), unit=unit, organisation=unit[:5],
                     channel=("vp_intern", "bmw", "meldpunt")[i % 3],
                     categories=subjects[i % 4], implicated_party="collega",
                     reporter_role="medewerker",
                     follow_up=("zelfmelding_geen_opvolging" if i % 3 == 2
                                else ("advies", "alleen_luisteren")[i % 2]))
        for i in range(30) for unit in UNITS
    ]
    services.signals.store_many(records, receipts=False)
    services.plans.publish_due([YEAR])


def test_the_report_groups_psa_with_the_arbowet_reference(services):
    _seed(services)
    py = plan_year(services, YEAR)
    assert py is not None and py.complete
    figures = build_report("MIN-A", YEAR, py, None, services.taxonomy, services.org())
    keys = list(figures["tables"])
    assert keys[keys.index("zaken_per_categorie") + 1] == PSA
    assert "Arbowet art. 1 lid 3 sub e" in figures["titles"][PSA]
    assert "RI&E" in figures["table_notes"][PSA]
    rows = {r["code"]: r for r in figures["tables"][PSA]}
    members = set(services.taxonomy.group_codes(PSA_GROUP))
    assert set(rows) - {"totaal"} == members
    assert "fraude_diefstal" not in rows and "belangenverstrengeling" not in rows
    # the total is the sum of its categories, with their variances added
    parts = [py.category("MIN-A", c) for c in members]
    total = rows["totaal"]
    assert total["sd"] == round(math.sqrt(sum(p.variance for p in parts)), 3)
    assert rows["totaal"]["label"] == "Psychosociale arbeidsbelasting samen"
    werkdruk = next(r for r in figures["tables"]["zaken_per_categorie"] if r["code"] == "werkdruk")
    assert werkdruk["label"] == "Werkdruk"


def test_the_rijk_report_has_the_psa_group_too(services):
    _seed(services)
    py = plan_year(services, YEAR)
    figures = build_report("RIJK", YEAR, py, None, services.taxonomy, services.org())
    assert PSA in figures["tables"]


def test_no_follow_up_figure_holds_the_meldknop_code(services):
    _seed(services)
    py = plan_year(services, YEAR)
    # the plan's follow-up table has a cell for the code (it is a taxonomy code) ...
    assert "zelfmelding_geen_opvolging" in py.table("org_follow_up").codes()
    estimates = plan_estimates(py, "MIN-A")
    # ... but the advisers' follow-up figures leave it out: nobody acted on those signals
    assert "zelfmelding_geen_opvolging" not in estimates["zaken_per_opvolging"]
    assert set(estimates["zaken_per_opvolging"]) >= {"advies", "alleen_luisteren"}
    figures = build_report("MIN-A", YEAR, py, None, services.taxonomy, services.org())
    codes = {r["code"] for key, rows in figures["tables"].items() for r in rows}
    assert "zelfmelding_geen_opvolging" not in codes
    assert "geen opvolging bekend" in figures["table_notes"]["meldknop_per_categorie"]
