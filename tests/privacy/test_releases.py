"""Releases: stored once per question and scope, signed, immutable, paid once from a share of
every data year they touch."""

import json
import threading
from datetime import date
from fractions import Fraction

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from privacy.accounting import Cap
from privacy.ledger import BudgetExceeded, BudgetLedger
from privacy.models import Charge, ReleaseRecord
from privacy.releases import ReleaseService, canonical_spec
from privacy.signing import Signer
from registry.errors import NotFound, ValidationFailed
from server.models import metadata

TODAY = date(2026, 3, 15)
SPEC = {"measure": "contacts", "by": ["category"], "period": "2026"}
RESULT = {"tables": {"contacts": [{"category": "pesten", "estimate": 12, "ci90": 4.5},
                                  {"category": "intimidatie", "estimate": -1, "ci90": 4.5}]}}


class Computer:
    """A compute() that counts its calls and returns a new result each time, as noise would."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {**RESULT, "draw": self.calls}


@pytest.fixture
def signer(tmp_path):
    return Signer.from_file(tmp_path / "signing-key", create_missing=True)


SHARE = Fraction(1, 10)


@pytest.fixture
def ledger(services):
    ledger = BudgetLedger(services.db, Cap.of())
    for consumer in ("or:MIN-A", "or:MIN-B", "gor"):
        for year in (2025, 2026):
            ledger.set_budget(consumer, year, SHARE)
    return ledger


def charges(services):
    with services.db.session() as session:
        return sorted((c.consumer, c.year, c.rho, c.release_id)
                      for c in session.scalars(select(Charge)))


@pytest.fixture
def releases(services, ledger, signer):
    return ReleaseService(services.db, ledger, signer, today=lambda: TODAY)


def test_first_release_computes_charges_and_signs(services, releases, ledger):
    compute = Computer()
    outcome = releases.release("or:MIN-A", "or:MIN-A", 2026, json.dumps(SPEC), "0.03", compute)
    release = outcome.release
    assert outcome.spent_now is True
    assert outcome.budget.remaining == Fraction(7, 100)
    assert ledger.status("or:MIN-A", 2026).spent == Fraction(3, 100)
    assert release.result == {**RESULT, "draw": 1}
    assert release.spec == SPEC
    assert (release.epsilon_spent, release.budget_unit, release.legacy) == (
        Fraction(3, 100), "rho", False)
    assert release.cost_text == "rho 0.03"
    assert release.document()["epsilon_spent"] == "rho 0.03"
    assert release.release_date == TODAY
    assert release.verify()
    assert charges(services) == [("or:MIN-A", 2026, "0.03", release.id)]


def test_same_question_again_returns_the_stored_release_and_charges_nothing(releases, ledger):
    compute = Computer()
    first = releases.release("or:MIN-A", "or:MIN-A", 2026, json.dumps(SPEC), "0.03", compute)
    again = releases.release("or:MIN-A", "or:MIN-A", 2026, json.dumps(SPEC), "0.03", compute)
    assert again.spent_now is False
    assert again.release == first.release
    assert again.budget.remaining == Fraction(7, 100)
    assert compute.calls == 1
    assert ledger.status("or:MIN-A", 2026).spent == Fraction(3, 100)


def test_key_order_and_whitespace_do_not_make_a_new_question(releases):
    compute = Computer()
    reordered = json.dumps(dict(reversed(list(SPEC.items()))), indent=4)
    first = releases.release("gor", "rijk", 2026, json.dumps(SPEC), "0.01", compute)
    again = releases.release("gor", "rijk", 2026, reordered, "0.01", compute)
    assert again.release.id == first.release.id
    assert canonical_spec(reordered) == canonical_spec(SPEC)


def test_same_question_in_another_scope_is_another_release(releases, ledger):
    compute = Computer()
    a = releases.release("or:MIN-A", "or:MIN-A", 2026, json.dumps(SPEC), "0.01", compute)
    b = releases.release("or:MIN-B", "or:MIN-B", 2026, json.dumps(SPEC), "0.01", compute)
    assert a.release.id != b.release.id
    assert compute.calls == 2
    assert ledger.year(2026).spent == Fraction(2, 100)


def test_a_release_is_charged_to_every_data_year_it_touches(services, releases, ledger):
    outcome = releases.release("gor", "gor", (2026, 2025), "q", "0.04", Computer())
    release = outcome.release
    assert release.year == 2025  # the first data year
    assert charges(services) == [("gor", 2025, "0.04", release.id),
                                 ("gor", 2026, "0.04", release.id)]
    assert outcome.budget.remaining == Fraction(6, 100)


def test_a_release_without_a_share_computes_and_stores_nothing(services, releases):
    compute = Computer()
    with pytest.raises(BudgetExceeded) as refused:
        releases.release("research:nieuw", "research:nieuw", 2026, "q", "0.01", compute)
    assert refused.value.message == (
        "Onvoldoende privacybudget: deze vraag kost rho 0,01, er resteert rho 0 van het aandeel "
        "voor gegevensjaar 2026. Zonder toegekend aandeel kunnen geen nieuwe cijfers worden "
        "gemaakt.")
    assert compute.calls == 0
    assert releases.list_for("research:nieuw") == []
    assert charges(services) == []


def test_a_refused_release_computes_and_stores_nothing(services, releases):
    compute = Computer()
    with pytest.raises(BudgetExceeded) as refused:
        releases.release("or:MIN-A", "or:MIN-A", 2026, "q", "0.15", compute)
    assert refused.value.remaining == SHARE
    assert compute.calls == 0
    assert releases.list_for("or:MIN-A") == []
    assert charges(services) == []


def test_a_release_over_two_years_is_refused_when_one_is_short(services, releases, ledger):
    releases.release("gor", "gor", 2026, "eerst", "0.08", Computer())
    compute = Computer()
    with pytest.raises(BudgetExceeded) as refused:
        releases.release("gor", "gor", (2025, 2026), "daarna", "0.03", compute)
    assert refused.value.remaining == Fraction(2, 100)
    assert compute.calls == 0
    assert ledger.status("gor", 2025).spent == 0
    assert len(charges(services)) == 1


def test_prepaid_releases_are_stored_at_cost_zero_and_charge_nothing(services, releases, ledger):
    payer = releases.release("gor", "plan-test", 2026, "maand-1", "0.05", Computer()).release
    later = releases.release("gor", "plan-test", 2026, "maand-2", "0.05", Computer(),
                             prepaid=True)
    assert later.spent_now is True
    assert later.release.epsilon_spent == 0
    assert later.release.document()["epsilon_spent"] == "rho 0"
    assert later.release.verify()
    assert later.budget.remaining == Fraction(5, 100)
    assert charges(services) == [("gor", 2026, "0.05", payer.id)]


def test_preview_shows_cost_or_that_it_is_free(releases, ledger):
    fresh = releases.preview("or:MIN-A", "or:MIN-A", 2026, "q", "0.04")
    assert (fresh.cached, fresh.cost, fresh.allowed, fresh.remaining, fresh.remaining_after) == (
        False, Fraction(1, 25), True, SHARE, Fraction(3, 50))
    assert ledger.status("or:MIN-A", 2026).spent == 0
    made = releases.release("or:MIN-A", "or:MIN-A", 2026, "q", "0.04", Computer())
    cached = releases.preview("or:MIN-A", "or:MIN-A", 2026, "q", "0.04")
    assert (cached.cached, cached.release_id, cached.cost) == (True, made.release.id, 0)
    assert cached.remaining_after == Fraction(3, 50)
    too_much = releases.preview("or:MIN-A", "or:MIN-A", 2026, "other", "0.09")
    assert (too_much.allowed, too_much.remaining_after) == (False, Fraction(3, 50))
    two_years = releases.preview("or:MIN-A", "or:MIN-A", (2025, 2026), "other", "0.01")
    assert (two_years.allowed, two_years.remaining_after) == (True, Fraction(1, 20))


@pytest.mark.parametrize("consumers", [("or:MIN-A", "or:MIN-A"), ("or:MIN-A", "gor")])
def test_racing_twins_get_one_release_and_one_charge(services, releases, ledger, consumers):
    # Both threads pass the first "already stored?" check before either one stores anything.
    both_computing = threading.Barrier(2)
    outcomes = [None, None]

    def compute():
        both_computing.wait(timeout=30)
        return RESULT

    def run(i):
        outcomes[i] = releases.release(consumers[i], "or:MIN-A", 2026, "q", "0.025", compute)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert outcomes[0].release == outcomes[1].release
    assert sorted(o.spent_now for o in outcomes) == [False, True]
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(ReleaseRecord)) == 1
        assert session.scalar(select(func.count()).select_from(Charge)) == 1
    assert ledger.year(2026).spent == Fraction(1, 40)


def test_replacing_release_names_the_one_it_replaces(releases):
    old = releases.release("gor", "rijk", 2026, "q-v1", "0.01", Computer()).release
    new = releases.release("gor", "rijk", 2026, "q-v2", "0.01", Computer(), replaces=old.id).release
    assert new.replaces == old.id
    assert new.document()["replaces"] == old.id
    assert new.verify()
    with pytest.raises(ValidationFailed) as refused:
        releases.release("gor", "elders", 2026, "q-v3", "0.01", Computer(), replaces=old.id)
    assert refused.value.errors[0].field == "replaces"


def test_get_and_list(releases):
    made = releases.release("gor", "rijk", 2026, "q", "0.01", Computer()).release
    assert releases.get(made.id) == made
    assert releases.list_for("rijk") == [made]
    assert releases.list_for("elders") == []
    with pytest.raises(NotFound):
        releases.get("0" * 32)


def test_stored_releases_cannot_be_changed(services, releases):
    made = releases.release("gor", "rijk", 2026, "q", "0.01", Computer()).release
    with services.db.session() as session:
        record = session.get(ReleaseRecord, made.id)
        record.result_json = "{}"
        with pytest.raises(RuntimeError, match="append-only"):
            session.flush()
        session.rollback()
    assert releases.get(made.id).result == made.result


def test_changed_result_in_the_database_no_longer_verifies(releases):
    made = releases.release("gor", "rijk", 2026, "q", "0.01", Computer()).release
    forged = made.result_json.replace('"estimate":12', '"estimate":13')
    assert forged != made.result_json
    assert not type(made)(**{**made.__dict__, "result_json": forged}).verify()


def test_release_date_is_a_date_without_time(services, releases):
    made = releases.release("gor", "rijk", 2026, "q", "0.01", Computer()).release
    assert type(made.release_date) is date
    assert made.document()["release_date"] == "2026-03-15"
    assert type(ReleaseRecord.__table__.c.release_date.type).__name__ == "Date"


def test_compute_must_return_a_mapping_and_nothing_is_spent(releases, ledger):
    with pytest.raises(TypeError):
        releases.release("gor", "rijk", 2026, "q", "0.01", lambda: [1, 2])
    assert ledger.status("gor", 2026).spent == 0


def test_the_returned_result_cannot_change_the_release(releases):
    made = releases.release("gor", "rijk", 2026, "q", "0.01", Computer()).release
    made.result["tables"]["contacts"][0]["estimate"] = 999
    assert made.result["tables"]["contacts"][0]["estimate"] == 12
    assert made.verify()


def test_migrations_create_exactly_the_privacy_tables_the_models_declare(services):
    with services.db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d for d in differences if "privacy_" in repr(d)] == []
    assert {"privacy_year_caps", "privacy_cap_changes", "privacy_allocations", "privacy_charges",
            "privacy_releases"} <= set(metadata.tables)
