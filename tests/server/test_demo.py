"""The demo: a realistic fictional Rijk, synthetic signals at realistic rates, and a setup that
can run twice without duplicating anything (SQLite only, as the demo itself)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.accounts import AccountService, Role
from registry.db import Database
from registry.organisations import OrganisationService, parse_org_csv, structure_to_csv
from registry.periods import Month
from registry.records import SignalRecord
from registry.taxonomy import load_taxonomy
from server.app import create_app
from server.cli import cli
from server.demo import DEMO_ACCOUNTS, DEMO_ORGANISATION, DemoSetup, format_credentials
from server.demo_data import INTEGRITY, demo_org, demo_signals, own_fte

END = Month(2026, 6)


@pytest.fixture(scope="module")
def org():  # type: ignore[no-untyped-def]
    return demo_org()


@pytest.fixture(scope="module")
def generated(org):  # type: ignore[no-untyped-def]
    return demo_signals(org, months=24, end=END)


def test_demo_org_is_a_rijk_of_about_100000_fte(org) -> None:  # type: ignore[no-untyped-def]
    assert 95_000 <= org.total_headcount <= 105_000
    assert 8 <= len(org.organisations) <= 12
    assert len(org.units) >= 100


def test_demo_org_is_ministry_dg_directie_afdeling(org) -> None:  # type: ignore[no-untyped-def]
    depths = Counter(org.depth(u.code) for u in org.units)
    assert set(depths) == {0, 1, 2, 3}
    assert depths[3] > depths[2] > depths[1] > depths[0]
    assert {u.name.split()[0] for u in org.units if org.depth(u.code) == 1} == {"DG"}


def test_demo_org_leaves_are_20_to_400_fte_with_several_under_50(org) -> None:  # type: ignore[no-untyped-def]
    leaves = [u.headcount for u in org.units if not org.children(u.code)]
    assert min(leaves) >= 20
    assert max(leaves) <= 400
    assert sum(size < 50 for size in leaves) >= 5


def test_demo_org_parents_hold_at_least_their_children(org) -> None:  # type: ignore[no-untyped-def]
    for unit in org.units:
        assert unit.headcount >= sum(org.get(c).headcount for c in org.children(unit.code))
    assert all(fte >= 0 for fte in own_fte(org).values())


def test_demo_org_passes_the_org_file_validation(org) -> None:  # type: ignore[no-untyped-def]
    assert parse_org_csv(structure_to_csv(org.units)) == org


def test_demo_org_is_the_same_for_the_same_seed(org) -> None:  # type: ignore[no-untyped-def]
    assert demo_org() == org
    assert demo_org(seed=7) != org


def test_demo_signals_come_at_1_to_5_per_100_fte_a_year(org, generated) -> None:  # type: ignore[no-untyped-def]
    records, _ = generated
    assert 1 <= len(records) / org.total_headcount * 100 / 2 <= 5
    per_org = Counter(r.organisation for r in records)
    for ministry in org.organisations:
        assert 1 <= per_org[ministry.code] / ministry.headcount * 100 / 2 <= 5, ministry.code


def test_demo_signals_carry_only_past_months_of_the_window(generated) -> None:  # type: ignore[no-untyped-def]
    records, _ = generated
    periods = {r.period for r in records}
    assert min(periods) == END.add(-23)
    assert max(periods) == END
    assert all(re.fullmatch(r"\d{4}-\d{2}", str(p)) for p in periods)


def test_demo_signals_up_to_now_are_never_in_the_future(org) -> None:  # type: ignore[no-untyped-def]
    records, _ = demo_signals(org, months=2)
    assert records
    assert max(r.period for r in records) <= Month.current()


def test_every_demo_signal_passes_the_intake_validation(org, generated) -> None:  # type: ignore[no-untyped-def]
    taxonomy = load_taxonomy()
    records, _ = generated
    for record in records:
        payload = {
            "period": str(record.period), "unit": record.unit, "channel": record.channel,
            "categories": list(record.categories), "implicated_party": record.implicated_party,
            "reporter_role": record.reporter_role, "follow_up": record.follow_up,
            "impact": list(record.impact), "case_token": record.case_token,
        }
        assert SignalRecord.from_payload(payload, taxonomy, org, today=END) == record


def test_demo_signals_have_a_plausible_mix(generated) -> None:  # type: ignore[no-untyped-def]
    records, _ = generated
    n = len(records)
    assert Counter(len(r.categories) for r in records).keys() == {1, 2}
    listening = sum(r.follow_up == "alleen_luisteren" for r in records) / n
    assert 0.28 <= listening <= 0.42
    channels = Counter(r.channel for r in records)
    assert sum(channels[c] for c in ("vp_intern", "vp_extern", "bmw")) / n >= 0.7
    categories = Counter(c for r in records for c in r.categories)
    top = {c for c, _ in categories.most_common(5)}
    assert {"werkdruk", "conflict_leidinggevende", "pesten", "intimidatie"} <= top
    assert categories["discriminatie"] + categories["racisme"] < categories["pesten"]
    assert sum(categories[c] for c in INTEGRITY) / n < 0.05


def test_demo_cases_have_2_to_4_contacts_in_one_unit(generated) -> None:  # type: ignore[no-untyped-def]
    records, _ = generated
    cases: dict[str, list[SignalRecord]] = {}
    for record in records:
        if record.case_token:
            cases.setdefault(record.case_token, []).append(record)
    sizes = Counter(len(contacts) for contacts in cases.values())
    assert max(sizes) <= 4
    assert sum(sizes[k] for k in (2, 3, 4)) >= 50
    for contacts in cases.values():
        assert len({(r.unit, r.categories) for r in contacts}) == 1


def test_demo_advisers_never_log_on_the_meldknops_channel(generated) -> None:  # type: ignore[no-untyped-def]
    # "meldpunt" is the meldknop's own channel: the release plan counts it as anonymous
    # self-reports, so contacts that advisers log must never carry it.
    from privacy.plan import SELF_REPORT_CHANNEL

    records, _ = generated
    assert records and all(r.channel != SELF_REPORT_CHANNEL for r in records)


def test_demo_plants_hotspots_a_works_council_can_be_shown(org, generated) -> None:  # type: ignore[no-untyped-def]
    records, hotspots = generated
    assert len(hotspots) == 4
    assert len({org.get(h.unit).organisation for h in hotspots}) == len(hotspots)
    assert DEMO_ORGANISATION in {org.get(h.unit).organisation for h in hotspots}
    # Two for the whole last completed year, two for the first half of the running one.
    assert [(h.start, h.months) for h in hotspots] == [(Month(END.year - 1, 1), 12)] * 2 + [
        (Month(END.year, 1), 6)] * 2
    inside = expected = 0.0
    for spot in hotspots:
        assert org.depth(spot.unit) == 1 and org.get(spot.unit).headcount >= 3500
        members = set(org.subtree(spot.unit))
        organisation = org.get(spot.unit).organisation
        peer_fte = org.get(organisation).headcount - org.get(spot.unit).headcount
        hits = Counter(r.unit in members for r in records if spot.covers(r.period)
                       and r.organisation == organisation and spot.category in r.categories)
        inside += hits[True]
        expected += hits[False] / peer_fte * org.get(spot.unit).headcount
    # Together the four planted patterns stand well above what the peers' rate predicts.
    assert inside / expected >= 3.5


def _demo(tmp_path: Path, *args: str) -> str:
    # Publishing is tested on its own below; the other demo tests skip it to stay quick.
    publish = [] if "--publish-months" in args else ["--publish-months", "0"]
    result = CliRunner().invoke(
        cli, ["demo", "--no-serve", "--months", "6", *publish, *args],
        env={"SIGNAL_REGISTRY_DATA_DIR": str(tmp_path / "demo-data"),
             "DATABASE_URL": f"sqlite:///{tmp_path / 'not-the-demo.db'}",
             "SIGNAL_REGISTRY_MODE": "production", "SIGNAL_REGISTRY_MASTER_SECRET": "",
             "SIGNAL_REGISTRY_MASTER_SECRET_FILE": ""},
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def _counts(db: Database) -> tuple[int, int, int]:
    from sqlalchemy import func, select

    from registry.models import Account, Signal, Unit

    with db.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) or 0  # type: ignore[return-value]
                     for t in (Unit, Signal, Account))


def _credentials(output: str) -> dict[str, str]:
    return dict(re.findall(r"^  \S+(?: \(\S+\))?\s+(demo-\S+)\s+(\S+)$", output, re.MULTILINE))


def _tokens(output: str) -> dict[str, str]:
    return dict(re.findall(r"^  (demo-\S+)\s+(sr_\S+)$", output, re.MULTILINE))


def _assert_no_count_of(signals: int, output: str) -> None:
    """The banner above the logins states no number of signals (the logins are random)."""
    banner = output.split("\nOpen ", 1)[0]
    assert str(signals) not in re.findall(r"\d+", banner), banner
    assert not re.search(r"\d\s+(synthetic\s+)?signal", banner, re.IGNORECASE), banner


def test_the_demo_banner_states_no_count_of_signals() -> None:
    setup = DemoSetup(created_org=True, created_signals=4321, units=810, headcount=100_000,
                      signals=4567, first_month=Month(2025, 1))
    banner = format_credentials(setup, "http://127.0.0.1:8000/")
    assert "Generated synthetic signals from 2025-01" in banner
    assert "810 units, 100000 FTE" in banner  # the public organisation chart is no secret
    _assert_no_count_of(4321, banner)
    _assert_no_count_of(4567, banner)


def test_demo_setup_twice_reuses_the_data_and_renews_only_credentials(tmp_path: Path) -> None:
    first = _demo(tmp_path)
    assert "Generated" in first
    assert "http://127.0.0.1:8000/" in first
    assert not (tmp_path / "not-the-demo.db").exists()
    db = Database(f"sqlite:///{tmp_path / 'demo-data' / 'demo.db'}")
    try:
        units, signals, accounts = _counts(db)
        assert units == len(demo_org().units)
        assert signals > 0
        assert accounts == len(DEMO_ACCOUNTS)
        _assert_no_count_of(signals, first)

        second = _demo(tmp_path, "--port", "8123")
        assert "Reusing the existing demo data" in second
        _assert_no_count_of(signals, second)
        assert "http://127.0.0.1:8123/" in second
        assert _counts(db) == (units, signals, accounts)

        service = AccountService(db)
        old, new = _credentials(first), _credentials(second)
        assert set(new) == {name for name, _, _ in DEMO_ACCOUNTS}
        for username, password in new.items():
            assert service.authenticate(username, password) is not None
            assert service.authenticate(username, old[username]) is None
        old_tokens, new_tokens = _tokens(first), _tokens(second)
        assert set(new_tokens) == {"demo-adviseur", "demo-onderzoeker"}
        for username, token in new_tokens.items():
            assert service.resolve_token(token).username == username  # type: ignore[union-attr]
            assert service.resolve_token(old_tokens[username]) is None
        adviser = service.by_username("demo-adviseur")
        assert (adviser.role, adviser.organisation) == (Role.ADVISER, DEMO_ORGANISATION)
        assert set(OrganisationService(db).structure().units) == set(demo_org().units)
    finally:
        db.dispose()


def test_demo_publishes_the_last_completed_months_once(tmp_path: Path) -> None:
    from privacy.plan import Part

    first = _demo(tmp_path, "--publish-months", "2")
    published = re.search(r"Published (\d+) releases of the release plan \(0 were already "
                          r"published\)", first)
    assert published and int(published.group(1)) > 0, first
    second = _demo(tmp_path, "--publish-months", "2")
    assert (f"Published 0 releases of the release plan ({published.group(1)} were already "
            "published)") in second
    app = create_app({"mode": "demo", "database_url": f"sqlite:///{tmp_path / 'demo-data' / 'demo.db'}",
                      "data_dir": str(tmp_path / "demo-data"), "secure_cookies": False})
    services = app.extensions["signal_registry"]
    try:
        index = services.plans.index()
        assert len(index) == int(published.group(1))
        months = {entry.period for entry in index if entry.part is Part.MONTH}
        last = Month.current().add(-1)
        assert {str(last.add(-1)), str(last)} <= months
        # the current month is not over, so it is never published
        assert str(Month.current()) not in months
    finally:
        services.db.dispose()
