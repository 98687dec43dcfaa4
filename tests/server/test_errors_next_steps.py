"""403 and 404 pages say what to do next, with links that work for the reader."""

from __future__ import annotations

import re

from registry.accounts import Role


def _next_steps(html: str) -> str:
    found = re.search(r'<ul class="next-steps">(.*?)</ul>', html, re.S)
    assert found, "no next steps on the error page"
    return found.group(1)


def test_a_missing_page_says_to_check_the_address_and_links_home_and_the_meldknop(client):
    response = client.get("/bestaat-niet", headers={"Accept": "text/html"})
    assert response.status_code == 404
    steps = _next_steps(response.get_data(as_text=True))
    assert "typefouten" in steps
    assert 'href="/"' in steps and 'href="/meldknop"' in steps


def test_a_signed_in_person_on_another_roles_page_is_told_where_to_go(client, login):
    login(Role.ADVISER)
    response = client.get("/beheer/", headers={"Accept": "text/html"})
    assert response.status_code == 403
    steps = _next_steps(response.get_data(as_text=True))
    assert 'href="/"' in steps
    assert "andere rol" in steps and "beheerder" in steps
    # A signed-in reader on a 404 is not sent to the meldknop, but home.
    missing = _next_steps(client.get("/bestaat-niet").get_data(as_text=True))
    assert 'href="/meldknop"' not in missing and 'href="/"' in missing


def test_a_visitor_refused_is_offered_the_sign_in_and_the_meldknop(app):
    from flask import render_template

    with app.test_request_context("/raad/"):
        html = render_template("error.html", status=403, message="Geen toegang.", errors=[])
    steps = _next_steps(html)
    assert 'href="/login?next=/raad/"' in steps
    assert 'href="/meldknop"' in steps
