"""The pieces behind the admin pages: the coarsened tree, the consumer list, and the reads they use."""

from __future__ import annotations

from fractions import Fraction

from dashboards.admin.budgets import consumer_keys
from dashboards.admin.orgtree import organisation_trees
from registry.organisations import parse_org_csv
from tests.conftest import FIXTURES

ORG = parse_org_csv((FIXTURES / "org-small.csv").read_text())


def test_the_tree_lists_every_unit_depth_first_under_its_organisation():
    [min_a, min_b] = organisation_trees(ORG, 50)
    assert [(r.unit.code, r.depth) for r in min_a.rows] == [
        ("MIN-A", 0), ("MIN-A-DG1", 1), ("MIN-A-DG1-D1", 2), ("MIN-A-DG1-D2", 2),
        ("MIN-A-DG1-D2-T1", 3), ("MIN-A-DG2", 1)]
    assert [r.unit.code for r in min_b.rows] == ["MIN-B", "MIN-B-D1", "MIN-B-D2"]


def test_units_below_the_threshold_are_merged_into_the_nearest_released_ancestor():
    rows = {r.unit.code: r for tree in organisation_trees(ORG, 300) for r in tree.rows}
    assert rows["MIN-A-DG1-D1"].released and rows["MIN-A-DG1-D1"].merged_into is None
    assert not rows["MIN-A-DG1-D2"].released
    assert rows["MIN-A-DG1-D2"].merged_into.code == "MIN-A-DG1"
    # Team Klein skips its (merged) parent and lands where its parent's signals land.
    assert rows["MIN-A-DG1-D2-T1"].merged_into.code == "MIN-A-DG1"
    # An organisation is always released, however high the threshold.
    assert all(tree.rows[0].released for tree in organisation_trees(ORG, 10_000))
    assert [tree.merged_count for tree in organisation_trees(ORG, 0)] == [0, 0]


def test_consumer_keys_cover_every_rule_once_and_then_the_recorded_others():
    keys = consumer_keys(ORG, ["project-b", "project-a", "project-a"],
                         ["gor", "research:oud", "or:MIN-A"])
    assert keys == ["plan", "or:MIN-A", "preventie:MIN-A", "or:MIN-B", "preventie:MIN-B", "gor",
                    "research:project-a", "research:project-b", "research:oud"]


def test_reading_statuses_is_exact_and_records_no_consumer(services):
    year = 2026
    services.ledger.set_budget("gor", year, "1")
    with services.ledger.locked(year) as session:
        for n in range(10):
            services.ledger.spend(session, "gor", year, "0.1", release_id=f"r{n}")
    statuses = services.ledger.statuses(["gor", "or:MIN-A"], year)
    assert statuses["gor"].spent == Fraction(1)
    assert statuses["or:MIN-A"].total == Fraction(0)
    assert services.ledger.recorded_consumers(year) == ["gor"]
    assert services.ledger.recorded_consumers(year + 1) == []
