"""The researchers' workspace: compose, preview for free, run once, read, download, verify."""

from __future__ import annotations

import html
import re
from fractions import Fraction

import pytest
from werkzeug.datastructures import MultiDict

from privacy.exports import verify_release_file
from privacy.kinds import DIMENSIONS, FILTER_FIELDS, GRAINS, MEASURES, MECHANISMS
from registry.accounts import Role
from registry.periods import Month
from tests.privacy.test_publication import seed

TODAY = Month.current()
SPEC = {"measure": "contacts", "group_by": ["period", "unit"], "from": str(TODAY.add(-2)),
        "to": str(TODAY), "grain": "month", "mechanism": "laplace", "budget": "0.5"}


@pytest.fixture
def researcher(client, login, services):  # type: ignore[no-untyped-def]
    seed(services, TODAY.add(-1), n=5)
    return login(Role.RESEARCHER, None)


def consumer(principal) -> str:  # type: ignore[no-untyped-def]
    return f"research:{principal.project}"


def spent(services, principal) -> Fraction:  # type: ignore[no-untyped-def]
    """What the researcher's project has spent of its share of this year, in rho."""
    return services.ledger.status(consumer(principal), TODAY.year).spent


def form_token(client, csrf_from) -> str:  # type: ignore[no-untyped-def]
    return csrf_from(client.get("/onderzoek/").get_data(as_text=True))


def post(client, csrf_from, path: str, fields: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post(path, data={**fields, "csrf_token": form_token(client, csrf_from)})


def figure(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', page)
    assert match, f"no figure {name}"
    return match.group(1)


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/onderzoek/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.ADVISER, Role.PREVENTION_OFFICER, Role.WORKS_COUNCIL,
                                  Role.CENTRAL_WORKS_COUNCIL, Role.ADMIN])
def test_other_roles_are_refused(client, login, csrf_from, role):
    login(role, "MIN-A")
    assert client.get("/onderzoek/").status_code == 403
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/onderzoek/uitvoeren", data={**SPEC, "csrf_token": token}).status_code == 403


def test_the_form_offers_exactly_what_the_spec_allows(client, researcher):
    page = client.get("/onderzoek/").get_data(as_text=True)
    for name, values in (("measure", MEASURES), ("group_by", DIMENSIONS), ("grain", GRAINS),
                         ("mechanism", MECHANISMS)):
        for value in values:
            assert f'id="{name}-{value}" name="{name}"' in page, (name, value)
    for name in FILTER_FIELDS:
        assert f'name="filter_{name}"' in page, name
    # Units below the coarsening threshold cannot be filtered on, so they are not offered.
    assert 'value="MIN-A-DG1-D1"' in page and 'value="MIN-A-DG1-D2-T1"' not in page
    assert "<legend>" in page and "Wat betekent de marge?" in page


