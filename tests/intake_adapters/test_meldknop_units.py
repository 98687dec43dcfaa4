"""The unit question lists only the chosen organisation's units: first the organisation, then
its units (a GET step without JavaScript, a fetch of /meldknop/onderdelen with it)."""

from __future__ import annotations

import re

from intake_adapters.meldknop.padding import STEP_BYTES
from tests.intake_adapters.meldknop_helpers import solved

PAGE = "/meldknop"


def _unit_codes(page: str) -> list[str]:
    unit_select = page.split('id="unit"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]+)"', unit_select)


def test_before_an_organisation_is_chosen_no_units_are_listed(client):
    page = client.get(PAGE).get_data(as_text=True)
    assert _unit_codes(page) == []
    assert "Kies eerst uw organisatie: dan staan hier de onderdelen ervan." in page


def test_the_organisation_step_is_a_get_form_that_carries_nothing_else(client):
    page = client.get(PAGE).get_data(as_text=True)
    step = re.search(r'<form id="organisation-step" method="get" action="/meldknop"></form>', page)
    assert step, "the organisation step has its own empty GET form"
    # Its only fields are the select and the button that point at it with the form attribute.
    members = re.findall(r'<(select|input|button)[^>]*form="organisation-step"[^>]*>', page)
    assert sorted(members) == ["button", "select"]
    assert re.search(r'<select id="organisation" name="organisatie" form="organisation-step"', page)
    # The POST form gets the organisation through its own hidden field.
    assert '<input type="hidden" name="organisation" value="">' in page


def test_after_choosing_an_organisation_only_its_units_are_listed(client):
    page = client.get(PAGE + "?organisatie=MIN-B").get_data(as_text=True)
    assert _unit_codes(page) == ["MIN-B-D2", "MIN-B-D1"]
    assert '<input type="hidden" name="organisation" value="MIN-B">' in page
    assert re.search(r'class="unit-pending" hidden', page)


def test_the_units_endpoint_sends_one_organisations_options_padded(client):
    response = client.get("/meldknop/onderdelen?organisatie=MIN-A")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert re.findall(r'<option value="([^"]+)"', body) == [
        "MIN-A-DG2", "MIN-A-DG1", "MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG1-D2-T1"]
    other = client.get("/meldknop/onderdelen?organisatie=MIN-B")
    unknown = client.get("/meldknop/onderdelen?organisatie=MIN-A-DG1")
    assert re.findall(r'<option value="([^"]+)"', unknown.get_data(as_text=True)) == []
    # Which organisation was asked for does not show in the size of the answer.
    sizes = {len(r.get_data()) for r in (response, other, unknown)}
    assert sizes == {STEP_BYTES[("meldknop.units", "GET")]}


def test_after_an_error_the_units_of_the_chosen_organisation_come_back(client, csrf_from):
    page = client.get(PAGE).get_data(as_text=True)
    answer = client.post(PAGE, data={"categories": [], "organisation": "MIN-B", "unit": "MIN-B-D1",
                                     "csrf_token": csrf_from(page), **solved(page)})
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert _unit_codes(text) == ["MIN-B-D2", "MIN-B-D1"]
    assert '<option value="MIN-B-D1" selected>' in text


def test_the_demo_rijks_largest_organisation_fits_the_units_step(app):
    from server.demo_data import demo_org

    org = demo_org()
    biggest = max(org.organisations, key=lambda root: sum(
        1 for unit in org.units if unit.organisation == root.code))
    services = app.extensions["signal_registry"]
    services.replace_org(org)
    body = app.test_client().get(f"/meldknop/onderdelen?organisatie={biggest.code}").get_data()
    assert len(body) == STEP_BYTES[("meldknop.units", "GET")]
