"""Council requests: preview, confirm, a release in the list; paid in rho from the council's share
of each data year's cap (make_user gives rho 0.5 for this year and last), exact, never overspent.
A Laplace epsilon e costs rho e^2/2: 0.3 is rho 0.045."""

from __future__ import annotations

import json
import re
from datetime import date
from fractions import Fraction

import pytest

from privacy.exports import verify_release_file
from registry.accounts import Role
from registry.periods import Month
from tests.privacy.test_publication import seed

MONTH = Month.current().add(-1)


def form(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {"measure": "contacts", "group_by": ["category"],
                                 "from": str(MONTH), "to": str(MONTH), "grain": "month",
                                 "epsilon": "0.3"}
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def post(client, csrf_from, url: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/raad/aanvragen/nieuw").get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def hidden_fields(html: str) -> list[tuple[str, str]]:
    confirm = html.split('action="/raad/aanvragen/bevestigen"', 1)[1].split("</form>", 1)[0]
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm)


def spent(services, consumer: str, year: int = MONTH.year) -> Fraction:  # type: ignore[no-untyped-def]
    return services.ledger.status(consumer, year).spent


def test_preview_then_confirm_makes_a_release_and_spends_exactly_the_previewed_rho(
        client, login, services, csrf_from):
    seed(services, MONTH, n=3)
    login(Role.WORKS_COUNCIL, "MIN-A")
    preview = post(client, csrf_from, "/raad/aanvragen/voorbeeld", form())
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    cost = re.search(r'data-preview="cost">([^<]+)<', html)
    assert cost and cost.group(1) == "0,045"  # rho = 0.3^2 / 2, with a decimal comma
    assert re.search(r'data-preview="margin">plus of min \d+', html)
    # what it costs of the council's share (rho 0.5) of the month's data year
    assert f'<tr data-year="{MONTH.year}">' in html
    assert 'data-preview="share">9% van het aandeel<' in html
    assert 'data-preview="remaining">0,5<' in html and 'data-preview="after">0,455<' in html
    assert spent(services, "or:MIN-A") == 0  # a preview spends nothing
    fields = hidden_fields(html)
    assert ("group_by", "category") in fields and ("epsilon", "0.3") in fields
    confirmed = client.post("/raad/aanvragen/bevestigen", data=dict(
        [(k, v) for k, v in fields if k != "group_by"] + [("group_by", "category")]))
    assert confirmed.status_code == 303
    assert spent(services, "or:MIN-A") == Fraction(cost.group(1).replace(",", ".")) == Fraction(9, 200)
    assert release_cost(services, confirmed) == "rho 0.045"
    detail_url = confirmed.headers["Location"]
    release_id = detail_url.rstrip("/").rsplit("/", 1)[1]
    release = services.releases.get(release_id)
    assert release.scope == "or:MIN-A"
    assert release.spec["query"]["filters"] == {"organisation": ["MIN-A"]}
    detail = client.get(detail_url).get_data(as_text=True)
    assert "Pesten" in detail and "Wat betekent de marge?" in detail
    assert "kosten rho 0,045 van het aandeel van uw raad" in detail
    # the one display rule: never below zero, "te onzeker: tussen 0 en N" when the margin wins
    estimates = re.findall(r'data-col="estimate">([^<]+)<', detail)
    assert estimates and all(e == "te onzeker" or e.isdigit() for e in estimates)
    assert "tussen -" not in detail and " tot " not in detail
    assert "te onzeker: tussen 0 en " in detail or "(tussen " not in detail
    listing = client.get("/raad/aanvragen").get_data(as_text=True)
    assert release_id in listing and 'data-budget="remaining">0,455<' in listing
    assert ">rho 0,045<" in listing and "eerdere opzet" not in listing
    for fmt in ("json", "csv"):
        file = client.get(f"{detail_url}/{fmt}")
        assert file.status_code == 200
        assert verify_release_file(file.get_data(as_text=True),
                                   services.signer.public_key_b64).ok
    # Confirming the same question again returns the stored release and spends nothing.
    again = client.post("/raad/aanvragen/bevestigen", data={**form(), "csrf_token":
                                                            fields[0][1]})
    assert again.headers["Location"] == detail_url
    assert spent(services, "or:MIN-A") == Fraction("0.045")


def test_central_council_asks_rijk_wide_from_its_own_share(client, login, services, csrf_from):
    login(Role.CENTRAL_WORKS_COUNCIL, None)
    response = post(client, csrf_from, "/raad/aanvragen/bevestigen",
                    form(organisation="alle", group_by=[], epsilon="0.25"))
    assert response.status_code == 303
    assert spent(services, "gor") == Fraction(1, 32)  # 0.25^2 / 2
    release_id = response.headers["Location"].rsplit("/", 1)[1]
    assert services.releases.get(release_id).spec["query"]["filters"] == {}
    one = post(client, csrf_from, "/raad/aanvragen/bevestigen",
               form(organisation="MIN-B", epsilon="0.25"))
    assert one.status_code == 303
    assert spent(services, "gor") == Fraction(1, 16)
    assert spent(services, "or:MIN-B") == 0  # the GOR pays from its own share


def test_over_the_share_is_refused_with_nothing_spent(client, login, services, csrf_from):
    principal = login(Role.WORKS_COUNCIL, "MIN-A")
    assert principal.organisation == "MIN-A"
    services.ledger.set_budget("or:MIN-A", MONTH.year, Fraction("0.04"))
    refusal = ("Onvoldoende privacybudget: deze vraag kost rho 0,045, er resteert rho 0,04 van "
               f"het aandeel voor gegevensjaar {MONTH.year}.")
    preview = post(client, csrf_from, "/raad/aanvragen/voorbeeld", form(epsilon="0.3"))
    html = preview.get_data(as_text=True)
    assert refusal in html and "functioneel beheerder" not in html  # the share is agreed with the council
    assert 'data-preview="after">niet genoeg<' in html
    assert "/raad/aanvragen/bevestigen" not in html  # no confirm button
    refused = post(client, csrf_from, "/raad/aanvragen/bevestigen", form(epsilon="0.3"))
    assert refused.status_code == 403
    body = refused.get_data(as_text=True)
    assert refusal in body and "functioneel beheerder" not in body and "WOR artikel 27" in body
    assert spent(services, "or:MIN-A") == 0
    assert services.releases.list_for("or:MIN-A") == []
    # within the share it goes: epsilon 0.28 is rho 0.0392
    assert post(client, csrf_from, "/raad/aanvragen/bevestigen",
                form(epsilon="0.28")).status_code == 303
    assert spent(services, "or:MIN-A") == Fraction("0.0392")


def test_a_council_without_a_share_is_told_so_and_spends_nothing(client, login, services,
                                                                 make_user, csrf_from):
    principal, password = make_user(Role.WORKS_COUNCIL, "MIN-B", share=None)
    client.post("/login", data={"username": principal.username, "password": password,
                                "csrf_token": csrf_from(client.get("/login").get_data(
                                    as_text=True))})
    listing = client.get("/raad/aanvragen").get_data(as_text=True)
    assert "geen aandeel in het privacybudget" in listing
    preview = post(client, csrf_from, "/raad/aanvragen/voorbeeld", form(organisation="MIN-B"))
    html = preview.get_data(as_text=True)
    assert "Zonder toegekend aandeel kunnen geen nieuwe cijfers worden gemaakt." in html
    assert 'data-preview="share">geen aandeel<' in html
    refused = post(client, csrf_from, "/raad/aanvragen/bevestigen", form(organisation="MIN-B"))
    assert refused.status_code == 403
    assert spent(services, "or:MIN-B") == 0


def test_a_question_over_two_data_years_is_charged_to_both(client, login, services,
                                                           csrf_from):
    login(Role.WORKS_COUNCIL, "MIN-A")
    start, end = Month(MONTH.year - 1, 12), Month(MONTH.year, 1)
    if end > MONTH:
        pytest.skip("January: the running year has no complete month yet")
    preview = post(client, csrf_from, "/raad/aanvragen/voorbeeld",
                   form(**{"from": str(start), "to": str(end)}))
    html = preview.get_data(as_text=True)
    assert f"{MONTH.year - 1}, {MONTH.year}" in html
    assert html.count('data-preview="share">9% van het aandeel<') == 2
    made = post(client, csrf_from, "/raad/aanvragen/bevestigen",
                form(**{"from": str(start), "to": str(end)}))
    assert made.status_code == 303
    assert spent(services, "or:MIN-A", MONTH.year - 1) == spent(services, "or:MIN-A") == Fraction(
        "0.045")


def test_requests_from_before_the_cap_are_labelled_as_the_earlier_design(client, login,
                                                                         services, csrf_from):
    login(Role.WORKS_COUNCIL, "MIN-A")
    made = post(client, csrf_from, "/raad/aanvragen/bevestigen", form(group_by=[]))
    release_id = legacy_release(services, "or:MIN-A")
    assert services.releases.get(release_id).legacy
    assert services.releases.get(release_id).verify()
    listing = client.get("/raad/aanvragen").get_data(as_text=True)
    row = listing.split(release_id, 1)[1].split("</tr>", 1)[0]
    assert "(eerdere opzet)" in row and ">epsilon 0,3<" in row
    assert "vóór het plafond per gegevensjaar" in listing
    new_row = listing.split(made.headers["Location"], 1)[1].split("</tr>", 1)[0]
    assert "eerdere opzet" not in new_row and ">rho 0,045<" in new_row
    detail = client.get(f"/raad/aanvragen/{release_id}").get_data(as_text=True)
    assert "kosten epsilon 0,3" in detail and "eerdere opzet" in detail
    assert "rho" not in detail.split("<h1>", 1)[1].split("<table", 1)[0]
    # the display rule holds for old answers too: -3 with margin 12.3 is too uncertain
    assert 'data-col="estimate">te onzeker<' in detail
    assert "te onzeker: tussen 0 en 13" in detail and ">25<" in detail


@pytest.mark.parametrize("changes, field, message", [
    ({"epsilon": "veel"}, "epsilon", "decimaal getal"),
    ({"epsilon": "0"}, "epsilon", "tussen 0.01 en 1"),
    ({"from": "2026-13"}, "from", ""),
    ({"to": str(Month.current().add(2))}, "to", "toekomst"),
    ({"measure": None}, "measure", "Kies een van"),
    ({"group_by": ["naam"]}, "group_by", "Onbekende dimensie"),
    ({"organisation": "MIN-B"}, "organisation", "eigen organisatie"),
])
def test_bad_input_gets_a_dutch_error_and_nothing_spent(client, login, services, csrf_from,
                                                       changes, field, message):
    login(Role.WORKS_COUNCIL, "MIN-A")
    for url in ("/raad/aanvragen/voorbeeld", "/raad/aanvragen/bevestigen"):
        response = post(client, csrf_from, url, form(**changes))
        assert response.status_code == 422, url
        html = response.get_data(as_text=True)
        assert "Er is iets niet goed ingevuld" in html and message in html
        anchors = {"group_by": "group_by-period", "epsilon": "precisie-grof"}
        assert f'href="#{anchors.get(field, field)}"' in html
    assert spent(services, "or:MIN-A") == 0


def test_a_council_cannot_open_another_councils_release(client, login, services, csrf_from):
    login(Role.WORKS_COUNCIL, "MIN-A")
    made = post(client, csrf_from, "/raad/aanvragen/bevestigen", form(group_by=[]))
    url = made.headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/raad/").get_data(
        as_text=True))})
    login(Role.WORKS_COUNCIL, "MIN-B")
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/json").status_code == 404


