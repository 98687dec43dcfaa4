"""The meldcode: one person through many doors counts as one case, within a calendar year.

Scripted journeys through the signal service: the meldknop, then a vertrouwenspersoon, then the
integrity coordinator. With the meldcode entered as the case token the three contacts are one
case; without it, three. The plan counts a case in the year of its first contact: case
pseudonyms are keyed per year, so a journey from December to January is one case in December's
year and one in January's (anchored at its first contact of that year), never one across both.
"""

from __future__ import annotations

import hashlib

import polars as pl
import pytest
from sqlalchemy import MetaData, select

from privacy.plan import PLAN_TABLES
from privacy.plan_counts import exact_plan_table, load_year, plan_grid
from privacy.pseudonyms import KeyedPseudonymizer
from registry.checked_codes import parse_case_token
from registry.db import Database
from registry.models import Signal
from registry.periods import Month
from registry.records import SignalRecord
from registry.signals import with_meldcode

TABLES = {t.name: t for t in PLAN_TABLES}


def contact(period: Month, channel: str, follow_up: str = "advies",
            case_token: str | None = None) -> SignalRecord:
    return SignalRecord(period=period, unit="MIN-A-DG1-D1", organisation="MIN-A",
                        channel=channel, categories=("pesten",), implicated_party="collega",
                        reporter_role="medewerker", follow_up=follow_up, impact=(),
                        case_token=case_token)


def meldknop(period: Month) -> SignalRecord:
    return contact(period, "meldpunt", "zelfmelding_geen_opvolging")


def typed_as_people_do(code: str) -> str:
    """How an adviser might copy the code from a note: no hyphens, small letters."""
    return code.replace("-", "").lower()


def journey(services, months: tuple[Month, Month, Month], *, use_meldcode: bool) -> str:  # type: ignore[no-untyped-def]
    """Meldknop, vertrouwenspersoon, integrity coordinator; returns the meldcode shown."""
    record, meldcode = with_meldcode(meldknop(months[0]))
    services.signals.store_many([record], receipts=False)
    token = typed_as_people_do(meldcode) if use_meldcode else None
    services.signals.store(contact(months[1], "vp_intern", case_token=token))
    services.signals.store(contact(months[2], "integriteitscoordinator", "doorverwijzing",
                                   case_token=token))
    return meldcode


def distinct_cases(services, year: int, *, advisers_only: bool = False) -> int:  # type: ignore[no-untyped-def]
    signals = load_year(services.db.engine, year, services.taxonomy)
    if advisers_only:
        signals = signals.filter(pl.col("channel") != "meldpunt")
    cases = signals.select(pl.coalesce(pl.col("case"), pl.lit("s:") + pl.col("id")))
    return cases.n_unique() if signals.height else 0


def plan_mass(services, name: str, year: int, period: str = "") -> float:  # type: ignore[no-untyped-def]
    """The exact case mass of MIN-A in one planned table (before noise)."""
    org, table = services.org(), TABLES[name]
    exact = exact_plan_table(load_year(services.db.engine, year, services.taxonomy), table,
                             year, services.taxonomy, org, period=period or None)
    grid = plan_grid(table, year, services.taxonomy, org, period or None)
    return float(sum(m for (row, p, _), m in zip(grid.keys(), exact.mass, strict=True)
                     if row == "MIN-A" and p == period))


def test_the_meldcode_is_a_case_token_and_never_replaces_one() -> None:
    record, meldcode = with_meldcode(meldknop(Month(2025, 3)))
    assert parse_case_token(meldcode) == meldcode == record.case_token
    assert parse_case_token(typed_as_people_do(meldcode)) == meldcode
    assert with_meldcode(meldknop(Month(2025, 3)))[1] != meldcode  # random each time
    with pytest.raises(ValueError):
        with_meldcode(record)


def test_three_doors_with_the_meldcode_are_one_case(services):
    march, april, may = Month(2025, 3), Month(2025, 4), Month(2025, 5)
    journey(services, (march, april, may), use_meldcode=True)
    assert distinct_cases(services, 2025) == 1
    # The plan counts the meldknop apart: advisers' tables see one case of two contacts...
    assert plan_mass(services, "org_total", 2025) == pytest.approx(1.0)
    assert plan_mass(services, "org_total_month", 2025, "2025-04") == pytest.approx(1.0)
    assert plan_mass(services, "org_total_month", 2025, "2025-05") == pytest.approx(0.0)
    # ...and the meldknop's own table its one self-report.
    assert plan_mass(services, "org_meldknop_category", 2025) == pytest.approx(1.0)


