"""Abuse of the meldknop: limits per visitor and per unit per day that only count stored signals,
a proof-of-work per form page, equal sizes per step, and nothing about the visitor kept."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import pytest
from limits.storage import MemoryStorage
from sqlalchemy import inspect, text

from intake_adapters.meldknop import work
from intake_adapters.meldknop.limits import MeldknopLimits, Refusal, Refused, Reservation
from intake_adapters.meldknop.padding import STEP_BYTES
from registry.contacts import ContactPointService
from registry.signals import SignalService
from server.app import create_app
from server.migrations import upgrade
from tests.intake_adapters.meldknop_helpers import challenge_of, solved

PAGE = "/meldknop"
LIMIT = 3
CAP = 5


@pytest.fixture
def settings_overrides(settings_overrides):  # type: ignore[no-untyped-def]
    return {**settings_overrides, "csrf": False, "meldknop_rate_limit": f"{LIMIT} per hour",
            "meldknop_unit_daily_cap": CAP}


def visitor(number: int) -> dict[str, str]:
    return {"REMOTE_ADDR": f"198.51.100.{number}"}


def answers(**changes: Any) -> dict[str, Any]:
    return {"categories": ["pesten"], "organisation": "MIN-A", "unit": "MIN-A-DG1",
            "reporter_role": "medewerker", "implicated_party": "onbekend", "contact": "ja",
            **changes}


def post(client, who: int = 1, *, work_fields: dict[str, str] | None = None,  # type: ignore[no-untyped-def]
         **changes: Any):
    page = client.get(PAGE, environ_base=visitor(who)).get_data(as_text=True)
    fields = solved(page) if work_fields is None else work_fields
    return client.post(PAGE, data={**answers(**changes), **fields}, environ_base=visitor(who))


def stored(services) -> int:  # type: ignore[no-untyped-def]
    return services.signals.count()


def body(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_a_flood_from_one_client_does_not_lock_out_another(client, services):
    statuses = [post(client, 1).status_code for _ in range(12)]
    assert statuses == [200] * LIMIT + [429] * (12 - LIMIT)
    assert stored(services) == LIMIT
    # Another visitor, at the same moment, is not held up by the first one's flood (about
    # another unit: this unit's day has room for only CAP signals).
    for _ in range(LIMIT):
        assert post(client, 2, unit="MIN-A-DG2").status_code == 200
    assert stored(services) == 2 * LIMIT


def test_refused_and_repeated_posts_do_not_use_up_the_limit(client, services):
    for _ in range(8):
        assert post(client, 1, categories=[]).status_code == 422
    assert post(client, 1, work_fields={}).status_code == 422
    page = client.get(PAGE, environ_base=visitor(1)).get_data(as_text=True)
    fields = solved(page)
    first = client.post(PAGE, data={**answers(), **fields}, environ_base=visitor(1))
    assert first.status_code == 200
    for _ in range(5):  # reloads of the answer page
        again = client.post(PAGE, data={**answers(), **fields}, environ_base=visitor(1))
        assert "Uw signaal was al ontvangen" in body(again)
    assert stored(services) == 1
    for _ in range(LIMIT - 1):
        assert post(client, 1).status_code == 200
    assert stored(services) == LIMIT


def test_the_daily_cap_per_unit_holds_across_clients(client, services):
    ContactPointService(services.db).add("MIN-A", "Anna de Vries", "vertrouwenspersoon",
                                         "vp@min-a.example.nl", True)
    for who in range(CAP):
        assert post(client, 10 + who).status_code == 200
    full = post(client, 50)
    page = body(full)
    assert full.status_code == 429
    assert "Vandaag kan dit niet meer" in page and "Uw signaal is niet opgeslagen." in page
    assert "U kunt het morgen vanaf 0.00 uur opnieuw proberen." in page
    # Where to go is still shown: the fitting routes with the organisation's advisers.
    assert "Anna de Vries" in page and "Bij direct gevaar: bel 112." in page
    assert stored(services) == CAP
    # Other units are open, and the refused visitor's own limit was not used up.
    for _ in range(LIMIT):
        assert post(client, 50, unit="MIN-A-DG2").status_code == 200
    assert stored(services) == CAP + LIMIT


def _form_page(client) -> str:  # type: ignore[no-untyped-def]
    return client.get(PAGE, environ_base=visitor(1)).get_data(as_text=True)


def _too_little(challenge: str, bits: int) -> str:
    return next(str(n) for n in range(10_000) if work.work_done(challenge, str(n)) < bits)


@pytest.mark.parametrize("spoil", ["missing", "no nonce", "tampered", "too little", "expired",
                                   "other secret"])
def test_a_bad_proof_of_work_is_refused_with_a_dutch_message_and_stores_nothing(
        client, services, spoil):
    bits = services.settings.meldknop_work_bits
    challenge = challenge_of(_form_page(client))
    fields = {
        "missing": {},
        "no nonce": {"challenge": challenge},
        "tampered": {"challenge": challenge[:-1] + ("0" if challenge[-1] != "0" else "1"),
                     "nonce": "0"},
        "too little": {"challenge": challenge, "nonce": _too_little(challenge, bits)},
        "expired": (lambda old: {"challenge": old, "nonce": work.solve(old, bits)})(
            work.issue(b"test-secret-key", bits, now=time.time() - work.CHALLENGE_SECONDS - 1)),
        "other secret": (lambda other: {"challenge": other, "nonce": work.solve(other, bits)})(
            work.issue(b"another-key", bits)),
    }[spoil]
    response = post(client, 1, work_fields=fields)
    page = body(response)
    assert response.status_code == 422
    message = page.split('id="work-error">', 1)[1].split("</p>", 1)[0]
    expected = {"missing": "JavaScript", "no nonce": "JavaScript", "expired": "te lang open"}
    assert expected.get(spoil, "De controle van het formulier klopt niet") in message
    assert "Er is niets opgeslagen." in page and 'href="#send"' in page
    # The answers stay, with a fresh challenge to send them again.
    assert re.search(r'id="categories-pesten"[^>]*checked', page)
    assert challenge_of(page) != challenge
    assert stored(services) == 0


def test_a_replayed_proof_of_work_stores_nothing_more(client, services):
    fields = solved(_form_page(client))
    assert post(client, 1, work_fields=fields).status_code == 200
    for who, changes in ((1, {"categories": ["werkdruk"]}), (2, {"unit": "MIN-A-DG2"})):
        replay = post(client, who, work_fields=fields, **changes)
        assert "Dit formulier was al verstuurd" in body(replay)
    assert stored(services) == 1


def test_pages_of_one_step_have_one_size(client, services):
    contacts = ContactPointService(services.db)
    contacts.add("MIN-A", "Anna de Vries", "vertrouwenspersoon", "vp@min-a.example.nl", True)
    contacts.add("MIN-A", "Carla Integer", "integriteitscoordinator", "Intranet", False)
    responses = [
        post(client, 1, categories=["pesten"]),
        post(client, 2, categories=["vermoeden_misstand", "agressie_extern"], contact="nee"),
        post(client, 3, categories=["fraude_diefstal"], organisation="MIN-B", unit=""),
        post(client, 4, categories=[], organisation=""),  # the form again, with errors
        post(client, 5, work_fields={}),  # refused proof-of-work
    ]
    responses += [post(client, 1) for _ in range(LIMIT)]  # ends with the 429 page
    assert {r.status_code for r in responses} == {200, 422, 429}
    sizes = {int(r.headers["Content-Length"]) for r in responses}
    assert sizes == {STEP_BYTES[("meldknop.submit", "POST")]}
    assert all(len(r.get_data()) == size for r in responses for size in sizes)
    forms = [client.get(path) for path in (PAGE, PAGE + "?organisatie=MIN-B")]
    assert len({int(r.headers["Content-Length"]) for r in forms}) == 1
    where = [client.get(f"/meldknop/waar-terecht?organisatie={code}") for code in ("MIN-A", "MIN-B")]
    assert len({int(r.headers["Content-Length"]) for r in where}) == 1


def test_the_form_warns_about_work_devices_and_needs_its_script(client):
    page = _form_page(client)
    warning = page.split('class="notice meldknop-device-warning"', 1)[1].split("</section>", 1)[0]
    for words in ("computer of telefoon van uw werk", "netwerk of de wifi van uw werkgever",
                  "wanneer", "geschiedenis van uw browser", "uw eigen telefoon of computer",
                  "mobiele data", "Sluit het venster"):
        assert words in warning, words
    assert page.index("meldknop-device-warning") < page.index('class="form meldknop-form"')
    assert '<script src="/meldknop/static/meldknop.js" defer></script>' in page
    assert 'href="/meldknop/static/meldknop.css"' in page
    assert "<script>" not in page and " style=" not in page
    noscript = page.split("<noscript>", 1)[1].split("</noscript>", 1)[0]
    assert "werkt alleen met JavaScript" in noscript
    assert 'href="/meldknop/waar-terecht?organisatie=MIN-A"' in noscript
    assert client.get("/meldknop/static/meldknop.js").status_code == 200


def test_nothing_about_the_visitor_reaches_the_database_or_the_logs(app, client, services, caplog):
    caplog.set_level(logging.DEBUG)
    address = visitor(77)["REMOTE_ADDR"]
    for _ in range(LIMIT + 1):
        post(client, 77)
    post(client, 77, categories=[])
    tag = app.extensions["hourly_key"].tag("client", address)
    with services.db.engine.connect() as conn:
        dump = repr([list(conn.execute(text(f'SELECT * FROM "{table}"')))  # noqa: S608
                     for table in inspect(conn).get_table_names()])
    for trace in (address, tag, tag[:16]):
        assert trace not in dump
        assert trace not in caplog.text
    assert stored(services) == LIMIT


def test_without_the_shared_store_nothing_is_stored_and_routes_are_shown(settings_overrides):
    # A closed port: the store cannot be reached, so the meldknop cannot count and stores nothing.
    app = create_app({**settings_overrides, "rate_limit_storage": "redis://127.0.0.1:9/0"})
    services = app.extensions["signal_registry"]
    upgrade(services.db.engine)
    from registry.organisations import parse_org_csv
    from tests.conftest import FIXTURES

    services.replace_org(parse_org_csv((FIXTURES / "org-small.csv").read_text()))
    try:
        response = post(app.test_client(), 1)
        page = body(response)
        assert response.status_code == 503
        assert "Nu even niet beschikbaar" in page and "Uw signaal is niet opgeslagen." in page
        assert "Bij direct gevaar: bel 112." in page
        assert stored(services) == 0
    finally:
        services.db.dispose()


def _limits(visitor_period: int) -> MeldknopLimits:
    return MeldknopLimits(MemoryStorage(), b"secret", f"{LIMIT} per hour", CAP,
                          visitor=lambda: "client:abc", visitor_period=visitor_period)


@pytest.mark.parametrize(("visitor_period", "most"), [(10**9, 60), (120, 2)])
def test_the_wait_is_the_sooner_of_the_window_and_the_visitors_new_name(visitor_period, most):
    limits = _limits(visitor_period)
    for unit in ("A", "B", "C"):
        assert isinstance(limits.reserve(unit), Reservation)
    refused = limits.reserve("D")
    assert isinstance(refused, Refused) and refused.reason is Refusal.CLIENT_LIMIT
    assert most - 1 <= refused.minutes <= most


def test_a_given_back_slot_can_be_used_again():
    limits = _limits(10**9)
    held = [limits.reserve("A") for _ in range(LIMIT)]
    assert all(isinstance(h, Reservation) for h in held)
    assert isinstance(limits.reserve("A"), Refused)
    limits.give_back(held[0])  # type: ignore[arg-type]
    assert isinstance(limits.reserve("A"), Reservation)


def test_a_failed_store_gives_its_slots_and_its_form_back(client, services, monkeypatch):
    page = _form_page(client)
    fields = solved(page)

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("database gone")

    with monkeypatch.context() as patched:
        patched.setattr(SignalService, "store_many", broken)
        try:
            failed = client.post(PAGE, data={**answers(), **fields}, environ_base=visitor(1))
            assert failed.status_code >= 500
        except RuntimeError:
            pass  # the test client passes the error on when the app propagates exceptions
    # The same page can be sent again, and the visitor still has the whole limit.
    assert client.post(PAGE, data={**answers(), **fields},
                       environ_base=visitor(1)).status_code == 200
    for _ in range(LIMIT - 1):
        assert post(client, 1).status_code == 200
    assert stored(services) == LIMIT
