"""An employee without an account uses the meldknop in a real browser."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from intake_adapters.meldknop import work
from intake_adapters.meldknop.padding import REQUEST_BYTES
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser


def test_an_employee_leaves_an_anonymous_signal_and_sees_where_to_go(open_page, live):
    page = open_page()
    page.goto("/meldknop")
    assert_accessible(page, "meldknop form")
    screenshot(page, "meldknop-form")
    before = live.services.signals.count()

    page.check("#categories-pesten")
    page.select_option("#organisation", "MIN-A")
    page.check("#contact-ja")
    # The browser does the proof-of-work before the form goes out.
    with page.expect_navigation():
        page.click("#send")

    assert page.locator("h1").inner_text() == "Dank u. Uw signaal is ontvangen."
    assert page.get_by_role("heading", name="Met wie kunt u praten?").is_visible()
    assert live.services.signals.count() == before + 1
    # Only Flask's session cookie (with the CSRF token): nothing else follows the visitor.
    assert [c["name"] for c in page.context.cookies()] == ["session"]
    assert_accessible(page, "meldknop result")
    screenshot(page, "meldknop-result")


def test_a_meldknop_form_without_answers_stores_nothing_and_says_why(open_page, live):
    page = open_page()
    page.goto("/meldknop")
    before = live.services.signals.count()
    with page.expect_navigation():
        page.click("#send")

    assert page.locator(".error-summary").is_visible()
    assert page.locator("#organisation").get_attribute("aria-invalid") == "true"
    assert live.services.signals.count() == before
    assert_accessible(page, "meldknop form with errors")


def _sent_body(page, choose) -> str:  # type: ignore[no-untyped-def]
    page.goto("/meldknop")
    choose(page)
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/meldknop")) as sent:
        page.click("#send")
    page.wait_for_load_state()
    return str(sent.value.post_data)


def test_the_script_pads_every_request_to_one_length_and_carries_the_work(open_page, live):
    def few(page) -> None:  # type: ignore[no-untyped-def]
        page.check("#categories-pesten")
        page.select_option("#organisation", "MIN-A")

    def many(page) -> None:  # type: ignore[no-untyped-def]
        for box in page.locator("input[name=categories]").all()[:12]:
            box.check()
        page.select_option("#organisation", "MIN-A")
        page.select_option("#unit", "MIN-A-DG1-D2-T1")
        page.check("#reporter_role-getuige")

    page = open_page()
    bodies = [_sent_body(page, few), _sent_body(page, many), _sent_body(page, lambda p: None)]
    assert [len(body.encode()) for body in bodies] == [REQUEST_BYTES] * 3
    for body in bodies:
        fields = parse_qs(body)
        challenge, nonce = fields["challenge"][0], fields["nonce"][0]
        assert work.work_done(challenge, nonce) >= live.services.settings.meldknop_work_bits
        assert set(fields["padding"][0]) == {"x"}


def test_without_javascript_the_form_says_so_and_shows_where_to_go(browser, live):
    context = browser.new_context(base_url=live.url, java_script_enabled=False, locale="nl-NL")
    try:
        page = context.new_page()
        page.goto("/meldknop")
        notice = page.locator(".meldknop-noscript")
        assert notice.is_visible()
        assert "Dit formulier werkt alleen met JavaScript" in notice.inner_text()
        with page.expect_navigation():
            notice.get_by_role("link", name="Ministerie van Voorbeeldzaken").click()
        assert page.url.endswith("/meldknop/waar-terecht?organisatie=MIN-A")
        assert page.locator("h1").inner_text() == "Waar kunt u terecht bij Ministerie van Voorbeeldzaken?"
    finally:
        context.close()


@pytest.mark.parametrize("path,name", [
    ("/meldknop/waar-terecht", "meldknop-where-choose"),
    ("/meldknop/waar-terecht?organisatie=MIN-A", "meldknop-where"),
    ("/meldknop/wat-gebeurt-er", "meldknop-privacy"),
])
def test_meldknop_information_pages_are_accessible(open_page, path, name):
    page = open_page()
    page.goto(path)
    assert page.locator("h1").is_visible()
    assert_accessible(page, name)
    screenshot(page, name)
