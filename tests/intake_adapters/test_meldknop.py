"""The anonymous meldknop: one coded signal per visit, the right routes, and nothing else kept."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import text

from registry.contacts import ContactPointService
from registry.organisations import parse_org_csv
from registry.periods import Month
from server.app import create_app
from server.migrations import upgrade
from tests.intake_adapters.meldknop_helpers import solved

PAGE = "/meldknop"
FIXTURE = Path(__file__).parent.parent / "fixtures" / "org-small.csv"
VISITOR = {"REMOTE_ADDR": "203.0.113.77"}


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def seeded(services):  # type: ignore[no-untyped-def]
    contacts = ContactPointService(services.db)
    contacts.add("MIN-A", "Anna de Vries", "vertrouwenspersoon", "vp@min-a.example.nl", True)
    contacts.add("MIN-A", "Bram Jansen", "personeelsraadgever", "070 123 45 67", True)
    contacts.add("MIN-A", "Team BMW Voorbeeldzaken", "bedrijfsmaatschappelijk_werk",
                 "https://intranet.min-a.example/bmw", True)
    contacts.add("MIN-A", "Carla Integer", "integriteitscoordinator", "Intranet: zoek op integriteit", False)
    contacts.add("MIN-A", "Servicedesk HR", "overig", "HR-loket, 070 999 99 99", False)
    contacts.add("MIN-B", "Dirk Ander", "vertrouwenspersoon", "vp@min-b.example.nl", True)
    return contacts


def form(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {"categories": ["pesten"], "organisation": "MIN-A", "unit": "",
                                 "reporter_role": "medewerker", "implicated_party": "onbekend",
                                 "contact": "ja"}
    values.update(changes)
    return values


def send(client, csrf_from, **changes):  # type: ignore[no-untyped-def]
    page = client.get(PAGE, environ_base=VISITOR).get_data(as_text=True)
    data = {**form(**changes), "csrf_token": csrf_from(page), **solved(page)}
    return client.post(PAGE, data=data, environ_base=VISITOR)


def stored_rows(services) -> list[dict]:  # type: ignore[no-untyped-def]
    with services.db.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM signals"))]
        for row in rows:
            row["categories"] = sorted(conn.execute(
                text("SELECT category FROM signal_categories WHERE signal_id = :id"), {"id": row["id"]}
            ).scalars())
    return rows


def assert_only_the_csrf_session_cookie(app, response) -> None:  # type: ignore[no-untyped-def]
    cookies = response.headers.getlist("Set-Cookie")
    assert all(c.startswith("session=") for c in cookies), cookies
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert "Expires" not in cookie and "Max-Age" not in cookie  # gone when the browser closes
        value = cookie.split(";", 1)[0].removeprefix("session=")
        content = app.session_interface.get_signing_serializer(app).loads(value)
        assert set(content) <= {"csrf_token"}, content


def test_page_opens_without_an_account_and_asks_only_coded_questions(app, web):
    response = web.get(PAGE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Meldknop sociale veiligheid en integriteit" in page
    assert "Bij direct gevaar: bel 112." in page
    assert "<textarea" not in page and 'type="text"' not in page and 'type="email"' not in page
    for name in ("categories", "organisation", "unit", "reporter_role", "implicated_party", "contact"):
        assert f'name="{name}"' in page
    # Situations are grouped into behaviour, integrity and threats, each in its own fieldset.
    assert "<legend>Ongewenst gedrag</legend>" in page and "<legend>Integriteit</legend>" in page
    assert 'href="/meldknop/wat-gebeurt-er"' in page
    assert re.search(r'id="reporter_role-medewerker"[^>]*checked', page)
    assert re.search(r'id="implicated_party-onbekend"[^>]*checked', page)


def test_pages_are_not_cached_and_send_no_referrer(web, seeded):
    for path in (PAGE, "/meldknop/waar-terecht", "/meldknop/waar-terecht?organisatie=MIN-A",
                 "/meldknop/wat-gebeurt-er"):
        response = web.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_only_cookie_is_the_session_cookie_with_the_csrf_token(app, web, csrf_from):
    first = web.get(PAGE)
    assert len(first.headers.getlist("Set-Cookie")) == 1
    assert_only_the_csrf_session_cookie(app, first)
    posted = send(web, csrf_from)
    assert posted.status_code == 200
    assert_only_the_csrf_session_cookie(app, posted)
    assert_only_the_csrf_session_cookie(app, web.get("/meldknop/waar-terecht"))


def test_submit_stores_exactly_one_signal_with_the_month_only(app, web, services, csrf_from):
    response = send(web, csrf_from, categories=["pesten", "uitsluiting"])
    assert response.status_code == 200
    assert "Dank u. Uw signaal is ontvangen." in response.get_data(as_text=True)
    [row] = stored_rows(services)
    assert row["period"] == str(Month.current())
    assert row["channel"] == "meldpunt"
    assert row["follow_up"] == "zelfmelding_geen_opvolging"  # nobody acted: not a referral
    assert row["organisation"] == "MIN-A" and row["unit"] == "MIN-A"
    assert row["reporter_role"] == "medewerker" and row["implicated_party"] == "onbekend"
    assert row["categories"] == ["pesten", "uitsluiting"]
    # No receipt for an anonymous visitor; the case link is the keyed pseudonym of the meldcode
    # shown once on the page (tests/intake_adapters/test_meldknop_meldcode.py), never the code.
    assert row["receipt_hash"] is None and row["case_pseudonym"].startswith("v1:case:")
    assert set(row) == {"id", "period", "organisation", "unit", "channel", "implicated_party",
                        "reporter_role", "follow_up", "case_pseudonym", "receipt_hash",
                        "taxonomy_version", "categories"}


def test_chosen_unit_and_roles_are_stored(web, services, csrf_from):
    send(web, csrf_from, unit="MIN-A-DG1-D2", reporter_role="getuige",
         implicated_party="hoger_leidinggevende", contact="nee")
    [row] = stored_rows(services)
    assert (row["unit"], row["organisation"]) == ("MIN-A-DG1-D2", "MIN-A")
    assert (row["reporter_role"], row["implicated_party"]) == ("getuige", "hoger_leidinggevende")


def test_the_wish_for_contact_is_not_stored_only_shown(web, services, csrf_from):
    yes = send(web, csrf_from, contact="ja").get_data(as_text=True)
    no = send(web, csrf_from, contact="nee").get_data(as_text=True)
    none = send(web, csrf_from, contact="").get_data(as_text=True)
    assert "Met wie kunt u praten?" in yes
    assert "Wilt u later toch met iemand praten?" in no
    assert "Waar kunt u terecht?" in none
    rows = stored_rows(services)
    assert len(rows) == 3
    # Alike but for what is random per visit: the id and the meldcode's pseudonym.
    random_per_visit = {"id", "case_pseudonym"}
    assert len({repr({k: v for k, v in r.items() if k not in random_per_visit})
                for r in rows}) == 1


BEHAVIOUR = {"Anna de Vries", "Bram Jansen", "Team BMW Voorbeeldzaken"}
SHOWN = {
    "Anna de Vries", "Bram Jansen", "Team BMW Voorbeeldzaken", "Carla Integer",
    "Huis voor Klokkenluiders", "0900-8844",
}


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (["pesten"], BEHAVIOUR),
        (["seksuele_intimidatie", "discriminatie"], BEHAVIOUR),
        (["fraude_diefstal"], {"Carla Integer", "Anna de Vries"}),
        (["belangenverstrengeling"], {"Carla Integer", "Anna de Vries"}),
        (["vermoeden_misstand"], {"Huis voor Klokkenluiders", "Carla Integer", "Anna de Vries"}),
        (["agressie_extern"], {"0900-8844", *BEHAVIOUR}),
        (["ondermijning_bedreiging"], {"0900-8844", "Carla Integer", "Anna de Vries",
                                       "Team BMW Voorbeeldzaken"}),
    ],
)
def test_the_answer_shows_the_routes_that_fit(web, seeded, csrf_from, categories, expected):
    page = send(web, csrf_from, categories=categories).get_data(as_text=True)
    for name in expected:
        assert name in page, name
    for name in SHOWN - expected:
        assert name not in page, name
    assert "Dirk Ander" not in page  # another organisation's adviser
    assert "Servicedesk HR" in page  # 'other' contact points come with every answer


def test_behaviour_lists_the_advisers_of_the_organisation_with_confidentiality(web, seeded, csrf_from):
    page = send(web, csrf_from, categories=["intimidatie"]).get_data(as_text=True)
    behaviour = page.split('id="route-gedrag"', 1)[1].split("</section>", 1)[0]
    assert '<a href="mailto:vp@min-a.example.nl">vp@min-a.example.nl</a>' in behaviour
    assert '<a href="tel:0701234567">070 123 45 67</a>' in behaviour
    assert 'href="https://intranet.min-a.example/bmw" rel="noopener noreferrer"' in behaviour
    assert behaviour.count("Vertrouwelijk: ja.") == 3
    assert "Personeelsraadgever" in behaviour and "Bedrijfsmaatschappelijk werk" in behaviour


def test_integrity_shows_the_integrity_coordinator_as_not_confidential(web, seeded, csrf_from):
    page = send(web, csrf_from, categories=["informatie_lekken_misbruik"]).get_data(as_text=True)
    integrity = page.split('id="route-integriteit"', 1)[1].split("</section>", 1)[0]
    coordinator = integrity.split("Carla Integer", 1)[1].split("</li>", 1)[0]
    assert "Integriteitscoördinator" in coordinator
    assert "Vertrouwelijk: nee." in coordinator
    assert "Intranet: zoek op integriteit" in coordinator and "<a" not in coordinator


def test_a_suspected_wrongdoing_points_to_the_whistleblower_route(web, seeded, csrf_from):
    page = send(web, csrf_from, categories=["vermoeden_misstand"]).get_data(as_text=True)
    assert "Wet bescherming klokkenluiders" in page
    assert '<a href="tel:+31881331000">088 - 133 10 00</a>' in page
    assert 'href="https://www.huisvoorklokkenluiders.nl" rel="noopener noreferrer"' in page
    assert "Vertrouwelijk: advies en onderzoek zijn vertrouwelijk." in page


def test_a_threat_points_to_the_police(web, seeded, csrf_from):
    page = send(web, csrf_from, categories=["agressie_extern"]).get_data(as_text=True)
    police = page.split('id="route-dreiging"', 1)[1].split("</section>", 1)[0]
    assert '<a href="tel:112">Bij direct gevaar: 112</a>' in police
    assert '<a href="tel:09008844">Geen spoed: 0900-8844</a>' in police
    assert "Niet anoniem" in police
    assert "0800-7000" in police  # Meld Misdaad Anoniem, for those who cannot report by name


def test_without_advisers_on_the_list_the_answer_says_so(web, csrf_from):
    page = send(web, csrf_from, organisation="MIN-B", categories=["pesten"]).get_data(as_text=True)
    assert ("Voor deze organisatie staan nog geen gegevens in de lijst van: vertrouwenspersoon, "
            "personeelsraadgever, bedrijfsmaatschappelijk werk.") in page


def test_contact_details_are_escaped(web, services, csrf_from):
    ContactPointService(services.db).add("MIN-A", "<script>alert(1)</script>", "vertrouwenspersoon",
                                         "javascript:alert(1)", True)
    page = send(web, csrf_from).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"organisation": ""}, "organisation", "Kies de organisatie waar u werkt."),
        ({"organisation": "GEEN-ORG"}, "organisation", "Deze organisatie staat niet in de lijst."),
        ({"organisation": "MIN-A-DG1"}, "organisation", "Deze organisatie staat niet in de lijst."),
        ({"categories": []}, "categories", "Kies minstens één situatie."),
        ({"categories": ["pesten", "roddelen"]}, "categories",
         "Deze situatie staat niet in de lijst; kies uit de lijst."),
        ({"unit": "MIN-B-D1"}, "unit", "Dit onderdeel hoort niet bij de gekozen organisatie."),
        ({"unit": "GEEN-UNIT"}, "unit", "Dit organisatieonderdeel staat niet in de lijst."),
        ({"reporter_role": "directeur"}, "reporter_role", "Kies uit de lijst wie u bent."),
        ({"implicated_party": "Jan"}, "implicated_party", "Kies uit de lijst wie erbij betrokken is."),
        ({"contact": "misschien"}, "contact", "Kies ja of nee."),
    ],
)
def test_bad_input_gets_a_dutch_error_and_nothing_is_stored(web, services, csrf_from, changes, field,
                                                            message):
    response = send(web, csrf_from, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Er is niets opgeslagen." in page
    assert f'<p class="field-error" id="{field}-error">' in page
    assert message in page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert re.search(rf'aria-describedby="[^"]*\b{field}-error"', page)
    assert stored_rows(services) == []


def test_every_problem_is_listed_in_page_order_with_links(web, services, csrf_from):
    page = send(web, csrf_from, categories=[], organisation="", contact="x").get_data(as_text=True)
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    links = re.findall(r'<a href="#([^"]+)">', summary)
    assert links == ["categories-pesten", "organisation", "contact-ja"]
    for anchor in links:
        assert f'id="{anchor}"' in page
    assert page.count('aria-invalid="true"') >= 3
    assert "<title>Fout: " in page
    assert stored_rows(services) == []


def test_answers_are_kept_after_an_error(web, csrf_from):
    page = send(web, csrf_from, organisation="", categories=["werkdruk"], reporter_role="stagiair",
                unit="MIN-A-DG2").get_data(as_text=True)
    assert re.search(r'id="categories-werkdruk"[^>]*checked', page)
    assert re.search(r'id="reporter_role-stagiair"[^>]*checked', page)
    assert '<option value="MIN-A-DG2" selected>' in page


def test_a_post_without_the_csrf_token_is_refused(web, services):
    response = web.post(PAGE, data=form())
    assert response.status_code == 400
    assert "Het formulier is verlopen of ongeldig" in response.get_data(as_text=True)
    assert stored_rows(services) == []


def test_sending_the_same_form_twice_counts_once(web, services, csrf_from):
    page = web.get(PAGE).get_data(as_text=True)
    data = {**form(), "csrf_token": csrf_from(page), **solved(page)}
    assert web.post(PAGE, data=data).status_code == 200
    again = web.post(PAGE, data=data)
    assert again.status_code == 200
    assert "Uw signaal was al ontvangen" in again.get_data(as_text=True)
    assert len(stored_rows(services)) == 1
    # A fresh page view is a new form.
    send(web, csrf_from)
    assert len(stored_rows(services)) == 2


def test_no_client_address_is_logged(web, csrf_from, caplog):
    caplog.set_level(logging.DEBUG)
    send(web, csrf_from)
    send(web, csrf_from, organisation="")
    assert VISITOR["REMOTE_ADDR"] not in caplog.text


def test_a_link_from_an_intranet_can_preselect_the_organisation(web):
    page = web.get(PAGE + "?organisatie=MIN-B").get_data(as_text=True)
    assert '<option value="MIN-B" selected>' in page
    assert 'value="MIN-B-D1"' in page and 'value="MIN-A-DG1"' not in page
    unknown = web.get(PAGE + "?organisatie=MIN-A-DG1").get_data(as_text=True)
    assert "selected>" not in unknown.split('id="organisation"', 1)[1].split("</select>", 1)[0]


def test_units_are_listed_as_a_tree_under_their_organisation(web):
    page = web.get(PAGE + "?organisatie=MIN-A").get_data(as_text=True)
    unit_select = page.split('id="unit"', 1)[1].split("</select>", 1)[0]
    assert '<optgroup label="Ministerie van Voorbeeldzaken">' in unit_select
    order = re.findall(r'<option value="(MIN-A[^"]*)"', unit_select)
    assert order == ["MIN-A-DG2", "MIN-A-DG1", "MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG1-D2-T1"]
    assert "\u00a0\u00a0\u00a0\u00a0Team Klein" in unit_select


def test_where_to_go_without_reporting(web, seeded, services):
    choose = web.get("/meldknop/waar-terecht").get_data(as_text=True)
    assert 'href="/meldknop/waar-terecht?organisatie=MIN-A"' in choose
    assert "Anna de Vries" not in choose
    page = web.get("/meldknop/waar-terecht?organisatie=MIN-A").get_data(as_text=True)
    for name in ("Anna de Vries", "Bram Jansen", "Carla Integer", "Servicedesk HR",
                 "Huis voor Klokkenluiders", "0900-8844"):
        assert name in page
    assert "Dirk Ander" not in page
    assert 'aria-current="page"' in page
    assert web.get("/meldknop/waar-terecht?organisatie=GEEN-ORG").status_code == 200
    assert stored_rows(services) == []


def test_what_happens_to_my_report_explains_what_is_and_is_not_kept(web, services):
    page = web.get("/meldknop/wat-gebeurt-er").get_data(as_text=True)
    assert "Nooit de dag of het tijdstip" in page
    assert "IP-adres" in page
    assert "één cookie" in page
    assert f"minder dan {services.settings.coarsen_threshold} fte" in page
    assert "geen ontvangstbewijs" in page


def test_english_pages_use_the_english_labels(web, seeded, csrf_from):
    web.post("/taal/en", data={"csrf_token": csrf_from(web.get(PAGE).get_data(as_text=True)),
                               "next": PAGE})
    page = web.get(PAGE).get_data(as_text=True)
    assert "<legend>Unwanted behaviour</legend>" in page
    answer = web.post(PAGE,
                      data={**form(categories=["vermoeden_misstand"]), "csrf_token": _token(page),
                            **solved(page)})
    assert "Huis voor Klokkenluiders (Dutch Whistleblowers Authority)" in answer.get_data(as_text=True)


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_too_many_reports_get_a_dutch_429_page_and_are_not_stored(settings_overrides, csrf_from):
    app = create_app({**settings_overrides, "meldknop_rate_limit": "2 per hour"})
    services = app.extensions["signal_registry"]
    upgrade(services.db.engine)
    services.replace_org(parse_org_csv(FIXTURE.read_text()))
    client = app.test_client()
    try:
        assert send(client, csrf_from).status_code == 200
        assert send(client, csrf_from).status_code == 200
        third = send(client, csrf_from)
        page = third.get_data(as_text=True)
        assert third.status_code == 429
        assert "Even wachten" in page and "Uw signaal is niet opgeslagen." in page
        assert "kort na elkaar al 2 signalen verstuurd" in page
        minutes = int(re.search(r"U kunt over (\d+) minuten? weer een signaal versturen", page).group(1))
        assert 1 <= minutes <= 60
        assert "Bij direct gevaar: bel 112." in page and "Huis voor Klokkenluiders" in page
        assert third.headers["Cache-Control"] == "no-store"
        assert_only_the_csrf_session_cookie(app, third)
        assert len(stored_rows(services)) == 2
        # Only sending is limited: the page and the list of where to go stay open.
        assert client.get(PAGE).status_code == 200
        assert client.get("/meldknop/waar-terecht").status_code == 200
    finally:
        services.db.dispose()


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.refs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "id" in values:
            self.ids.append(values["id"])
        self.refs.update(values.get("aria-describedby", "").split())
        for key in ("for", "aria-labelledby"):
            if key in values:
                self.refs.add(values[key])
        if values.get("href", "").startswith("#"):
            self.refs.add(values["href"][1:])


def test_every_label_hint_and_error_link_points_at_an_element(web, seeded, csrf_from):
    pages = [
        web.get(PAGE).get_data(as_text=True),
        send(web, csrf_from, categories=[], organisation="", unit="X", contact="x",
             reporter_role="x", implicated_party="x").get_data(as_text=True),
        send(web, csrf_from, categories=["vermoeden_misstand", "agressie_extern", "pesten"])
        .get_data(as_text=True),
        web.get("/meldknop/waar-terecht?organisatie=MIN-A").get_data(as_text=True),
    ]
    for page in pages:
        parser = _Ids()
        parser.feed(page)
        assert len(parser.ids) == len(set(parser.ids)), "duplicate ids"
        assert parser.refs <= set(parser.ids), parser.refs - set(parser.ids)
