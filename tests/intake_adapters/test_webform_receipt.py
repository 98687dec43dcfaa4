"""Correcting and withdrawing through the receipt, and where receipts and case tokens end up."""

from __future__ import annotations

import re

from sqlalchemy import inspect, text

from registry.accounts import Role
from registry.periods import Month

NEW = "/signalen/nieuw"
RECEIPT = "/signalen/ontvangstbewijs"
RECEIPT_RE = re.compile(r'id="receipt-value">([^<]+)<')
TOKEN_RE = re.compile(r'id="case-token-value">([^<]+)<')
MIN_A = frozenset({"MIN-A"})


def valid_form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "period": str(Month.current()),
        "unit": "MIN-A-DG1-D1",
        "channel": "vp_intern",
        "categories": ["pesten"],
        "implicated_party": "collega",
        "reporter_role": "medewerker",
        "follow_up": "advies",
    }
    form.update(changes)
    return form


def sign_in(client, make_user, csrf_from, organisation: str = "MIN-A") -> None:  # type: ignore[no-untyped-def]
    principal, password = make_user(Role.ADVISER, organisation)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": principal.username, "password": password,
                                           "csrf_token": token})
    assert response.status_code == 302


def csrf(client, csrf_from) -> str:  # type: ignore[no-untyped-def]
    return csrf_from(client.get(RECEIPT).get_data(as_text=True))


