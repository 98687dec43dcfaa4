"""Releases: stored once per question and scope, signed, immutable, paid for exactly once."""

import json
import threading
from datetime import date
from fractions import Fraction

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from privacy.ledger import BudgetExceeded, BudgetLedger
from privacy.models import BudgetSpend, ReleaseRecord
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


@pytest.fixture
def ledger(services):
    return BudgetLedger(services.db, Fraction(1))


@pytest.fixture
def releases(services, ledger, signer):
    return ReleaseService(services.db, ledger, signer, today=lambda: TODAY)


def test_first_release_computes_spends_and_signs(releases, ledger):
    compute = Computer()
    outcome = releases.release("or:MIN-A", "or:MIN-A", 2026, json.dumps(SPEC), "0.3", compute)
    release = outcome.release
    assert outcome.spent_now is True
    assert outcome.budget.remaining == Fraction(7, 10)
    assert ledger.status("or:MIN-A", 2026).spent == Fraction(3, 10)
    assert release.result == {**RESULT, "draw": 1}
    assert release.spec == SPEC
    assert release.epsilon_spent == Fraction(3, 10)
    assert release.release_date == TODAY
    assert release.verify()
    assert [s.release_id for s in ledger.spends("or:MIN-A", 2026)] == [release.id]


def test_same_question_again_returns_the_stored_release_and_spends_nothing(releases, ledger):
    compute = Computer()
    first = releases.release("or:MIN-A", "or:MIN-A", 2026, json.dumps(SPEC), "0.3", compute)
    again = releases.release("or:MIN-A", "or:MIN-A", 2026, json.dumps(SPEC), "0.3", compute)
    assert again.spent_now is False
    assert again.release == first.release
    assert compute.calls == 1
    assert ledger.status("or:MIN-A", 2026).spent == Fraction(3, 10)


def test_key_order_and_whitespace_do_not_make_a_new_question(releases):
    compute = Computer()
    reordered = json.dumps(dict(reversed(list(SPEC.items()))), indent=4)
    first = releases.release("gor", "rijk", 2026, json.dumps(SPEC), "0.1", compute)
    again = releases.release("gor", "rijk", 2026, reordered, "0.1", compute)
    assert again.release.id == first.release.id
    assert canonical_spec(reordered) == canonical_spec(SPEC)


def test_same_question_in_another_scope_is_another_release(releases, ledger):
    compute = Computer()
    a = releases.release("or:MIN-A", "or:MIN-A", 2026, json.dumps(SPEC), "0.1", compute)
    b = releases.release("or:MIN-B", "or:MIN-B", 2026, json.dumps(SPEC), "0.1", compute)
    assert a.release.id != b.release.id
    assert compute.calls == 2


def test_refused_release_computes_and_stores_nothing(releases, services):
    compute = Computer()
    with pytest.raises(BudgetExceeded) as refused:
        releases.release("or:MIN-A", "or:MIN-A", 2026, "q", "1.5", compute)
    assert refused.value.message == "Onvoldoende privacybudget: gevraagd 1.5, resterend 1 voor 2026."
    assert compute.calls == 0
    assert releases.list_for("or:MIN-A") == []


def test_preview_shows_cost_or_that_it_is_free(releases, ledger):
    fresh = releases.preview("or:MIN-A", "or:MIN-A", 2026, "q", "0.4")
    assert (fresh.cached, fresh.cost, fresh.allowed, fresh.remaining_after) == (
        False, Fraction(2, 5), True, Fraction(3, 5))
    assert ledger.status("or:MIN-A", 2026).spent == 0
    made = releases.release("or:MIN-A", "or:MIN-A", 2026, "q", "0.4", Computer())
    cached = releases.preview("or:MIN-A", "or:MIN-A", 2026, "q", "0.4")
    assert (cached.cached, cached.release_id, cached.cost) == (True, made.release.id, 0)
    assert cached.remaining_after == Fraction(3, 5)
    too_much = releases.preview("or:MIN-A", "or:MIN-A", 2026, "other", "0.9")
    assert (too_much.allowed, too_much.remaining_after) == (False, Fraction(3, 5))


