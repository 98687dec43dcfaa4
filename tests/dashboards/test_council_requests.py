"""Council requests: preview, confirm, a release in the list; budgets exact, never overspent."""

from __future__ import annotations

import re
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


def spent(services, consumer: str) -> Fraction:  # type: ignore[no-untyped-def]
    return services.ledger.status(consumer, Month.current().year).spent


def test_preview_then_confirm_makes_a_release_and_spends_exactly_the_previewed_epsilon(
        client, login, services, csrf_from):
    seed(services, MONTH, n=3)
    login(Role.WORKS_COUNCIL, "MIN-A")
    preview = post(client, csrf_from, "/raad/aanvragen/voorbeeld", form())
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    cost = re.search(r'data-preview="cost">([^<]+)<', html)
    assert cost and cost.group(1) == "0.3"
    assert re.search(r'data-preview="margin">plus of min \d+', html)
    assert spent(services, "or:MIN-A") == 0  # a preview spends nothing
    fields = hidden_fields(html)
    assert ("group_by", "category") in fields and ("epsilon", "0.3") in fields
    confirmed = client.post("/raad/aanvragen/bevestigen", data=dict(
        [(k, v) for k, v in fields if k != "group_by"] + [("group_by", "category")]))
    assert confirmed.status_code == 303
    assert spent(services, "or:MIN-A") == Fraction(cost.group(1))
    detail_url = confirmed.headers["Location"]
    release_id = detail_url.rstrip("/").rsplit("/", 1)[1]
    release = services.releases.get(release_id)
    assert release.scope == "or:MIN-A"
    assert release.spec["query"]["filters"] == {"organisation": ["MIN-A"]}
    detail = client.get(detail_url).get_data(as_text=True)
    assert "Pesten" in detail and " tot " in detail and "Wat betekent de marge?" in detail
    listing = client.get("/raad/aanvragen").get_data(as_text=True)
    assert release_id in listing and 'data-budget="remaining">9.7<' in listing
    for fmt in ("json", "csv"):
        file = client.get(f"{detail_url}/{fmt}")
        assert file.status_code == 200
        assert verify_release_file(file.get_data(as_text=True),
                                   services.signer.public_key_b64).ok
    # Confirming the same question again returns the stored release and spends nothing.
    again = client.post("/raad/aanvragen/bevestigen", data={**form(), "csrf_token":
                                                            fields[0][1]})
    assert again.headers["Location"] == detail_url
    assert spent(services, "or:MIN-A") == Fraction("0.3")


def test_central_council_asks_rijk_wide_from_its_own_budget(client, login, services, csrf_from):
    login(Role.CENTRAL_WORKS_COUNCIL, None)
    response = post(client, csrf_from, "/raad/aanvragen/bevestigen",
                    form(organisation="alle", group_by=[], epsilon="0.25"))
    assert response.status_code == 303
    assert spent(services, "gor") == Fraction("0.25")
    release_id = response.headers["Location"].rsplit("/", 1)[1]
    assert services.releases.get(release_id).spec["query"]["filters"] == {}
    one = post(client, csrf_from, "/raad/aanvragen/bevestigen",
               form(organisation="MIN-B", epsilon="0.25"))
    assert one.status_code == 303
    assert spent(services, "gor") == Fraction("0.5")


def test_over_budget_is_refused_with_nothing_spent(client, login, services, csrf_from):
    principal = login(Role.WORKS_COUNCIL, "MIN-A")
    assert principal.organisation == "MIN-A"
    services.ledger.set_budget("or:MIN-A", Month.current().year, Fraction("0.2"))
    preview = post(client, csrf_from, "/raad/aanvragen/voorbeeld", form(epsilon="0.3"))
    html = preview.get_data(as_text=True)
    assert "Onvoldoende privacybudget" in html and "functioneel beheerder" in html
    assert "/raad/aanvragen/bevestigen" not in html  # no confirm button
    refused = post(client, csrf_from, "/raad/aanvragen/bevestigen", form(epsilon="0.3"))
    assert refused.status_code == 403
    body = refused.get_data(as_text=True)
    assert "Onvoldoende privacybudget: gevraagd 0.3, resterend 0.2" in body
    assert "functioneel beheerder" in body
    assert spent(services, "or:MIN-A") == 0
    assert services.releases.list_for("or:MIN-A") == []


@pytest.mark.parametrize("changes, field, message", [
    ({"epsilon": "veel"}, "epsilon", "decimaal getal"),
    ({"epsilon": "0"}, "epsilon", "groter dan 0"),
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
        assert f'href="#{"group_by-period" if field == "group_by" else field}"' in html
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
                form(group_by=["channel", "period"], epsilon="0.7"))
    html = back.get_data(as_text=True)
    assert 'id="group_by-channel" name="group_by" value="channel" checked' in html
    assert 'value="0.7"' in html