def store(client, csrf_from, **changes: object):  # type: ignore[no-untyped-def]
    """Post a new signal; returns (receipt, case token or None, response)."""
    response = client.post(NEW, data={**valid_form(**changes), "csrf_token": csrf(client, csrf_from)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    token = TOKEN_RE.search(page)
    return RECEIPT_RE.search(page).group(1), token.group(1) if token else None, response  # type: ignore[union-attr]


def receipt_post(client, csrf_from, receipt: str, action: str, **fields: object):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf(client, csrf_from), "receipt": receipt, "action": action, **fields}
    return client.post(RECEIPT, data=data)


def all_rows(services) -> str:  # type: ignore[no-untyped-def]
    """Every value in every table, as one string to search in."""
    engine = services.db.engine
    dump = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            dump.append(repr(conn.execute(text(f'SELECT * FROM "{table}"')).fetchall()))  # noqa: S608
    return "\n".join(dump)


def test_receipt_opens_the_stored_signal_prefilled(client, login, csrf_from):
    login(Role.ADVISER)
    receipt, _, _ = store(client, csrf_from, unit="MIN-A-DG2", categories=["werkdruk", "pesten"])
    response = receipt_post(client, csrf_from, receipt.lower(), "lookup")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert re.search(r'<option value="MIN-A-DG2"[^>]*\sselected', page)
    assert re.search(r'id="categories-werkdruk"[^>]*\schecked', page)
    assert re.search(r'id="categories-pesten"[^>]*\schecked', page)
    assert not re.search(r'id="categories-discriminatie"[^>]*\schecked', page)
    assert f'name="receipt" value="{receipt.lower()}"' in page
    assert "Signaal intrekken" in page


def test_correction_changes_the_stored_fields(client, login, services, csrf_from):
    login(Role.ADVISER)
    receipt, _, _ = store(client, csrf_from)
    changed = valid_form(unit="MIN-A-DG1-D2-T1", categories=["discriminatie", "racisme"],
                         follow_up="formele_klacht", impact=["verzuim"])
    response = receipt_post(client, csrf_from, receipt, "correct", **changed)
    assert response.status_code == 200
    assert "Het signaal is aangepast" in response.get_data(as_text=True)
    stored = services.signals.find_by_receipt(receipt, MIN_A)
    assert stored["unit"] == "MIN-A-DG1-D2-T1"
    assert stored["categories"] == ["discriminatie", "racisme"]
    assert stored["follow_up"] == "formele_klacht"
    assert stored["impact"] == ["verzuim"]
    assert services.signals.count() == 1


def test_refused_correction_shows_errors_and_changes_nothing(client, login, services, csrf_from):
    login(Role.ADVISER)
    receipt, _, _ = store(client, csrf_from)
    response = receipt_post(client, csrf_from, receipt, "correct",
                            **valid_form(categories=[], unit="MIN-B-D1"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Kies minstens een waarde voor onderwerp(en)." in page
    assert "Dit onderdeel hoort niet bij uw organisatie." in page
    assert f'name="receipt" value="{receipt}"' in page  # still in the form, ready for a retry
    stored = services.signals.find_by_receipt(receipt, MIN_A)
    assert stored["unit"] == "MIN-A-DG1-D1" and stored["categories"] == ["pesten"]


def test_withdraw_asks_first_then_removes_the_signal(client, login, services, csrf_from):
    login(Role.ADVISER)
    receipt, _, _ = store(client, csrf_from)
    store(client, csrf_from)  # another signal, which must stay
    asked = receipt_post(client, csrf_from, receipt, "withdraw")
    assert asked.status_code == 200
    assert "Weet u zeker" in asked.get_data(as_text=True)
    assert services.signals.count() == 2
    done = receipt_post(client, csrf_from, receipt, "withdraw_confirm")
    assert done.status_code == 200
    assert "Het signaal is ingetrokken" in done.get_data(as_text=True)
    assert services.signals.count() == 1
    again = receipt_post(client, csrf_from, receipt, "lookup")
    assert again.status_code == 404
    assert "Geen signaal gevonden bij dit ontvangstbewijs." in again.get_data(as_text=True)


def test_receipt_of_another_organisations_adviser_is_not_found(app, client, login, services,
                                                               make_user, csrf_from):
    login(Role.ADVISER, "MIN-A")
    receipt, _, _ = store(client, csrf_from)
    other = app.test_client()
    sign_in(other, make_user, csrf_from, "MIN-B")
    for action in ("lookup", "correct", "withdraw", "withdraw_confirm"):
        fields = valid_form(unit="MIN-B-D1") if action == "correct" else {}
        response = receipt_post(other, csrf_from, receipt, action, **fields)
        page = response.get_data(as_text=True)
        assert response.status_code == 404, action
        assert re.search(r'<p class="field-error" id="receipt-error">.*?Geen signaal gevonden',
                         page, re.S)
        assert 'aria-invalid="true"' in page
    assert services.signals.find_by_receipt(receipt, MIN_A)["unit"] == "MIN-A-DG1-D1"


def test_malformed_receipt_is_refused_on_the_page(client, login, csrf_from):
    login(Role.ADVISER)
    response = receipt_post(client, csrf_from, "mijn-bewijs", "lookup")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dit is geen geldig ontvangstbewijs." in page
    assert 'href="#receipt"' in page


def test_receipt_of_an_earlier_month_can_no_longer_change_anything(client, login, csrf_from):
    login(Role.ADVISER)
    old = f"{Month.current().add(-1)}-ABCD-EFGH-JKLM-NPQR-STUV"
    response = receipt_post(client, csrf_from, old, "withdraw_confirm")
    assert response.status_code == 422
    assert "alleen worden aangepast of ingetrokken in de maand" in response.get_data(as_text=True)


def test_receipt_in_the_query_string_is_ignored(client, login, services, csrf_from):
    login(Role.ADVISER)
    receipt, _, _ = store(client, csrf_from)
    shown = client.get(f"{RECEIPT}?receipt={receipt}")
    assert receipt not in shown.get_data(as_text=True)
    posted = client.post(f"{RECEIPT}?receipt={receipt}&action=withdraw_confirm",
                         data={"csrf_token": csrf(client, csrf_from)})
    assert posted.status_code == 422
    assert services.signals.count() == 1


def test_receipt_never_appears_in_a_location_header_or_the_database(client, login, services,
                                                                    csrf_from):
    login(Role.ADVISER)
    responses = []
    receipt, _, stored = store(client, csrf_from)
    responses.append(stored)
    responses.append(receipt_post(client, csrf_from, receipt, "lookup"))
    responses.append(receipt_post(client, csrf_from, receipt, "correct", **valid_form()))
    responses.append(receipt_post(client, csrf_from, receipt, "correct",
                                  **valid_form(categories=[])))
    responses.append(receipt_post(client, csrf_from, receipt, "withdraw"))
    assert receipt not in all_rows(services)
    responses.append(receipt_post(client, csrf_from, receipt, "withdraw_confirm"))
    responses.append(receipt_post(client, csrf_from, receipt, "lookup"))
    for response in responses:
        assert receipt not in response.headers.get("Location", "")
        assert receipt.lower() not in response.headers.get("Location", "").lower()
        assert response.headers["Cache-Control"] == "no-store"


def test_new_case_token_links_contacts_and_is_stored_nowhere(client, login, services, csrf_from):
    login(Role.ADVISER)
    receipt, token, response = store(client, csrf_from, new_case_token="1")
    assert token is not None and re.fullmatch(r"[A-HJ-NP-Z2-9]{3}(-[A-HJ-NP-Z2-9]{3}){5}", token)
    assert "U ziet het alleen nu" in response.get_data(as_text=True)
    # Follow-up contacts, the token typed as an adviser might: lower case, with spaces, or
    # without its hyphens.
    store(client, csrf_from, case_token=f"  {token.lower()} ")
    store(client, csrf_from, case_token=token.replace("-", ""))
    year = Month.current().year
    expected = services.pseudonymizer.case_pseudonym(token, year)
    with services.db.engine.connect() as conn:
        pseudonyms = [row[0] for row in conn.execute(text("SELECT case_pseudonym FROM signals"))]
    assert pseudonyms == [expected, expected, expected]
    dump = all_rows(services)
    assert token not in dump and token.replace("-", "") not in dump
    assert receipt not in dump


def test_a_typed_case_token_and_a_tick_for_a_new_one_are_refused_together(client, login, services,
                                                                         csrf_from):
    login(Role.ADVISER)
    response = client.post(NEW, data={**valid_form(case_token="WXYZ-2345-6789-ABCD",
                                                   new_case_token="1"),
                                      "csrf_token": csrf(client, csrf_from)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert services.signals.count() == 0
    # An error at both fields, each linked from the summary, and the tick kept as it was.
    for field in ("case_token", "new_case_token"):
        assert f'<p class="field-error" id="{field}-error">' in page
        assert f'href="#{field}"' in page
    assert re.search(r'id="new_case_token"[^>]*\schecked', page)
    assert TOKEN_RE.search(page) is None and RECEIPT_RE.search(page) is None


def test_a_mistyped_case_token_is_refused_and_nothing_is_stored(client, login, services,
                                                                csrf_from):
    login(Role.ADVISER)
    _, token, _ = store(client, csrf_from, new_case_token="1")
    assert token is not None
    swapped = token[1] + token[0] + token[2:]  # two neighbours swapped: a new case, before
    if swapped == token:
        swapped = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = client.post(NEW, data={**valid_form(case_token=swapped),
                                      "csrf_token": csrf(client, csrf_from)})
    assert response.status_code == 422
    assert "Dit zaaknummer klopt niet: controleer het op typefouten" in response.get_data(
        as_text=True)
    assert services.signals.count() == 1


def test_correction_can_give_a_new_case_token_shown_once(client, login, services, csrf_from):
    login(Role.ADVISER)
    receipt, _, _ = store(client, csrf_from)
    response = receipt_post(client, csrf_from, receipt, "correct",
                            **valid_form(new_case_token="1"))
    token = TOKEN_RE.search(response.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    with services.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT case_pseudonym FROM signals")).scalar_one()
    assert stored == services.pseudonymizer.case_pseudonym(token, Month.current().year)
    assert token not in all_rows(services)


def test_receipt_pages_refuse_posts_without_csrf_token(client, login, services, csrf_from):
    login(Role.ADVISER)
    receipt, _, _ = store(client, csrf_from)
    response = client.post(RECEIPT, data={"receipt": receipt, "action": "withdraw_confirm"})
    assert response.status_code == 400
    assert services.signals.count() == 1
