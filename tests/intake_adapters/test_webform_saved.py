"""The adviser's form after issue 14: what the saved page tells, which channels are offered, and
receipts and case tokens read back however they are typed."""

from __future__ import annotations

import re

from registry.accounts import Role
from registry.periods import Month
from tests.intake_adapters.test_webform import NEW, RECEIPT_RE, TOKEN_RE, post_new

RECEIPT = "/signalen/ontvangstbewijs"
MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
             "september", "oktober", "november", "december")


def _summary(page: str) -> dict[str, str]:
    section = page.split('class="saved-summary"', 1)[1].split("</dl>", 1)[0]
    pairs = re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", section)
    return {label: value for label, value in pairs}


def test_the_saved_page_says_in_words_what_was_saved(client, login, csrf_from):
    login(Role.ADVISER)
    page = post_new(client, csrf_from, new_case_token="1").get_data(as_text=True)
    summary = _summary(page)
    month = Month.current()
    assert summary["Maand van het contact"] == f"{MONTHS_NL[month.month - 1]} {month.year}"
    assert summary["Organisatieonderdeel"] == (
        "Directie Analyse (DG Beleid, Ministerie van Voorbeeldzaken)")
    assert summary["Kanaal"] == "Vertrouwenspersoon intern"
    assert summary["Onderwerp(en)"].startswith("Pesten, Werkdruk")
    assert summary["Betrokken partij"] == "Collega"
    assert summary["Rol van de melder"] == "Medewerker"
    assert summary["Opvolging"] == "Advies"
    assert summary["Gevolgen"] == "Verzuim"
    assert summary["Zaak"] == "Nieuwe zaak; het zaaknummer staat hierboven."
    assert page.index('id="case-token-title"') < page.index("het zaaknummer staat hierboven")


def test_a_contact_without_case_token_is_summarised_as_a_case_of_its_own(client, login, csrf_from):
    login(Role.ADVISER)
    page = post_new(client, csrf_from, impact=[]).get_data(as_text=True)
    summary = _summary(page)
    assert summary["Gevolgen"] == "geen"
    assert summary["Zaak"] == "Geen zaaknummer: dit contact telt als een eigen zaak."


def test_both_codes_get_a_copy_button_and_a_hint_for_copying_without_script(client, login,
                                                                           csrf_from):
    login(Role.ADVISER)
    page = post_new(client, csrf_from, new_case_token="1").get_data(as_text=True)
    receipt = RECEIPT_RE.search(page).group(1)  # type: ignore[union-attr]
    token = TOKEN_RE.search(page).group(1)  # type: ignore[union-attr]
    assert receipt and token
    # The buttons are revealed by the static script; the hint is what shows without it.
    for target in ("receipt-value", "case-token-value"):
        assert re.search(rf'<button type="button" class="[^"]*copy-button"[^>]*data-copy="{target}"'
                         rf'[^>]*\shidden', page)
    assert page.count('class="hint copy-fallback"') == 2
    assert "Ctrl+C" in page
    assert "<script>" not in page and " style=" not in page  # static files only (CSP)
    script = client.get("/signalen/static/webform.js").get_data(as_text=True)
    assert "navigator.clipboard" in script and "data-copy" in script
    # The page links straight to correcting this signal, the receipt in the body only.
    assert re.search(r'<button type="submit" name="action" value="lookup"', page)


def test_the_meldknop_channel_is_not_offered_to_advisers(client, login):
    login(Role.ADVISER)
    page = client.get(NEW).get_data(as_text=True)
    assert 'id="channel-vp_intern"' in page
    assert 'id="channel-meldpunt"' not in page


def test_the_meldknop_channel_is_refused_from_an_adviser(client, login, services, csrf_from):
    login(Role.ADVISER)
    response = post_new(client, csrf_from, channel="meldpunt")
    assert response.status_code == 422
    assert "alleen voor de meldknop" in response.get_data(as_text=True)
    assert services.signals.count() == 0


def test_a_receipt_is_found_without_hyphens_and_in_lower_case(client, login, csrf_from):
    login(Role.ADVISER)
    page = post_new(client, csrf_from).get_data(as_text=True)
    receipt = RECEIPT_RE.search(page).group(1)  # type: ignore[union-attr]
    token = csrf_from(client.get(RECEIPT).get_data(as_text=True))
    typed = receipt.replace("-", "").lower()
    response = client.post(RECEIPT, data={"csrf_token": token, "receipt": typed,
                                          "action": "lookup"})
    assert response.status_code == 200
    assert 'name="action" value="correct"' in response.get_data(as_text=True)


def test_a_mistyped_receipt_is_named_a_typo(client, login, csrf_from):
    login(Role.ADVISER)
    page = post_new(client, csrf_from).get_data(as_text=True)
    receipt = RECEIPT_RE.search(page).group(1)  # type: ignore[union-attr]
    typo = receipt[:-1] + ("A" if receipt[-1] != "A" else "B")
    token = csrf_from(client.get(RECEIPT).get_data(as_text=True))
    response = client.post(RECEIPT, data={"csrf_token": token, "receipt": typo,
                                          "action": "lookup"})
    assert response.status_code == 422
    assert "Dit ontvangstbewijs klopt niet: controleer het op typefouten." in response.get_data(
        as_text=True)


def test_the_correction_page_says_what_was_saved(client, login, csrf_from):
    login(Role.ADVISER)
    page = post_new(client, csrf_from).get_data(as_text=True)
    receipt = RECEIPT_RE.search(page).group(1)  # type: ignore[union-attr]
    token = csrf_from(client.get(RECEIPT).get_data(as_text=True))
    form = {"period": str(Month.current()), "unit": "MIN-A-DG2", "channel": "bmw",
            "categories": ["werkdruk"], "implicated_party": "collega",
            "reporter_role": "getuige", "follow_up": "advies"}
    response = client.post(RECEIPT, data={"csrf_token": token, "receipt": receipt,
                                          "action": "correct", **form})
    summary = _summary(response.get_data(as_text=True))
    assert summary["Organisatieonderdeel"] == "DG Bedrijfsvoering (Ministerie van Voorbeeldzaken)"
    assert summary["Rol van de melder"] == "Getuige"
    assert summary["Zaak"] == "Zaaknummer niet gewijzigd."
