"""The adviser's web form: who may use it, what it shows, what it stores and what it refuses."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.accounts import Role
from registry.errors import ValidationFailed
from registry.periods import Month
from registry.records import SignalRecord

NEW = "/signalen/nieuw"
RECEIPT_RE = re.compile(r'id="receipt-value">([^<]+)<')
TOKEN_RE = re.compile(r'id="case-token-value">([^<]+)<')
INDENT = "\u00a0\u00a0\u00a0"


def valid_form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "period": str(Month.current()),
        "unit": "MIN-A-DG1-D1",
        "channel": "vp_intern",
        "categories": ["pesten", "werkdruk"],
        "implicated_party": "collega",
        "reporter_role": "medewerker",
        "follow_up": "advies",
        "impact": ["verzuim"],
    }
    form.update(changes)
    return form


def post_new(client, csrf_from, **changes):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(NEW).get_data(as_text=True))
    return client.post(NEW, data={**valid_form(**changes), "csrf_token": token})


def test_form_renders_for_adviser_with_current_month_and_default_channel(client, login):
    login(Role.ADVISER)
    response = client.get(NEW)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert f'name="period" value="{Month.current()}"' in page
    assert re.search(r'<input type="radio" id="channel-vp_intern"[^>]*\schecked', page)
    assert not re.search(r'<input type="radio" id="channel-bmw"[^>]*\schecked', page)
    assert "<details" in page and "Elk contact met een vertrouwenspersoon" in page
    assert "Herhaald en systematisch kwetsen" in page  # a code's one-line definition


def test_unit_list_shows_only_own_organisation_indented_by_depth(client, login):
    login(Role.ADVISER, "MIN-A")
    page = client.get(NEW).get_data(as_text=True)
    assert '<optgroup label="Ministerie van Voorbeeldzaken">' in page
    assert "MIN-B" not in page and "Proefnemingen" not in page
    assert f">{INDENT * 3}Team Klein</option>" in page
    assert f">{INDENT}DG Beleid</option>" in page
    # Without JavaScript the search box stays hidden and the plain list works on its own.
    assert 'id="unit-search-wrap" hidden' in page


def test_search_script_is_served_and_the_search_box_sends_nothing(client, login):
    login(Role.ADVISER)
    page = client.get(NEW).get_data(as_text=True)
    assert "/signalen/static/webform.js" in page
    assert re.search(r'<input type="search" id="unit-search"(?![^>]*\sname=)[^>]*>', page)
    script = client.get("/signalen/static/webform.js")
    assert script.status_code == 200
    assert "unit-search" in script.get_data(as_text=True)


def test_labels_follow_the_chosen_language(client, login, csrf_from):
    login(Role.ADVISER)
    token = csrf_from(client.get(NEW).get_data(as_text=True))
    client.post("/taal/en", data={"csrf_token": token, "next": NEW})
    page = client.get(NEW).get_data(as_text=True)
    assert "Bullying" in page and "Repeated, systematic hurting" in page
    assert "Any contact with a confidential adviser" in page


def test_dutch_messages_are_marked_as_dutch_on_an_english_page(client, login, csrf_from):
    login(Role.ADVISER)
    token = csrf_from(client.get(NEW).get_data(as_text=True))
    client.post("/taal/en", data={"csrf_token": token, "next": NEW})
    page = post_new(client, csrf_from, categories=[]).get_data(as_text=True)
    message = "Kies minstens een waarde voor onderwerp(en)."
    assert f'<a href="#categories-pesten">Subject(s): <span lang="nl">{message}</span></a>' in page
    assert re.search(rf'id="categories-error">.*?<span lang="nl">{re.escape(message)}', page, re.S)
    assert "&lt;span" not in page


def test_anonymous_visitor_is_sent_to_login(client, services):
    for path in (NEW, "/signalen/ontvangstbewijs"):
        response = client.get(path)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login")
        else:
            assert response.status_code == 401
            assert "/login" in response.get_data(as_text=True)
        assert "Contact vastleggen</h1>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADVISER])
def test_every_other_role_is_refused(client, login, services, csrf_from, role):
    login(role, "MIN-A")
    assert client.get(NEW).status_code == 403
    assert client.get("/signalen/ontvangstbewijs").status_code == 403
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(NEW, data={**valid_form(), "csrf_token": token})
    assert response.status_code == 403
    assert services.signals.count() == 0


def test_valid_post_stores_exactly_one_signal_and_shows_receipt(client, login, services, csrf_from):
    login(Role.ADVISER)
    response = post_new(client, csrf_from)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert services.signals.count() == 1
    receipt = RECEIPT_RE.search(page).group(1)  # type: ignore[union-attr]
    assert "Bewaar dit ontvangstbewijs; alleen hiermee kunt u dit signaal deze maand nog " \
           "aanpassen of intrekken. Wij bewaren het niet." in page
    assert TOKEN_RE.search(page) is None  # no case token asked for, none shown
    stored = services.signals.find_by_receipt(receipt, frozenset({"MIN-A"}))
    assert stored["unit"] == "MIN-A-DG1-D1"
    assert stored["categories"] == ["pesten", "werkdruk"]
    assert stored["impact"] == ["verzuim"]


def test_csrf_less_post_is_refused(client, login, services):
    login(Role.ADVISER)
    response = client.post(NEW, data=valid_form())
    assert response.status_code == 400
    assert services.signals.count() == 0


def test_reloading_the_success_page_does_not_store_twice(client, login, services, csrf_from):
    login(Role.ADVISER)
    page = client.get(NEW).get_data(as_text=True)
    form_id = re.search(r'name="form_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    data = {**valid_form(), "csrf_token": csrf_from(page), "form_id": form_id}
    assert client.post(NEW, data=data).status_code == 200
    again = client.post(NEW, data=data)
    assert again.status_code == 409
    assert "al verstuurd" in again.get_data(as_text=True)
    assert services.signals.count() == 1


INVALID = [
    # (what is wrong, form changes, field, Dutch message)
    ("no category", {"categories": []}, "categories",
     "Kies minstens een waarde voor onderwerp(en)."),
    ("unknown category", {"categories": ["pesten", "roddelen"]}, "categories",
     "Onbekende code voor onderwerp(en)."),
    ("unknown channel", {"channel": "telefoon"}, "channel", "Onbekende code voor kanaal."),
    ("no follow-up", {"follow_up": ""}, "follow_up", "Kies een waarde voor opvolging."),
    ("unknown impact", {"impact": ["ontslag"]}, "impact", "Onbekende code voor gevolgen."),
    ("future month", {"period": str(Month.current().add(1))}, "period",
     "De maand mag niet in de toekomst liggen."),
    ("bad month format", {"period": "03-2026"}, "period",
     "Gebruik het formaat JJJJ-MM, bijvoorbeeld 2026-03."),
    ("month 13", {"period": "2026-13"}, "period", "De maand moet tussen 01 en 12 liggen."),
    ("no month", {"period": ""}, "period", "Vul de maand in (JJJJ-MM)."),
    ("unit of another organisation", {"unit": "MIN-B-D1"}, "unit",
     "Dit onderdeel hoort niet bij uw organisatie."),
    ("unknown unit", {"unit": "MIN-X"}, "unit", "Dit organisatieonderdeel bestaat niet."),
    ("bad case token", {"case_token": "ABC-123"}, "case_token",
     "Dit zaaknummer klopt niet: controleer het op typefouten."),
    ("case token with a typo", {"case_token": "ABC-DEF-GHJ-KLM-NPQ-RSE"}, "case_token",
     "Dit zaaknummer klopt niet: controleer het op typefouten."),
    ("the meldknop's channel", {"channel": "meldpunt"}, "channel",
     "Het kanaal Meldpunt is alleen voor de meldknop."),
]


@pytest.mark.parametrize(("changes", "field", "message"), [case[1:] for case in INVALID],
                         ids=[case[0] for case in INVALID])
def test_invalid_field_gives_dutch_message_next_to_it_and_stores_nothing(
    client, login, services, csrf_from, changes, field, message
):
    login(Role.ADVISER)
    response = post_new(client, csrf_from, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert services.signals.count() == 0
    escaped = re.escape(html.escape(message))
    # Next to the field, in the paragraph the field points at ...
    assert re.search(rf'<p class="field-error" id="{field}-error">.*?{escaped}', page, re.S)
    assert re.search(rf'aria-describedby="[^"]*\b{field}-error\b', page)
    assert 'aria-invalid="true"' in page
    # ... and in the summary at the top, linked to the field.
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert re.search(rf'<a href="#{field}[^"]*">[^<]*{escaped}', summary)
    assert RECEIPT_RE.search(page) is None


def test_refused_form_keeps_what_was_entered(client, login, csrf_from):
    login(Role.ADVISER)
    page = post_new(client, csrf_from, categories=[], unit="MIN-A-DG2",
                    case_token="ABC-123").get_data(as_text=True)
    assert re.search(r'<option value="MIN-A-DG2"[^>]*\sselected', page)
    assert re.search(r'id="follow_up-advies"[^>]*\schecked', page)
    assert 'value="ABC-123"' in page


def test_free_text_fields_that_were_not_asked_for_are_not_stored(client, login, services,
                                                                  csrf_from):
    login(Role.ADVISER)
    response = post_new(client, csrf_from, notes="Jan de Vries, dinsdag 14:00")
    assert response.status_code == 200
    with services.db.engine.connect() as conn:
        dump = repr(conn.exec_driver_sql("SELECT * FROM signals").fetchall())
    assert "Vries" not in dump


CURRENT = Month.current()
VALID = {
    "period": st.sampled_from([str(CURRENT), str(CURRENT.add(-1)), str(CURRENT.add(-13))]),
    "unit": st.sampled_from(["MIN-A", "MIN-A-DG1-D2-T1", "MIN-A-DG2"]),
    "channel": st.sampled_from(["vp_intern", "bmw", "integriteitscoordinator"]),
    "categories": st.lists(st.sampled_from(["pesten", "werkdruk", "discriminatie", "overig"]),
                           min_size=1, max_size=3, unique=True),
    "implicated_party": st.sampled_from(["collega", "onbekend"]),
    "reporter_role": st.sampled_from(["medewerker", "getuige"]),
    "follow_up": st.sampled_from(["advies", "aangifte"]),
    "impact": st.lists(st.sampled_from(["verzuim", "overweegt_vertrek"]), max_size=2, unique=True),
    "case_token": st.sampled_from(["", "abcd-efgh-jkmn-pqrs", " WXYZ-2345-6789-ABCD ",
                                   "abc-def-ghj-klm-npq-rsn", "ABCDEFGHJKLMNPQRSN"]),
}
INVALID_VALUES = {
    "period": st.sampled_from([str(CURRENT.add(1)), "2026-13", "maart", "", "2026-3"]),
    "unit": st.sampled_from(["MIN-B-D1", "MIN-Z", ""]),
    "channel": st.sampled_from(["telefoon", "", "meldpunt"]),
    "categories": st.sampled_from([[], ["roddelen"], ["pesten", "pesten"]]),
    "implicated_party": st.sampled_from(["baas", ""]),
    "reporter_role": st.sampled_from(["klant", ""]),
    "follow_up": st.sampled_from(["niets", ""]),
    "impact": st.sampled_from([["ontslag"], ["verzuim", "verzuim"]]),
    "case_token": st.sampled_from(["ABCD-EFGH", "zaak 12", "ABCD-EFGH-IJKL-MNOP",
                                   "ABC-DEF-GHJ-KLM-NPQ-RSE"]),
}


@st.composite
def form_data(draw: st.DrawFn) -> tuple[frozenset[str], dict[str, object]]:
    """A form with zero to three fields spoilt; returns the spoilt fields and the form."""
    broken = draw(st.frozensets(st.sampled_from(sorted(INVALID_VALUES)), max_size=3))
    data = {name: draw(INVALID_VALUES[name] if name in broken else VALID[name])
            for name in VALID}
    data["new_case_token"] = draw(st.sampled_from(["", "1"]))
    return broken, data


def test_any_refused_form_stores_nothing_and_any_accepted_one_stores_one(
    client, login, services, csrf_from
):
    login(Role.ADVISER)
    token = csrf_from(client.get(NEW).get_data(as_text=True))
    outcomes: set[bool] = set()

    # The property runs inside the test, so all examples share one app and one session.
    @settings(max_examples=30, deadline=None)
    @given(case=form_data())
    def check(case: tuple[frozenset[str], dict[str, object]]) -> None:
        broken, data = case
        before = services.signals.count()
        response = client.post(NEW, data={**data, "csrf_token": token})
        # The record's own validation is the oracle: the form must agree with it exactly.
        payload = {**{k: v for k, v in data.items() if k != "new_case_token"},
                   "case_token": data["case_token"] or None}
        try:
            SignalRecord.from_payload(payload, services.taxonomy, services.org(),
                                      allowed_organisations=frozenset({"MIN-A"}), adviser=True)
            acceptable = True
        except ValidationFailed:
            acceptable = False
        # ... and a typed token with a tick for a new one is refused whatever else is right.
        contradiction = bool(str(data["case_token"]).strip()) and data["new_case_token"] == "1"
        assert acceptable == (not broken)
        acceptable = acceptable and not contradiction
        outcomes.add(acceptable)
        if acceptable:
            assert response.status_code == 200
            assert services.signals.count() == before + 1
        else:
            assert response.status_code == 422
            assert services.signals.count() == before
            assert RECEIPT_RE.search(response.get_data(as_text=True)) is None

    check()
    assert outcomes == {True, False}, "the examples should include accepted and refused forms"
