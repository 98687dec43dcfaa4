"""Storing signals: receipts, correction within the month, withdrawal, purge."""

import pytest
from sqlalchemy import inspect, select, text

from registry.errors import NotFound, ValidationFailed
from registry.models import Signal, SignalCategory
from registry.periods import Month
from registry.records import SignalRecord


def _record(**changes):
    values = dict(period=Month.current(), unit="MIN-A-DG1-D1", organisation="MIN-A",
                  channel="vp_intern", categories=("pesten",), implicated_party="collega",
                  reporter_role="medewerker", follow_up="advies", impact=())
    values.update(changes)
    return SignalRecord(**values)


def test_store_returns_a_random_id_and_a_receipt_kept_only_as_a_keyed_hash(services):
    stored = services.signals.store(_record())
    assert len(stored.id) == 32
    assert stored.receipt.startswith(str(Month.current()))
    with services.db.session() as session:
        row = session.get(Signal, stored.id)
        assert row.receipt_hash == services.pseudonymizer.receipt_hash(stored.receipt)
        assert stored.receipt not in row.receipt_hash


def test_correct_changes_the_coded_fields(services):
    stored = services.signals.store(_record())
    services.signals.correct(stored.receipt, _record(categories=("werkdruk", "intimidatie"),
                                                     follow_up="doorverwijzing"))
    fields = services.signals.find_by_receipt(stored.receipt)
    assert fields["categories"] == ["intimidatie", "werkdruk"]
    assert fields["follow_up"] == "doorverwijzing"
    assert services.signals.count() == 1


def test_withdraw_removes_the_signal_and_its_categories(services):
    stored = services.signals.store(_record(categories=("pesten", "werkdruk")))
    services.signals.withdraw(stored.receipt)
    assert services.signals.count() == 0
    with services.db.session() as session:
        assert session.scalars(select(SignalCategory)).all() == []


def test_unknown_receipt_is_not_found(services):
    services.signals.store(_record())
    with pytest.raises(NotFound):
        services.signals.withdraw(f"{Month.current()}-AAAA-BBBB-CCCC-DDDD-EEEE")


def test_receipt_from_an_earlier_month_can_no_longer_correct(services):
    old = f"{Month.current().add(-1)}-AAAA-BBBB-CCCC-DDDD-EEEE"
    with pytest.raises(ValidationFailed) as caught:
        services.signals.withdraw(old)
    assert "maand" in caught.value.errors[0].message


def test_receipt_of_another_organisation_is_not_found_for_a_scoped_adviser(services):
    stored = services.signals.store(_record(unit="MIN-B-D1", organisation="MIN-B"))
    with pytest.raises(NotFound):
        services.signals.withdraw(stored.receipt, frozenset({"MIN-A"}))
    assert services.signals.count() == 1


def test_purge_deletes_only_months_before_the_cut_and_says_how_many(services):
    now = Month.current()
    services.signals.store_many([_record(period=now.add(-70)), _record(period=now.add(-61)),
                                 _record(period=now.add(-59)), _record(period=now)])
    assert services.signals.purge(now.add(-60)) == 2
    assert services.signals.count() == 2


def test_case_token_is_stored_as_a_keyed_pseudonym_only(services):
    token = "ABCD-EFGH-JKMN-PQRS"
    stored = services.signals.store(_record(case_token=token))
    with services.db.session() as session:
        row = session.get(Signal, stored.id)
        assert row.case_pseudonym == services.pseudonymizer.case_pseudonym(token, Month.current().year)
        dump = " ".join(str(v) for v in session.execute(text("SELECT * FROM signals")).one())
    assert token not in dump and stored.receipt not in dump


def test_signal_tables_have_no_timestamp_or_date_columns(services):
    inspector = inspect(services.db.engine)
    for table in ("signals", "signal_categories", "signal_impacts"):
        for column in inspector.get_columns(table):
            kind = str(column["type"]).upper()
            assert not any(word in kind for word in ("DATE", "TIME")), (table, column["name"])
            assert not any(word in column["name"]
                           for word in ("created", "updated", "time", "date", "account", "user"))


def test_signal_period_holds_months_only(services):
    services.signals.store_many([_record(), _record(period=Month(2020, 2))])
    with services.db.session() as session:
        periods = session.scalars(select(Signal.period)).all()
    assert all(len(p) == 7 and p[4] == "-" for p in periods)


def test_sqlite_signal_tables_have_no_rowid(services):
    if not services.db.is_sqlite:
        pytest.skip("WITHOUT ROWID is a SQLite table option")
    with services.db.session() as session:
        for table in ("signals", "signal_categories", "signal_impacts"):
            sql = session.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"),
                                  {"t": table}).scalar_one()
            assert "WITHOUT ROWID" in sql.upper()


def test_a_receipt_is_found_however_it_is_typed(services):
    stored = services.signals.store(_record())
    typed = stored.receipt.replace("-", "").lower()
    assert services.signals.find_by_receipt(typed)["unit"] == _record().unit


def test_a_mistyped_receipt_is_refused_as_a_typo_not_as_unknown(services):
    stored = services.signals.store(_record())
    last = stored.receipt[-1]
    typo = stored.receipt[:-1] + ("A" if last != "A" else "B")
    with pytest.raises(ValidationFailed) as caught:
        services.signals.withdraw(typo)
    assert caught.value.errors[0].message == (
        "Dit ontvangstbewijs klopt niet: controleer het op typefouten.")
    assert services.signals.count() == 1