def test_compose_preview_run_and_read_the_result(client, csrf_from, services, researcher):
    preview = post(client, csrf_from, "/onderzoek/voorbeeld", SPEC)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert spent(services, researcher) == 0
    # Laplace epsilon 0.5 is charged rho 0.125, from the test share of rho 0.5.
    # Written the Dutch way, as every figure on the site (web.numbers.local_decimal).
    assert figure(page, "cost") == "0,125" and figure(page, "remaining-after") == "0,375"
    # The page's figures are the service's own preview of the same spec.
    spec = services.queries.parse({**{k: v for k, v in SPEC.items() if k != "budget"},
                                   "filters": {}, "epsilon": "0.5"}, None)
    expected = services.queries.preview(consumer(researcher), spec)
    assert figure(page, "halfwidth") == str(expected["ci95_halfwidth"])
    assert figure(page, "simultaneous") == str(expected["simultaneous_ci95_halfwidth"])
    assert figure(page, "cells") == str(expected["cells"])
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    assert hidden["budget"] == "0.5" and hidden["from"] == SPEC["from"]

    # Confirm exactly as a browser would: the preview's own form with its hidden fields.
    confirm = page.split('action="/onderzoek/uitvoeren"', 1)[1].split("</form>", 1)[0]
    ran = client.post("/onderzoek/uitvoeren", data=MultiDict(
        re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', confirm)))
    assert ran.status_code == 303
    assert spent(services, researcher) == Fraction("0.125")
    result = client.get(ran.headers["Location"])
    assert result.status_code == 200
    text = result.get_data(as_text=True)
    assert "0,375" in text and "besteed" in text.lower()
    rows = re.findall(r'<td class="num">(-?\d+)</td>\s*<td class="num">(-?\d+) tot (-?\d+)</td>', text)
    assert len(rows) == expected["cells"]
    half = expected["ci95_halfwidth"]
    assert all(int(low) == int(est) - half and int(high) == int(est) + half for est, low, high in rows)
    assert figure(text, "simultaneous") == str(expected["simultaneous_ci95_halfwidth"])
    assert '<th scope="col">' in text and "<caption id=" in text


def test_the_same_question_again_is_answered_from_the_stored_release_for_free(
        client, csrf_from, services, researcher):
    first = post(client, csrf_from, "/onderzoek/uitvoeren", SPEC)
    preview = post(client, csrf_from, "/onderzoek/voorbeeld", SPEC).get_data(as_text=True)
    assert figure(preview, "cost") == "0" and "al eerder gesteld" in preview
    again = post(client, csrf_from, "/onderzoek/uitvoeren", SPEC)
    assert again.headers["Location"] == first.headers["Location"]
    assert spent(services, researcher) == Fraction("0.125")
    assert "er is niets besteed" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_downloads_are_signed_release_files_that_verify(client, csrf_from, services, researcher):
    location = post(client, csrf_from, "/onderzoek/uitvoeren", SPEC).headers["Location"]
    release_id = location.rsplit("/", 1)[1]
    page = client.get(location).get_data(as_text=True)
    key = services.signer.public_key_b64
    for extension in ("json", "csv"):
        link = f"/onderzoek/releases/{release_id}/release-{release_id}.{extension}"
        assert link in page
        download = client.get(link)
        assert download.status_code == 200
        assert "attachment" in download.headers["Content-Disposition"]
        assert download.headers["Cache-Control"] == "no-store"
        text = download.get_data(as_text=True)
        assert verify_release_file(text, key).ok
        tampered = (text.replace('"estimate"', '"estimaat"', 1) if extension == "json"
                    else text + "cells,0,estimate,1\r\n")
        assert not verify_release_file(tampered, key).ok


@pytest.mark.parametrize("path", ["/onderzoek/voorbeeld", "/onderzoek/uitvoeren"])
def test_an_invalid_spec_gives_a_dutch_error_per_field_and_spends_nothing(
        client, csrf_from, services, researcher, path):
    bad = {**SPEC, "from": str(TODAY.add(3)), "to": "2026-13", "budget": "veel", "grain": "week"}
    response = post(client, csrf_from, path, bad)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "De maand mag niet in de toekomst liggen." in page
    assert "De maand moet tussen 01 en 12 liggen." in page
    assert "epsilon moet een decimaal getal zijn" in page
    for field in ("from", "to", "budget"):
        assert f'id="{field}-error"' in page and f'href="#{field}"' in page
    assert 'aria-invalid="true"' in page
    assert spent(services, researcher) == 0
    assert services.releases.list_for(consumer(researcher)) == []


def test_the_page_refuses_a_spec_with_the_same_messages_as_the_api(client, csrf_from, make_token,
                                                                    researcher):
    bad = {**SPEC, "from": str(TODAY.add(1)), "budget": "11", "measure": "signalen"}  # max 1
    page = html.unescape(post(client, csrf_from, "/onderzoek/voorbeeld", bad).get_data(as_text=True))
    api_spec = {"measure": "signalen", "group_by": SPEC["group_by"], "from": bad["from"],
                "to": SPEC["to"], "grain": "month", "mechanism": "laplace", "epsilon": "11"}
    answer = client.post("/api/v1/queries/preview", json=api_spec,
                         headers=make_token(Role.RESEARCHER, None))
    assert answer.status_code == 422
    messages = [error["message"] for error in answer.get_json()["errors"]]
    assert len(messages) == 3
    # The same words; the API writes its numbers with the point it reads, a Dutch page with a
    # comma (the form takes both).
    assert "tussen 0.01 en 1" in " ".join(messages)
    for message in messages:
        assert re.sub(r"(?<=\d)\.(?=\d)", ",", message) in page
    assert "0.01" not in page


def test_changing_the_question_keeps_what_was_filled_in(client, csrf_from, researcher):
    fields = {**SPEC, "filter_organisation": "MIN-B", "budget": "0.3"}
    page = post(client, csrf_from, "/onderzoek/", fields).get_data(as_text=True)
    assert re.search(r'id="filter_organisation-MIN-B"[^>]*value="MIN-B" checked', page)
    assert 'value="0.3"' in page and re.search(r'id="group_by-unit"[^>]*value="unit" checked', page)


def test_a_strange_page_number_shows_the_first_page(client, csrf_from, researcher):
    location = post(client, csrf_from, "/onderzoek/uitvoeren", SPEC).headers["Location"]
    for number in ("0", "²", "9" * 5000, "-1"):
        assert client.get(location, query_string={"pagina": number}).status_code == 200


def test_a_dutch_decimal_comma_is_read_as_a_point(client, csrf_from, services, researcher):
    response = post(client, csrf_from, "/onderzoek/voorbeeld", {**SPEC, "budget": "0,25"})
    assert response.status_code == 200
    assert figure(response.get_data(as_text=True), "cost") == "0,03125"  # 0.25^2 / 2


def test_over_budget_is_refused_with_nothing_spent(client, csrf_from, services, researcher):
    services.ledger.set_budget(consumer(researcher), TODAY.year, "0.3")
    # epsilon 0.75 is rho 0.28125, leaving 0.01875: too little for another 0.125.
    assert post(client, csrf_from, "/onderzoek/uitvoeren", {**SPEC, "budget": "0.75"}).status_code == 303
    preview = post(client, csrf_from, "/onderzoek/voorbeeld", {**SPEC, "measure": "cases"})
    page = preview.get_data(as_text=True)
    assert "Onvoldoende privacybudget" in page and "Uitvoeren en" not in page
    refused = post(client, csrf_from, "/onderzoek/uitvoeren", {**SPEC, "measure": "cases"})
    assert refused.status_code == 403
    text = refused.get_data(as_text=True)
    assert "er resteert rho 0,01875" in text and "er is niets besteed" in text.lower()
    assert spent(services, researcher) == Fraction("0.28125")
    assert len(services.releases.list_for(consumer(researcher))) == 1


def test_a_gaussian_question_is_charged_its_rho(client, csrf_from, services, researcher):
    response = post(client, csrf_from, "/onderzoek/uitvoeren",
                    {**SPEC, "mechanism": "gaussian", "budget": "0.05"})
    assert response.status_code == 303
    assert spent(services, researcher) == Fraction("0.05")


def test_a_post_without_csrf_token_is_refused(client, services, researcher):
    for path in ("/onderzoek/voorbeeld", "/onderzoek/uitvoeren"):
        assert client.post(path, data=SPEC).status_code == 400
    assert spent(services, researcher) == 0


def test_past_releases_are_listed_with_links(client, csrf_from, researcher):
    location = post(client, csrf_from, "/onderzoek/uitvoeren", SPEC).headers["Location"]
    page = client.get("/onderzoek/").get_data(as_text=True)
    assert f'href="{location}"' in page and "0,125 rho" in page


def test_someone_elses_release_is_not_found(client, services, researcher):
    spec = services.queries.parse({"measure": "contacts", "from": SPEC["from"], "to": SPEC["to"],
                                   "epsilon": "0.1"}, None)
    services.ledger.set_budget("research:iemand-anders", TODAY.year, "0.01")
    other, _, _ = services.queries.run("research:iemand-anders", spec)
    assert client.get(f"/onderzoek/releases/{other.id}").status_code == 404
    assert client.get(f"/onderzoek/releases/{other.id}/release-{other.id}.json").status_code == 404
    assert client.get("/onderzoek/releases/geen-release").status_code == 404


def test_a_large_table_is_shown_in_pages(client, csrf_from, researcher):
    location = post(client, csrf_from, "/onderzoek/uitvoeren",
                    {**SPEC, "group_by": ["period", "unit", "category"]}).headers["Location"]
    first = client.get(location).get_data(as_text=True)
    pages = int(re.search(r"Pagina 1 van (\d+)", first).group(1))  # type: ignore[union-attr]
    assert pages >= 2  # months x units x categories is more than one page of rows
    last = client.get(location + f"?pagina={pages}").get_data(as_text=True)
    assert f"Pagina {pages} van {pages}" in last
    assert "pagina=2" in first


def test_budgets_are_written_with_the_pages_decimal_sign(client, csrf_from, researcher):
    # A Dutch page writes 0,125 (as every other figure on the site); an English page 0.125.
    dutch = post(client, csrf_from, "/onderzoek/voorbeeld", SPEC).get_data(as_text=True)
    assert figure(dutch, "cost") == "0,125"
    assert re.search(r"Ruisschaal</dt>\s*<dd>\d+(,\d+)?\s", dutch)
    token = csrf_from(client.get("/onderzoek/").get_data(as_text=True))
    client.post("/taal/en", data={"csrf_token": token, "next": "/onderzoek/"})
    english = post(client, csrf_from, "/onderzoek/voorbeeld", SPEC).get_data(as_text=True)
    assert figure(english, "cost") == "0.125"
