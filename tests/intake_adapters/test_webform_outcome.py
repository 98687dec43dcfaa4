"""The adviser's 'uitkomst toevoegen' form: coded outcomes by case token through the same
validation as the API, a Dutch error beside the field and nothing stored on bad input."""

from __future__ import annotations

from sqlalchemy import text

from privacy.pseudonyms import new_case_token
from registry.accounts import Role
from registry.periods import Month
from registry.records import SignalRecord

URL = "/signalen/uitkomst"
MONTH = str(Month.current())


def _case(services) -> str:  # type: ignore[no-untyped-def]
    token = new_case_token()
    services.signals.store(SignalRecord(
        period=Month.current(), unit="MIN-A-DG1-D1", organisation="MIN-A", channel="vp_intern",
        categories=("pesten",), implicated_party="collega", reporter_role="medewerker",
        follow_up="advies", case_token=token))
    return token


def _rows(services) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        return sorted((r[0], r[1]) for r in session.execute(
            text("SELECT field, code FROM case_outcomes")))


def _post(client, csrf_from, data):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(URL).get_data(as_text=True))
    return client.post(URL, data={**data, "csrf_token": token})


def test_an_adviser_adds_outcomes_by_case_token(client, services, login, csrf_from):
    login(Role.ADVISER, "MIN-A")
    page = client.get(URL)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Terugkoppeling binnen 3 maanden" in page.get_data(as_text=True)
    token = _case(services)
    reply = _post(client, csrf_from, {"case_token": token.lower().replace("-", " "),
                                      "month": MONTH, "feedback_3m": "ja", "outcome": "",
                                      "aftercare": ["melder", "getuigen"]})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    html = reply.get_data(as_text=True)
    assert "Uitkomst opgeslagen" in html and "Nazorg aangeboden aan" in html
    assert token not in html
    assert _rows(services) == [("aftercare", "getuigen"), ("aftercare", "melder"),
                               ("feedback_3m", "ja")]


def test_bad_input_is_refused_beside_the_field_and_nothing_is_stored(client, services, login,
                                                                    csrf_from):
    login(Role.ADVISER, "MIN-A")
    token = _case(services)
    for data, message in (
        ({"case_token": token[:-1] + ("A" if token[-1] != "A" else "B"), "month": MONTH,
          "feedback_3m": "ja"}, "Dit zaaknummer klopt niet"),
        ({"case_token": new_case_token(), "month": MONTH, "feedback_3m": "ja"},
         "Geen zaak gevonden"),
        ({"case_token": token, "month": MONTH}, "Kies bij minstens één vraag een antwoord."),
        ({"case_token": token, "month": MONTH, "feedback_3m": "binnen een week"},
         "Onbekende code"),
        ({"case_token": token, "month": MONTH, "employer_acted": "ja",
          "measures": ["gesprek", "geen_maatregel"]}, "gaat niet samen"),
        ({"case_token": token, "month": str(Month.current().add(1)), "feedback_3m": "ja"},
         "toekomst"),
    ):
        reply = _post(client, csrf_from, data)
        assert reply.status_code == 422, data
        assert message in reply.get_data(as_text=True), data
        assert "JSON" not in reply.get_data(as_text=True), data  # the API's wording, not the form's
    assert _rows(services) == []


def test_only_advisers_may_use_the_form(client, login):
    login(Role.PREVENTION_OFFICER, "MIN-A")
    assert client.get(URL).status_code == 403