def test_the_form_keeps_answers_when_going_back_from_the_preview(client, login, csrf_from):
    login(Role.WORKS_COUNCIL, "MIN-A")
    back = post(client, csrf_from, "/raad/aanvragen/aanpassen",
                form(group_by=["channel", "period"], epsilon=None, precisie="nauwkeurig"))
    html = back.get_data(as_text=True)
    assert 'id="group_by-channel" name="group_by" value="channel" checked' in html
    assert 'value="nauwkeurig" aria-describedby="precisie-hint" checked' in html


def legacy_release(services, scope: str) -> str:  # type: ignore[no-untyped-def]
    """A council request as stored before the cap: signed, cost in epsilon, no budget unit."""
    from privacy.models import ReleaseRecord
    from privacy.releases import canonical_spec, release_document
    from registry.db import random_id

    spec = {"query": {"measure": "contacts", "group_by": ["category"], "from": "2025-01",
                      "to": "2025-03", "grain": "month", "mechanism": "laplace",
                      "epsilon": "0.3", "filters": {"organisation": ["MIN-A"]}}}
    result = {"measure": "contacts", "group_by": ["category"], "mechanism": "laplace",
              "ci95_halfwidth": 12.3, "cells": [
                  {"category": "pesten", "estimate": -3, "ci95": [-15.3, 9.3]},
                  {"category": "werkdruk", "estimate": 25, "ci95": [12.7, 37.3]}]}
    spec_json, spec_hash = canonical_spec(spec)
    release_id, today = random_id(), date(2025, 6, 1)
    document = release_document(release_id=release_id, scope=scope, spec=spec, result=result,
                                epsilon_spent="0.3", release_date=today, replaces=None,
                                public_key=services.signer.public_key_b64)
    with services.db.session() as session:
        session.add(ReleaseRecord(
            id=release_id, consumer=scope, scope=scope, year=2025, spec_json=spec_json,
            spec_hash=spec_hash, result_json=json.dumps(result), epsilon_spent="0.3",
            release_date=today, replaces=None, signature=services.signer.sign(document),
            public_key=services.signer.public_key_b64, key_id=services.signer.key_id,
            budget_unit=None))
    return release_id


