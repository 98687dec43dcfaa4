"""The meldknop's result page offers a meldcode; the adviser's form takes it as a case token.

Journeys over HTTP: the meldknop, then a vertrouwenspersoon, then the integrity coordinator
(both through the adviser's web form). With the meldcode the three contacts share one keyed
case pseudonym of their year; the code itself is shown once and stored nowhere.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from intake_adapters.meldknop.padding import STEP_BYTES
from registry.accounts import Role
from registry.checked_codes import parse_case_token
from registry.periods import Month
from tests.intake_adapters.meldknop_helpers import solved

PAGE = "/meldknop"
NEW = "/signalen/nieuw"
VISITOR = {"REMOTE_ADDR": "203.0.113.78"}
MELDCODE_RE = re.compile(r'id="meldcode-value">([^<]+)<')


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def meldknop_form(page: str, csrf_from) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"categories": ["pesten"], "organisation": "MIN-A", "unit": "",
            "reporter_role": "medewerker", "implicated_party": "collega", "contact": "ja",
            "csrf_token": csrf_from(page), **solved(page)}


def use_meldknop(web, csrf_from):  # type: ignore[no-untyped-def]
    page = web.get(PAGE, environ_base=VISITOR).get_data(as_text=True)
    return web.post(PAGE, data=meldknop_form(page, csrf_from), environ_base=VISITOR)


def meldcode_of(response) -> str:  # type: ignore[no-untyped-def]
    found = MELDCODE_RE.search(response.get_data(as_text=True))
    assert found, "no meldcode on the result page"
    return found.group(1)


def adviser_logs(client, csrf_from, channel: str, case_token: str, period: Month):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(NEW).get_data(as_text=True))
    return client.post(NEW, data={
        "period": str(period), "unit": "MIN-A-DG1-D1", "channel": channel,
        "categories": ["pesten"], "implicated_party": "collega", "reporter_role": "medewerker",
        "follow_up": "advies", "case_token": case_token, "csrf_token": token})


def rows(services) -> list[dict]:  # type: ignore[no-untyped-def]
    with services.db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            text("SELECT * FROM signals ORDER BY period, channel"))]


def at(monkeypatch, month: Month) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(Month, "current", classmethod(lambda cls: month))


def test_the_result_page_shows_a_meldcode_kept_only_as_its_keyed_pseudonym(
        web, services, csrf_from):
    response = use_meldknop(web, csrf_from)
    page = response.get_data(as_text=True)
    meldcode = meldcode_of(response)
    assert parse_case_token(meldcode) == meldcode
    assert "Uw meldcode (niet verplicht)" in page and "zaaknummer" in page
    assert "U hoeft de code niet te gebruiken" in page
    [row] = rows(services)
    year = Month.current().year
    assert row["case_pseudonym"] == services.pseudonymizer.case_pseudonym(meldcode, year)
    compact = meldcode.replace("-", "")
    assert not any(compact in str(v).replace("-", "") for v in row.values())


def test_every_visit_gets_its_own_meldcode_and_a_resent_form_none(web, services, csrf_from):
    page = web.get(PAGE, environ_base=VISITOR).get_data(as_text=True)
    data = meldknop_form(page, csrf_from)
    first = web.post(PAGE, data=data, environ_base=VISITOR)
    again = web.post(PAGE, data=data, environ_base=VISITOR)
    assert "Uw signaal was al ontvangen" in again.get_data(as_text=True)
    assert MELDCODE_RE.search(again.get_data(as_text=True)) is None  # nothing stored, no code
    other = use_meldknop(web, csrf_from)
    assert meldcode_of(other) != meldcode_of(first)
    # Still one size for every result page of the step, with or without the code.
    sizes = {len(r.get_data()) for r in (first, again, other)}
    assert sizes == {STEP_BYTES[("meldknop.submit", "POST")]}


def test_meldknop_adviser_and_integrity_coordinator_are_one_case(
        web, client, login, services, csrf_from):
    meldcode = meldcode_of(use_meldknop(web, csrf_from))
    login(Role.ADVISER)
    month = Month.current()
    # The vertrouwenspersoon types it as shown, the coordinator without hyphens in small letters.
    for channel, typed in (("vp_intern", meldcode),
                           ("integriteitscoordinator", meldcode.replace("-", "").lower())):
        response = adviser_logs(client, csrf_from, channel, typed, month)
        assert response.status_code == 200, response.get_data(as_text=True)[:400]
    stored = rows(services)
    assert len(stored) == 3
    assert {r["case_pseudonym"] for r in stored} == {
        services.pseudonymizer.case_pseudonym(meldcode, month.year)}


def test_without_the_meldcode_the_contacts_stay_apart(web, client, login, services, csrf_from):
    use_meldknop(web, csrf_from)
    login(Role.ADVISER)
    response = adviser_logs(client, csrf_from, "vp_intern", "", Month.current())
    assert response.status_code == 200
    meldknop_row, adviser_row = sorted(rows(services), key=lambda r: r["channel"] == "vp_intern")
    assert adviser_row["case_pseudonym"] is None
    assert meldknop_row["case_pseudonym"] is not None


def test_december_meldknop_and_january_adviser_link_within_each_year_only(
        web, client, login, services, csrf_from, monkeypatch):
    at(monkeypatch, Month(2025, 12))
    meldcode = meldcode_of(use_meldknop(web, csrf_from))
    at(monkeypatch, Month(2026, 1))
    login(Role.ADVISER)
    for channel in ("vp_intern", "integriteitscoordinator"):
        response = adviser_logs(client, csrf_from, channel, meldcode, Month(2026, 1))
        assert response.status_code == 200  # the December code is accepted as it is
    december, *january = rows(services)
    assert december["period"] == "2025-12" and december["channel"] == "meldpunt"
    assert december["case_pseudonym"] == services.pseudonymizer.case_pseudonym(meldcode, 2025)
    assert {r["case_pseudonym"] for r in january} == {
        services.pseudonymizer.case_pseudonym(meldcode, 2026)}
    assert december["case_pseudonym"] not in {r["case_pseudonym"] for r in january}
