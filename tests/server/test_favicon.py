"""Every page names its icon (server/templates/base.html), so a browser does not ask for
/favicon.ico on a first visit and log a 404: the icon is a small SVG among the app's static
files, allowed by the Content-Security-Policy's img-src 'self'."""

from __future__ import annotations

import re

import pytest

from server.headers import CONTENT_SECURITY_POLICY

ICON = re.compile(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">')


@pytest.fixture
def database_url(tmp_path):  # type: ignore[no-untyped-def]
    # The icon does not depend on the database; SQLite is enough.
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.mark.parametrize("path", ["/", "/login", "/meldknop"])
def test_every_page_names_its_icon_from_the_static_files(client, path):
    page = client.get(path)
    assert page.status_code == 200
    found = ICON.search(page.get_data(as_text=True))
    assert found, f"{path} names no icon"
    assert found.group(1).startswith("/static/")
    icon = client.get(found.group(1))
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    svg = icon.get_data(as_text=True)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "</svg>" in svg
    assert "#154273" in svg  # the site's blue


def test_the_policy_lets_the_page_show_its_own_icon():
    img_src = next(d for d in CONTENT_SECURITY_POLICY.split(";") if d.strip().startswith("img-src"))
    assert "'self'" in img_src.split()