def release_cost(services, response) -> str:  # type: ignore[no-untyped-def]
    return services.releases.get(response.headers["Location"].rsplit("/", 1)[1]).cost_text


@pytest.mark.parametrize(("left", "suggested"), [
    ("0.5", "0.5"), ("0.02", "0.1"), ("0.0392", "0.14"), ("0.00001", "0.01"), ("0", "0.5")])
def test_the_form_suggests_an_epsilon_the_council_can_afford(left, suggested):
    from dashboards.council.views_requests import default_epsilon

    assert default_epsilon(Fraction(left)) == suggested
    if Fraction(left) >= Fraction("0.00005"):  # a quarter of the share at most
        assert Fraction(suggested) ** 2 / 2 <= Fraction(left) / 4


def test_the_form_starts_from_what_the_councils_share_allows(client, login, services):
    login(Role.WORKS_COUNCIL, "MIN-A")
    services.ledger.set_budget("or:MIN-A", MONTH.year, Fraction("0.02"))  # the demo's share
    html = client.get("/raad/aanvragen/nieuw").get_data(as_text=True)
    # grof (rho 0.005) is a quarter of rho 0.02; normaal would take more than all of it
    assert 'value="grof" aria-describedby="precisie-hint" checked' in html
    assert 'name="epsilon"' not in html