def test_three_doors_without_the_meldcode_stay_three_cases(services):
    journey(services, (Month(2025, 3), Month(2025, 4), Month(2025, 5)), use_meldcode=False)
    assert distinct_cases(services, 2025) == 3
    assert plan_mass(services, "org_total", 2025) == pytest.approx(2.0)
    assert plan_mass(services, "org_total_month", 2025, "2025-05") == pytest.approx(1.0)


def test_december_to_january_links_within_each_year_only(services):
    december, january, february = Month(2025, 12), Month(2026, 1), Month(2026, 2)
    meldcode = journey(services, (december, january, february), use_meldcode=True)
    # 2025: the meldknop alone; 2026: the adviser and the coordinator, one case.
    assert distinct_cases(services, 2025) == 1
    assert distinct_cases(services, 2026) == 1
    assert plan_mass(services, "org_meldknop_category", 2025) == pytest.approx(1.0)
    assert plan_mass(services, "org_total", 2025) == pytest.approx(0.0)
    assert plan_mass(services, "org_total", 2026) == pytest.approx(1.0)
    # Anchored at its first contact of 2026: January, not February.
    assert plan_mass(services, "org_total_month", 2026, "2026-01") == pytest.approx(1.0)
    assert plan_mass(services, "org_total_month", 2026, "2026-02") == pytest.approx(0.0)
    pseudonyms = stored_pseudonyms(services)
    assert pseudonyms == {services.pseudonymizer.case_pseudonym(meldcode, 2025),
                          services.pseudonymizer.case_pseudonym(meldcode, 2026)}


def test_a_case_with_contacts_on_both_sides_of_new_year_counts_in_each_year(services):
    meldcode = with_meldcode(meldknop(Month(2025, 12)))[1]
    services.signals.store(contact(Month(2025, 12), "vp_intern", case_token=meldcode))
    services.signals.store(contact(Month(2026, 1), "integriteitscoordinator",
                                   case_token=meldcode))
    services.signals.store(contact(Month(2026, 3), "vp_intern", case_token=meldcode))
    assert distinct_cases(services, 2025, advisers_only=True) == 1
    assert distinct_cases(services, 2026, advisers_only=True) == 1
    assert plan_mass(services, "org_total", 2025) == pytest.approx(1.0)
    assert plan_mass(services, "org_total", 2026) == pytest.approx(1.0)
    assert plan_mass(services, "org_total_quarter", 2026, "2026-Q1") == pytest.approx(1.0)


def stored_pseudonyms(services) -> set[str]:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        return set(session.scalars(select(Signal.case_pseudonym)))


def dump(db: Database) -> str:
    """Every value of every table, as someone with a copy of the database would see it."""
    out = []
    tables = MetaData()
    tables.reflect(bind=db.engine)
    with db.engine.connect() as conn:
        for table in tables.sorted_tables:
            for row in conn.execute(select(table)):
                out.extend(str(v) for v in row)
    return "\n".join(out)


def test_a_database_dump_without_the_key_links_nothing(services):
    meldcode = journey(services, (Month(2025, 12), Month(2026, 1), Month(2026, 2)),
                       use_meldcode=True)
    text = dump(services.db)
    compact = meldcode.replace("-", "")
    # Never in clear, in any form it was shown or typed.
    for form in (meldcode, compact, compact.lower(), typed_as_people_do(meldcode)):
        assert form.lower() not in text.lower()
    # Unkeyed hashes, or the keyed hash under any other secret, match nothing stored.
    guesses = {hashlib.sha256(f.encode()).hexdigest() for f in (meldcode, compact)}
    guesses |= {hashlib.blake2b(f.encode(), digest_size=32).hexdigest()
                for f in (meldcode, compact)}
    stranger = KeyedPseudonymizer(b"\x01" * 32)
    guesses |= {stranger.case_pseudonym(meldcode, year) for year in (2025, 2026)}
    guesses |= {g.rsplit(":", 1)[-1] for g in guesses}
    assert not any(g in text for g in guesses)
    # December's and January's pseudonyms share nothing but their labels.
    december, january = sorted(p for p in stored_pseudonyms(services) if p)
    assert december.startswith("v1:case:2025:") and january.startswith("v1:case:2026:")
    assert december.rsplit(":", 1)[-1] != january.rsplit(":", 1)[-1]
