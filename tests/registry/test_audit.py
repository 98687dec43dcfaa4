"""The audit log: append-only, hash-chained, codes only; a removed or altered entry shows."""

from __future__ import annotations

import ipaddress
import itertools
import json
import threading
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from registry.audit import (
    GENESIS_HASH,
    AuditAction,
    AuditLog,
    check_code,
    check_detail,
)
from registry.governance_models import AuditEntry


def _fill(log: AuditLog, count: int) -> None:
    for number in range(count):
        log.append("beheerder-a", AuditAction.TOKEN_CREATED, f"account:adviseur-{number}",
                   {"token_id": f"{number:032x}", "year": 2026})


def test_entries_are_numbered_from_one_and_chained(services):
    log = services.audit
    _fill(log, 4)
    with services.db.session() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert [r.seq for r in rows] == [1, 2, 3, 4]
        assert rows[0].prev_hash == GENESIS_HASH
        assert all(later.prev_hash == earlier.entry_hash for earlier, later in
                   itertools.pairwise(rows))
        # Time to the minute, no finer.
        assert all(r.occurred_at.second == 0 and r.occurred_at.microsecond == 0 for r in rows)
    check = log.verify()
    assert check.intact and check.entries == 4 and check.head_hash == rows[-1].entry_hash


def test_an_empty_log_is_intact(services):
    check = services.audit.verify()
    assert check.intact and check.entries == 0 and check.head_hash == GENESIS_HASH


@pytest.mark.parametrize("removed", [1, 3, 5])
def test_a_removed_entry_is_named(services, removed):
    log = services.audit
    _fill(log, 6)
    with services.db.session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == removed))
    check = log.verify()
    assert not check.intact and check.broken_seq == removed


@pytest.mark.parametrize("change", [
    {"actor": "iemand-anders"},
    {"detail": json.dumps({"token_id": "0" * 32, "year": 2027})},
    {"detail": "geen json"},
    {"action": AuditAction.TOKEN_REVOKED.value},
    {"occurred_at": datetime(2020, 1, 1)},
])
def test_an_altered_entry_is_named(services, change):
    log = services.audit
    _fill(log, 5)
    with services.db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(**change))
    check = log.verify()
    assert not check.intact and check.broken_seq == 3


def test_a_rewritten_hash_still_breaks_the_next_entry(services):
    log = services.audit
    _fill(log, 4)
    with services.db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(
            actor="iemand-anders", entry_hash="f" * 64))
    assert log.verify().broken_seq == 2


def test_an_entry_commits_with_its_action_or_not_at_all(services):
    log = services.audit
    with pytest.raises(RuntimeError, match="the action failed"), \
            services.db.session(immediate=True) as session:
        log.record(session, "beheerder-a", AuditAction.PASSWORD_RESET, "account:jan")
        raise RuntimeError("the action failed")
    assert log.verify().entries == 0


def test_sqlite_needs_the_write_lock_up_front(services):
    if not services.db.is_sqlite:
        pytest.skip("PostgreSQL locks with an advisory lock")
    with pytest.raises(RuntimeError, match="immediate"), services.db.session() as session:
        services.audit.record(session, "beheerder-a", AuditAction.MFA_RESET, "account:jan")


def test_concurrent_records_keep_a_gap_free_chain(services):
    log = services.audit
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            for step in range(5):
                log.append(f"beheerder-{number}", AuditAction.TOKEN_REVOKED,
                           f"account:adviseur-{number}-{step}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    check = log.verify()
    assert check.intact and check.entries == 30
    with services.db.session() as session:
        assert session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all() == \
            list(range(1, 31))


def test_newest_first_in_pages(services):
    log = services.audit
    _fill(log, 7)
    first = log.page(1, per_page=3)
    assert [e.seq for e in first.entries] == [7, 6, 5] and first.pages == 3
    assert [e.seq for e in log.page(3, per_page=3).entries] == [1]
    assert first.entries[0].detail == {"token_id": f"{6:032x}", "year": 2026}


def test_details_refuse_free_text_and_addresses(services):
    for detail in ({"reason": "omdat het moest"}, {"ip": "192.168.10.4"}, {"ip": "2001:db8::1"},
                   {"amount": 0.5}, {"codes": ["a", "b"]}, {"Bad-Key": "x"},
                   {"mail": "jan@voorbeeld.nl"}):
        with pytest.raises(ValueError):
            services.audit.append("beheerder-a", AuditAction.CAP_CHANGED, "year:2026", detail)
    with pytest.raises(ValueError):
        services.audit.append("10.0.0.1", AuditAction.LOGIN_FAILED_THROTTLED, "account:jan")
    with pytest.raises(ValueError):
        services.audit.append("beheerder-a", AuditAction.TOKEN_CREATED, "signaal met tekst")
    assert services.audit.verify().entries == 0


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=60),
                    st.ip_addresses().map(str), st.floats(allow_nan=False))


@given(st.dictionaries(st.text(max_size=12), _VALUES, max_size=5))
def test_an_accepted_detail_holds_only_codes_numbers_and_flags(detail):
    try:
        stored = check_detail(detail)
    except ValueError:
        return
    for key, value in stored.items():
        assert key.isascii() and key.replace("_", "").isalnum()
        if isinstance(value, str):
            assert not any(ch.isspace() for ch in value) and "@" not in value
            with pytest.raises(ValueError):
                ipaddress.ip_address(value)
        else:
            assert value is None or isinstance(value, bool | int)


@given(st.ip_addresses().map(str))
def test_no_client_address_passes_as_a_code(address):
    with pytest.raises(ValueError):
        check_code(address, "subject")
    with pytest.raises(ValueError):
        check_detail({"client": address})