@pytest.mark.parametrize("consumers", [("or:MIN-A", "or:MIN-A"), ("or:MIN-A", "gor")])
def test_racing_twins_get_one_release_and_one_spend(services, releases, ledger, consumers):
    # Both threads pass the first "already stored?" check before either one stores anything.
    both_computing = threading.Barrier(2)
    outcomes = [None, None]

    def compute():
        both_computing.wait(timeout=30)
        return RESULT

    def run(i):
        outcomes[i] = releases.release(consumers[i], "or:MIN-A", 2026, "q", "0.25", compute)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert outcomes[0].release == outcomes[1].release
    assert sorted(o.spent_now for o in outcomes) == [False, True]
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(ReleaseRecord)) == 1
        assert session.scalar(select(func.count()).select_from(BudgetSpend)) == 1
    paid = sum(ledger.status(c, 2026).spent for c in set(consumers))
    assert paid == Fraction(1, 4)


def test_replacing_release_names_the_one_it_replaces(releases):
    old = releases.release("gor", "rijk", 2026, "q-v1", "0.1", Computer()).release
    new = releases.release("gor", "rijk", 2026, "q-v2", "0.1", Computer(), replaces=old.id).release
    assert new.replaces == old.id
    assert new.document()["replaces"] == old.id
    assert new.verify()
    with pytest.raises(ValidationFailed) as refused:
        releases.release("gor", "elders", 2026, "q-v3", "0.1", Computer(), replaces=old.id)
    assert refused.value.errors[0].field == "replaces"


def test_get_and_list(releases):
    made = releases.release("gor", "rijk", 2026, "q", "0.1", Computer()).release
    assert releases.get(made.id) == made
    assert releases.list_for("rijk") == [made]
    assert releases.list_for("elders") == []
    with pytest.raises(NotFound):
        releases.get("0" * 32)


def test_stored_releases_cannot_be_changed(services, releases):
    made = releases.release("gor", "rijk", 2026, "q", "0.1", Computer()).release
    with services.db.session() as session:
        record = session.get(ReleaseRecord, made.id)
        record.result_json = "{}"
        with pytest.raises(RuntimeError, match="append-only"):
            session.flush()
        session.rollback()
    assert releases.get(made.id).result == made.result


def test_changed_result_in_the_database_no_longer_verifies(releases):
    made = releases.release("gor", "rijk", 2026, "q", "0.1", Computer()).release
    forged = made.result_json.replace('"estimate":12', '"estimate":13')
    assert forged != made.result_json
    assert not type(made)(**{**made.__dict__, "result_json": forged}).verify()


def test_release_date_is_a_date_without_time(services, releases):
    made = releases.release("gor", "rijk", 2026, "q", "0.1", Computer()).release
    assert type(made.release_date) is date
    assert made.document()["release_date"] == "2026-03-15"
    assert type(ReleaseRecord.__table__.c.release_date.type).__name__ == "Date"


def test_compute_must_return_a_mapping_and_nothing_is_spent(releases, ledger):
    with pytest.raises(TypeError):
        releases.release("gor", "rijk", 2026, "q", "0.1", lambda: [1, 2])
    assert ledger.status("gor", 2026).spent == 0


def test_the_returned_result_cannot_change_the_release(releases):
    made = releases.release("gor", "rijk", 2026, "q", "0.1", Computer()).release
    made.result["tables"]["contacts"][0]["estimate"] = 999
    assert made.result["tables"]["contacts"][0]["estimate"] == 12
    assert made.verify()


def test_migrations_create_exactly_the_privacy_tables_the_models_declare(services):
    with services.db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d for d in differences if "privacy_" in repr(d)] == []
    assert {"privacy_budgets", "privacy_budget_spends", "privacy_releases"} <= set(metadata.tables)
