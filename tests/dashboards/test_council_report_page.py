"""The signalenrapportage as a page of the site: summary first, printable, checked last.

And every download of the portal carries its signature or names the signed file that holds
its SHA-256, as the page "Hoe controleer ik een download?" says.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dashboards.council.files import sha256
from privacy.exports import verify_release_file
from registry.accounts import Role
from tests.dashboards.test_council_downloads import download
from tests.dashboards.test_council_pages import COMPLETE, MONTH, publish, publish_plan

HASH = re.compile(r"\b[0-9a-f]{40,64}\b")
COMMAND = re.compile(r"signal-registry|verify-report|sha256sum|--public-key")


@pytest.fixture
def or_client(client, login, services):  # type: ignore[no-untyped-def]
    publish(services, organisations=("MIN-A",))
    publish_plan(services, years=(COMPLETE - 1, COMPLETE))
    login(Role.WORKS_COUNCIL, "MIN-A")
    return client


def _reading_text(page: str) -> str:
    """What a council member reads: the page's main text before the "Controleren" part."""
    main = page.split('<main id="inhoud"', 1)[1].split("</main>", 1)[0]
    before_check = main.split('data-section="controleren"', 1)[0]
    return re.sub(r"<[^>]+>", " ", before_check)


def test_the_report_opens_as_a_page_with_the_summary_first(or_client):
    organisation = or_client.get(f"/raad/organisatie/MIN-A?jaar={COMPLETE}").get_data(as_text=True)
    assert f'href="/raad/organisatie/MIN-A/jaarverslag/{COMPLETE}"' in organisation
    response = or_client.get(f"/raad/organisatie/MIN-A/jaarverslag/{COMPLETE}")
    assert response.status_code == 200
    assert response.mimetype == "text/html" and "attachment" not in response.headers.get(
        "Content-Disposition", "")
    page = response.get_data(as_text=True)
    assert "report-print.css" in page and 'class="site-header"' in page
    main = page.split('<main id="inhoud"', 1)[1]
    # The summary comes before any table, the check part after every table.
    summary_at = main.index('data-section="samenvatting"')
    assert summary_at < main.index("<table") and main.rindex("</table>") < main.index(
        'data-section="controleren"')
    summary = main[summary_at:].split("</section>", 1)[0]
    assert "Wat u kunt concluderen" in summary and "Wat u niet kunt concluderen" in summary
    assert summary.count("<li>") >= 3
    # The figures are the report's: the summary names the year total as shown in its table.
    total = re.search(r'id="zaken_totaal".*?<td class="num" data-col="estimate">([^<]+)<', main, re.S)
    assert total is not None
    if total.group(1) == "te onzeker":  # noise can make even the total too uncertain
        assert "Het aantal zaken in" in summary and "te onzeker om te noemen" in summary
    else:
        assert f"ongeveer {total.group(1)} zaken" in summary


def test_the_reading_text_has_no_codes_hashes_or_commands(or_client):
    page = or_client.get(f"/raad/organisatie/MIN-A/jaarverslag/{COMPLETE}").get_data(as_text=True)
    text = _reading_text(page)
    assert not HASH.search(text), HASH.search(text)
    assert not COMMAND.search(text)
    for raw in ("alleen_luisteren", "zaken_per_", "MIN-A", "release"):
        assert raw not in text, raw
    check = page.split('data-section="controleren"', 1)[1]
    assert "signalenrapportage-MIN-A-" in check and "/raad/controleren" in check


def test_the_print_stylesheet_is_a4_with_page_breaks(app):
    css = (Path(app.root_path).parent / "dashboards/council/static/report-print.css").read_text()
    assert re.search(r"@page\s*{\s*size:\s*A4", css)
    assert ".report-summary { break-after: page" in css
    assert ".report-part { break-before: page" in css


def test_the_downloaded_html_is_laid_out_the_same_way(or_client):
    html = or_client.get(f"/raad/organisatie/MIN-A/jaarverslag/{COMPLETE}/html").get_data(
        as_text=True)
    body = html.split("<body>", 1)[1]
    assert body.index('data-section="samenvatting"') < body.index("<table")
    assert "@page{size:A4" in html and "break-after:page" in html
    reading = re.sub(r"<script.*?</script>|<[^>]+>", " ",
                     body.split('data-section="controleren"', 1)[0], flags=re.S)
    assert not COMMAND.search(reading) and not HASH.search(reading)
    assert '"displayModeBar": false' in html  # no English plotly toolbar


def test_a_report_page_without_figures_is_a_404(client, login):
    login(Role.WORKS_COUNCIL, "MIN-A")
    assert client.get(f"/raad/organisatie/MIN-A/jaarverslag/{COMPLETE}").status_code == 404
    assert client.get(f"/raad/organisatie/MIN-B/jaarverslag/{COMPLETE}").status_code == 403
    assert client.get(f"/raad/rijk/rapportage/{COMPLETE}").status_code == 403


def _links(page: str, prefix: str) -> list[str]:
    return sorted(set(re.findall(rf'href="({re.escape(prefix)}[^"]+)" download', page)))


def test_every_download_carries_or_names_its_signature(or_client, services, tmp_path):
    """A file verifies alone, or names a downloadable signed file that lists its SHA-256."""
    key = services.signer.public_key_b64
    pages = [or_client.get(f"/raad/organisatie/MIN-A/jaarverslag/{COMPLETE}").get_data(
                 as_text=True),
             or_client.get(f"/raad/organisatie/MIN-A/{MONTH}").get_data(as_text=True)]
    links = [u for p in pages for u in _links(p, "/raad/organisatie/MIN-A/")]
    assert len(links) >= 9, links
    files = {u: download(or_client, u, tmp_path) for u in links}
    names = {path.name: path for path in files.values()}
    for url, path in files.items():
        if path.suffix in (".csv", ".json") and verify_release_file(path, key).ok:
            continue  # carries its own signature
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            from openpyxl import load_workbook
            text = " ".join(str(c.value) for s in load_workbook(path).worksheets
                            for r in s.iter_rows() for c in r if c.value)
        else:
            text = data.decode("utf-8-sig")
        named = [n for n in names if n.endswith(".json") and n in text]
        assert named, f"{url} neither is signed nor names its signature file"
        signed = names[named[0]]
        assert verify_release_file(signed, key).ok
        listed = json.loads(signed.read_text())["document"]["result"]["files"]
        assert listed[path.name] == sha256(data), url


def test_the_help_says_what_the_files_do(or_client):
    page = or_client.get("/raad/controleren").get_data(as_text=True)
    assert "noemt" in page and "handtekeningbestand" in page
