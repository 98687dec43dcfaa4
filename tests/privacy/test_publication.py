"""The earlier design's monthly publication, kept so that archives stay readable: once per
month, full public grids, replacements paid (in rho now) and linked."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from privacy.aggregate import exact_table
from privacy.contributions import ContributionBounds
from privacy.ledger import parse_epsilon
from privacy.publication import PublicationService, publication_scope
from privacy.specs import QuerySpec
from privacy.standard_tables import MONTHLY_EPSILON, STANDARD_TABLES, standard_table
from privacy.tables import key_grid
from registry.errors import Conflict, ValidationFailed
from registry.periods import Month
from registry.records import SignalRecord

MONTH = Month.current().add(-1)


def seed(services, month: Month = MONTH, n: int = 40) -> None:  # type: ignore[no-untyped-def]
    units = ("MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG1-D2-T1", "MIN-A-DG2", "MIN-B-D1")
    records = [
        SignalRecord(period=month, unit=unit, organisation=unit[:5],
                     channel=("vp_intern", "bmw")[i % 2],
                     categories=(("pesten",), ("pesten", "discriminatie"))[i % 2],
                     implicated_party="collega", reporter_role="medewerker",
                     follow_up=("advies", "alleen_luisteren")[i % 2],
                     impact=((), ("verzuim",), ("verzuim", "overweegt_vertrek"))[i % 3],
                     case_token=f"ABCD-EFGH-JKLM-{'NPQRSTU'[i % 7] * 4}" if i % 4 else None)
        for i in range(n) for unit in units
    ]
    services.signals.store_many(records, receipts=False)


def publications(services) -> PublicationService:  # type: ignore[no-untyped-def]
    # The earlier design had a budget of its own per organisation; on the capped ledger it
    # needs a share like any consumer (the tests' cap is roomy).
    for organisation in ("MIN-A", "MIN-B"):
        services.ledger.ensure_budget(f"publication:{organisation}", MONTH.year, Fraction(2))
    return services.publications


def test_publish_once_makes_one_signed_release_over_every_table(services):
    seed(services)
    release = publications(services).publish("MIN-A", MONTH)
    assert release.verify()
    assert release.scope == publication_scope("MIN-A") == release.consumer
    assert Fraction("0.8") == MONTHLY_EPSILON
    # Epsilon 0.8 of pure DP is charged as rho 0.8^2 / 2 = 0.32.
    assert release.epsilon_spent == Fraction("0.32") and release.budget_unit == "rho"
    spec = release.spec
    assert spec["kind"] == "standard-monthly" and spec["revision"] == 1
    assert spec["period"] == str(MONTH) and spec["organisation"] == "MIN-A"
    assert {n: Fraction(t["epsilon"]) for n, t in spec["tables"].items()} == {
        t.name: t.epsilon for t in STANDARD_TABLES}
    status = services.ledger.status("publication:MIN-A", MONTH.year)
    assert status.spent == Fraction("0.32")
    assert set(release.result["tables"]) == {t.name for t in STANDARD_TABLES}


def test_every_table_holds_its_full_public_grid_with_its_own_noise(services):
    seed(services)
    release = publications(services).publish("MIN-A", MONTH)
    q = services.queries
    for name, table in release.result["tables"].items():
        standard = standard_table(name)
        group_by = standard.group_by
        spec = QuerySpec(standard.measure, group_by, {"organisation": ("MIN-A",)}, MONTH, MONTH,
                         epsilon=standard.epsilon)
        grid = key_grid(spec, services.taxonomy, services.org(), q.threshold)
        assert [{k: c[k] for k in group_by} for c in table["cells"]] == grid.keys(), name
        assert parse_epsilon(table["epsilon"]) == standard.epsilon
        assert all(c["ci95"][1] - c["ci95"][0] == 2 * table["ci95_halfwidth"]
                   for c in table["cells"])
        if "unit" in group_by:
            units = {c["unit"] for c in table["cells"]}
            assert units <= {"MIN-A", "MIN-A-DG1", "MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG2"}
            assert "MIN-A-DG1-D2-T1" not in units  # 30 FTE: merged into its parent
    impact = release.result["tables"]["contacts_impact"]
    assert [c["impact"] for c in impact["cells"]] == services.taxonomy.codes("impact")
    # impact: K=3 contacts per case, up to 2 impact codes per contact
    assert impact["sensitivity"]["l1"] == 6


def test_impact_table_counts_each_impact_code_of_a_signal(services):
    seed(services)
    spec = QuerySpec("contacts", ("unit", "impact"), {"organisation": ("MIN-A",)}, MONTH, MONTH,
                     epsilon=Fraction(1))
    exact = exact_table(services.db, spec, services.taxonomy, services.org(),
                        bounds=ContributionBounds(contacts_per_case=100))
    keys = [tuple(k.values()) for k in exact.grid.keys()]  # noqa: SIM118 (a KeyGrid)
    by_key = dict(zip(keys, exact.counts, strict=True))
    # Per unit 40 signals: impact () / (verzuim) / (verzuim, overweegt_vertrek) in turn.
    verzuim = sum(1 for i in range(40) if i % 3)
    vertrek = sum(1 for i in range(40) if i % 3 == 2)
    assert by_key[("MIN-A-DG1-D1", "verzuim")] == verzuim
    assert by_key[("MIN-A-DG1-D1", "overweegt_vertrek")] == vertrek
    assert by_key[("MIN-A-DG1-D2", "verzuim")] == 2 * verzuim  # T1 (30 FTE) merged in
    assert exact.sensitivity.l1 == 200 and exact.sensitivity.l2_squared == 2 * 100**2
    assert int(np.sum(exact.counts)) == 4 * (verzuim + vertrek)


def test_publishing_a_month_again_is_refused_naming_the_release(services):
    seed(services)
    service = publications(services)
    first = service.publish("MIN-A", MONTH)
    with pytest.raises(Conflict) as refused:
        service.publish("MIN-A", MONTH)
    assert first.id in refused.value.message and "al gepubliceerd" in refused.value.message
    assert services.ledger.status("publication:MIN-A", MONTH.year).spent == Fraction("0.32")


def test_replace_makes_a_new_budgeted_release_that_names_the_old(services):
    seed(services)
    service = publications(services)
    first = service.publish("MIN-A", MONTH)
    second = service.publish("MIN-A", MONTH, replace=True)
    assert second.id != first.id and second.replaces == first.id
    assert second.spec["revision"] == 2 and second.verify()
    assert services.ledger.status("publication:MIN-A", MONTH.year).spent == Fraction("0.64")
    third = service.publish("MIN-A", MONTH, replace=True)
    assert third.replaces == second.id and third.spec["revision"] == 3
    assert [r.id for r in service.published_months("MIN-A", MONTH, MONTH)] == [third.id]


def test_published_months_reads_the_latest_per_month_within_the_range(services):
    older = MONTH.add(-1)
    seed(services, older, n=5)
    service = publications(services)
    a = service.publish("MIN-A", older)
    b = service.publish("MIN-A", MONTH)
    service.publish("MIN-B", MONTH)
    assert [r.id for r in service.published_months("MIN-A", older, MONTH)] == [a.id, b.id]
    assert [r.id for r in service.published_months("MIN-A", MONTH, MONTH)] == [b.id]
    assert service.published_months("MIN-A", MONTH.add(-24), MONTH.add(-12)) == []


def test_unknown_organisation_and_future_month_are_refused(services):
    service = publications(services)
    with pytest.raises(ValidationFailed, match="Onbekende organisatie"):
        service.publish("MIN-X", MONTH)
    with pytest.raises(ValidationFailed, match="toekomst"):
        service.publish("MIN-A", Month.current().add(1))
