"""The works council's follow-up page: the shares of the published outcome tables with their
intervals (never outside 0-100%, 'te onzeker' when too wide), beside the action register;
only for the council's own organisation, and viewing spends nothing."""

from __future__ import annotations

import re

from privacy.plan import Part
from privacy.pseudonyms import new_case_token
from registry.accounts import Role
from registry.outcomes import OutcomeRecord
from registry.periods import Month
from registry.records import SignalRecord
from registry.taxonomy.outcomes import load_outcome_codes

LAST_YEAR = Month.current().year - 1
CASES = 400
PERCENT = re.compile(r"(-?[0-9]+(?:,[0-9])?)%")


def publish_year_with_outcomes(services) -> None:  # type: ignore[no-untyped-def]
    """400 MIN-A cases of last year; 3 in 4 got feedback within 3 months ('ja')."""
    tokens = [new_case_token() for _ in range(CASES)]
    services.signals.store_many([SignalRecord(
        period=Month(LAST_YEAR, 1 + i % 12), unit="MIN-A-DG1-D1", organisation="MIN-A",
        channel="vp_intern", categories=("pesten",), implicated_party="collega",
        reporter_role="medewerker", follow_up="advies", case_token=token)
        for i, token in enumerate(tokens)], receipts=False)
    codes = load_outcome_codes()
    for i, token in enumerate(tokens):
        record = OutcomeRecord.from_payload({
            "case_token": token, "month": f"{LAST_YEAR}-12",
            "fields": {"feedback_3m": "nee" if i % 4 == 0 else "ja"}}, codes)
        services.outcomes.record(record, frozenset({"MIN-A"}))
    services.plans.publish(LAST_YEAR, Part.YEAR, str(LAST_YEAR))


def test_the_council_sees_outcome_shares_with_intervals(client, services, login):
    publish_year_with_outcomes(services)
    login(Role.WORKS_COUNCIL, "MIN-A")
    spent_before = services.ledger.status("plan", LAST_YEAR).spent
    page = client.get(f"/raad/organisatie/MIN-A/opvolging?jaar={LAST_YEAR}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    section = html.split("Terugkoppeling binnen 3 maanden", 1)[1].split("</table>", 1)[0]
    ja_row = section.split("<th scope=\"row\">Ja</th>", 1)[1].split("</tr>", 1)[0]
    # About 75% of the recorded cases, with its interval; clear with 400 cases.
    match = re.search(r"([0-9]+(?:,[0-9])?)% \(tussen ([0-9]+(?:,[0-9])?) en "
                      r"([0-9]+(?:,[0-9])?)%\)", ja_row)
    assert match, ja_row
    value, low, high = (float(g.replace(",", ".")) for g in match.groups())
    assert 0 <= low <= value <= high <= 100
    assert 60 < value < 90
    # A field nobody recorded: its noisy count of recorded cases is almost always too uncertain
    # (true 0; shown as a number in about 1 run in 40), and then every share of it is too.
    outcome = html.split("<caption>Uitkomst", 1)[1].split("</table>", 1)[0]
    recorded = outcome.split("Zaken waarbij dit is vastgelegd", 1)[1].split("</tr>", 1)[0]
    if "te onzeker" in recorded:
        shares = outcome.split("Zaken waarbij dit is vastgelegd", 1)[0]
        assert shares.count("te onzeker: tussen 0 en 100%") == len(load_outcome_codes()
                                                                   .codes("outcome")), shares
    assert all(0 <= float(p.replace(",", ".")) <= 100 for p in PERCENT.findall(html))
    assert services.ledger.status("plan", LAST_YEAR).spent == spent_before
    assert client.get(f"/raad/organisatie/MIN-B/opvolging?jaar={LAST_YEAR}").status_code == 403


def test_before_publication_the_page_says_when_outcomes_appear(client, login):
    login(Role.WORKS_COUNCIL, "MIN-A")
    html = client.get("/raad/organisatie/MIN-A/opvolging").get_data(as_text=True)
    assert "nog geen uitkomsten gepubliceerd" in html
    assert client.get("/raad/organisatie/MIN-A/opvolging?jaar=²⁰²⁵").status_code == 404


def test_the_organisation_page_links_to_the_follow_up_page(client, login):
    login(Role.WORKS_COUNCIL, "MIN-A")
    html = client.get("/raad/organisatie/MIN-A").get_data(as_text=True)
    assert "/raad/organisatie/MIN-A/opvolging" in html


def test_without_a_year_the_page_opens_on_the_same_year_as_the_organisation_page(
        client, services, login):
    publish_year_with_outcomes(services)
    # Last month is out too: the newest year with any release is (but in January) not complete.
    last_month = Month.current().add(-1)
    services.plans.publish(last_month.year, Part.MONTH, str(last_month))
    login(Role.WORKS_COUNCIL, "MIN-A")
    default = client.get("/raad/organisatie/MIN-A/opvolging").get_data(as_text=True)
    assert "nog geen uitkomsten gepubliceerd" not in default
    assert "Terugkoppeling binnen 3 maanden" in default
    chosen = client.get(f"/raad/organisatie/MIN-A/opvolging?jaar={LAST_YEAR}")
    assert PERCENT.findall(default) and len(PERCENT.findall(default)) == len(
        PERCENT.findall(chosen.get_data(as_text=True)))
