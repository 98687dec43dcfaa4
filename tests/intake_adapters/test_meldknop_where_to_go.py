"""Where the meldknop sends people: never to the party they report, and somewhere real when
their organisation listed no contact points; its words agree with what is stored."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake_adapters.meldknop.guide import load_guide
from registry.contacts import ContactPointService
from registry.taxonomy import load_taxonomy
from tests.intake_adapters.meldknop_helpers import solved

PAGE = "/meldknop"
CATEGORIES = sorted(load_taxonomy().codes("categories"))
MANAGERS = ("direct_leidinggevende", "hoger_leidinggevende")
# Sending someone to their manager or to HR: wrong when the manager is who they report.
TO_THE_MANAGER = re.compile(r"(bij|met|aan) uw leidinggevende|\bHR\b|(tell|with) your manager")


def _send(client, csrf_from, **answers):  # type: ignore[no-untyped-def]
    page = client.get(PAGE).get_data(as_text=True)
    data = {"categories": ["pesten"], "organisation": "MIN-A", "reporter_role": "medewerker",
            "implicated_party": "onbekend", "contact": "ja", **answers}
    return client.post(PAGE, data={**data, "csrf_token": csrf_from(page), **solved(page)})


def _shown_text(categories: list[str], party: str, locale: str) -> str:
    guide = load_guide()
    views = guide.views(guide.route_codes(categories, party), [], locale, party)
    return " ".join([v.intro for v in views] + [s for v in views for s in v.fallback])


@settings(max_examples=60, deadline=None)
@given(categories=st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=4, unique=True),
       party=st.sampled_from(MANAGERS), locale=st.sampled_from(["nl", "en"]))
def test_someone_who_reports_a_manager_is_never_sent_to_the_manager_or_hr(categories, party, locale):
    assert not TO_THE_MANAGER.search(_shown_text(categories, party, locale))


@settings(max_examples=40, deadline=None)
@given(categories=st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=4, unique=True),
       locale=st.sampled_from(["nl", "en"]))
def test_every_route_without_contact_points_says_who_to_ask_instead(categories, locale):
    guide = load_guide()
    for view in guide.views(guide.route_codes(categories), [], locale):
        assert view.fallback, view.code
        assert ("vertrouwenspersonen van het Rijk" in view.fallback[0]
                or "confidential advisers of the Rijk" in view.fallback[0])


def test_the_manager_parties_are_taxonomy_codes():
    assert load_guide().manager_parties == frozenset(MANAGERS)


def test_bullied_by_the_manager_without_contact_points_goes_to_the_central_advisers(client, csrf_from):
    page = _send(client, csrf_from, categories=["pesten", "agressie_intern"],
                 implicated_party="direct_leidinggevende").get_data(as_text=True)
    assert "centrale vertrouwenspersonen van het Rijk" in page
    assert "leidinggevende of HR" not in page
    assert not TO_THE_MANAGER.search(page)


def test_a_misstand_without_contact_points_also_names_the_huis_voor_klokkenluiders(client, csrf_from):
    page = _send(client, csrf_from, categories=["vermoeden_misstand"]).get_data(as_text=True)
    internal = page.split('id="route-interne_melding"', 1)[1].split("</section>", 1)[0]
    assert "centrale vertrouwenspersonen van het Rijk" in internal
    assert "advies vragen bij het Huis voor Klokkenluiders" in internal


def test_with_its_own_contact_points_the_organisation_is_not_sent_elsewhere(client, services, csrf_from):
    contacts = ContactPointService(services.db)
    contacts.add("MIN-A", "Vertrouwenspersonen MIN-A", "vertrouwenspersoon", "vp@min-a.example", True)
    page = _send(client, csrf_from, categories=["pesten"]).get_data(as_text=True)
    behaviour = page.split('id="route-gedrag"', 1)[1].split("</section>", 1)[0]
    assert "Vertrouwenspersonen MIN-A" in behaviour
    assert "centrale vertrouwenspersonen van het Rijk" not in behaviour


def _kept(page: str) -> list[str]:
    found = re.search(r'<ul class="kept-list">(.*?)</ul>', page, re.S)
    assert found, "no list of what is kept"
    return [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


def test_the_result_and_privacy_pages_say_the_same_about_what_is_kept(client, csrf_from):
    result = _send(client, csrf_from).get_data(as_text=True)
    privacy = client.get("/meldknop/wat-gebeurt-er").get_data(as_text=True)
    assert _kept(result) == _kept(privacy)
    assert any("maand" in item for item in _kept(result))
    # The month is kept, so no page may say that no date at all is.
    for page in (result, privacy):
        assert "geen datum" not in page
        # Nobody refers the visitor: the signal is stored as 'no follow-up'.
        assert "doorverwezen" not in page


@pytest.mark.parametrize("path", [PAGE, "/meldknop/wat-gebeurt-er", "/meldknop/waar-terecht"])
def test_a_signal_is_never_called_the_visitors_melding(client, path):
    page = client.get(path).get_data(as_text=True)
    assert "mijn melding" not in page
    assert "Wat gebeurt er met mijn signaal?" in page or path.endswith("waar-terecht")
