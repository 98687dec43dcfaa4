"""The works councils' portal in a real browser: published figures, a signed annual report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from registry.accounts import Role
from server.cli import cli
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser

# The signalenrapportage of the organisation's page (the release plan's figures of a data year).
REPORT_LINKS = {"html": "Signalenrapportage als HTML-bestand", "xlsx": "Signalenrapportage als Excel-bestand",
                "json": "Handtekeningbestand (JSON)", "csv": "Signalenrapportage als CSV-bestand"}


def _download(page: Any, link_text: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_text).first.click()
    download = info.value
    target = folder / download.suggested_filename
    download.save_as(str(target))
    return target


def _verify_report(signature: Path, public_key: str) -> Any:
    # The same command a council member runs on their own computer (see the verify page).
    return CliRunner().invoke(cli, ["verify-report", str(signature), "--public-key", public_key])


def _public_key_shown(page: Any) -> str:
    page.goto("/raad/controleren")
    return page.locator(".public-key code").inner_text().strip()


def test_a_works_council_downloads_an_annual_report_whose_signature_verifies(open_page, live, tmp_path):
    page = open_page(Role.WORKS_COUNCIL)
    public_key = _public_key_shown(page)
    assert public_key == live.services.signer.public_key_b64

    page.goto("/raad/")
    page.get_by_role("link", name="Ministerie van Voorbeeldzaken").click()
    html = _download(page, REPORT_LINKS["html"], tmp_path)
    xlsx = _download(page, REPORT_LINKS["xlsx"], tmp_path)
    signature = _download(page, REPORT_LINKS["json"], tmp_path)

    result = _verify_report(signature, public_key)
    assert result.exit_code == 0, result.output
    assert f"OK: {html.name}" in result.output and f"OK: {xlsx.name}" in result.output


def test_a_changed_annual_report_fails_verification(open_page, tmp_path):
    page = open_page(Role.WORKS_COUNCIL)
    public_key = _public_key_shown(page)
    page.goto("/raad/organisatie/MIN-A")
    html = _download(page, REPORT_LINKS["html"], tmp_path)
    _download(page, REPORT_LINKS["xlsx"], tmp_path)
    signature = _download(page, REPORT_LINKS["json"], tmp_path)
    html.write_bytes(html.read_bytes().replace(b"</body>", b"<p>1000</p></body>", 1))

    result = _verify_report(signature, public_key)
    assert result.exit_code == 1
    assert f"FAILED: {html.name}" in result.output


def test_the_verify_page_checks_an_uploaded_report_in_the_browser(open_page, tmp_path):
    page = open_page(Role.WORKS_COUNCIL)
    page.goto("/raad/organisatie/MIN-A")
    report_csv = _download(page, REPORT_LINKS["csv"], tmp_path)

    page.goto("/raad/controleren")
    page.set_input_files("#bestand", str(report_csv))
    page.get_by_role("button", name="Controleren", exact=True).click()
    outcome = page.locator("#uitkomst")
    assert "notice-success" in (outcome.get_attribute("class") or "")
    assert_accessible(page, "council verify outcome")
    screenshot(page, "council-verify")


@pytest.mark.parametrize("role,path,name", [
    (Role.WORKS_COUNCIL, "/raad/", "council-index"),
    (Role.WORKS_COUNCIL, "/raad/organisatie/MIN-A", "council-organisation"),
    (Role.WORKS_COUNCIL, "month", "council-month"),
    (Role.WORKS_COUNCIL, "/raad/aanvragen", "council-requests"),
    (Role.WORKS_COUNCIL, "/raad/aanvragen/nieuw", "council-request-form"),
    (Role.WORKS_COUNCIL, "/raad/controleren", "council-verify-page"),
    (Role.WORKS_COUNCIL, "/raad/auditlog", "council-audit-log"),
    (Role.CENTRAL_WORKS_COUNCIL, "/raad/", "council-index-gor"),
    (Role.CENTRAL_WORKS_COUNCIL, "/raad/rijk", "council-rijk"),
])
def test_council_pages_are_accessible(open_page, live, role, path, name):
    page = open_page(role)
    if path == "month":
        path = f"/raad/organisatie/MIN-A/{live.published[-1]}"
    response = page.goto(path)
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    assert_accessible(page, name)
    screenshot(page, name)


def test_council_pages_are_accessible_in_english(open_page, live):
    page = open_page(Role.WORKS_COUNCIL, locale="en")
    page.goto(f"/raad/organisatie/MIN-A/{live.published[-1]}")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page, "council month (en)")


def test_a_works_council_asks_for_extra_figures_and_pays_from_its_share(open_page, live):
    page = open_page(Role.WORKS_COUNCIL)
    spent = live.services.ledger.status("or:MIN-A", live.published[-1].year).spent
    page.goto("/raad/aanvragen/nieuw")
    page.get_by_label("Categorie").check()
    page.locator("#precisie-grof").check()
    page.get_by_role("button", name="Bekijk kosten en nauwkeurigheid").click()
    # What it costs, in rho, of the council's share of each data year the question touches
    # (grof: epsilon 0.1, rho 0.005), with a decimal comma.
    assert page.locator('[data-preview="cost"]').inner_text() == "0,005"
    assert page.locator('[data-preview="precision"]').inner_text() == "Grof"
    assert "van het aandeel" in page.locator('[data-preview="share"]').first.inner_text()
    assert_accessible(page, "council request preview")
    screenshot(page, "council-request-preview")
    on_a_phone(page, "council-request-preview")

    page.get_by_role("button", name="Bevestigen en uitvoeren").click()
    page.wait_for_url("**/raad/aanvragen/*")
    body = page.locator("main").inner_text()
    assert "rho 0,005" in body
    # the display rule: no negative count, "te onzeker" where the margin is larger
    assert all(not text.startswith("-") for text in page.locator("td[data-col]").all_inner_texts())
    assert_accessible(page, "council request answer")
    screenshot(page, "council-request-detail")
    on_a_phone(page, "council-request-detail")
    assert live.services.ledger.status("or:MIN-A", live.published[-1].year).spent > spent

    page.goto("/raad/aanvragen")
    assert "rho 0,005" in page.locator("table.requests").inner_text()
    assert_accessible(page, "council requests with one")
    screenshot(page, "council-requests-list")


PHONE = 375


@pytest.mark.parametrize("role,path,name", [
    (Role.WORKS_COUNCIL, "/raad/organisatie/MIN-A", "council-organisation"),
    (Role.WORKS_COUNCIL, "/raad/aanvragen", "council-requests"),
    (Role.WORKS_COUNCIL, "/raad/aanvragen/nieuw", "council-request-form"),
    (Role.CENTRAL_WORKS_COUNCIL, "/raad/rijk", "council-rijk"),
])
def test_council_pages_fit_a_phone(open_page, role, path, name):
    # A council member reads these on a phone too: the page itself never scrolls sideways
    # (wide tables scroll in their own box).
    page = open_page(role, width=PHONE)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= PHONE, f"{path} is {wide} px wide at {PHONE} px"
    screenshot(page, f"{name}-{PHONE}")


def on_a_phone(page: Any, name: str) -> None:
    """The same page at phone width: it fits, and a screenshot to look at; then back."""
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE, "height": 800})
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= PHONE, f"{name} is {wide} px wide at {PHONE} px"
    screenshot(page, f"{name}-{PHONE}")
    page.set_viewport_size(size)
