"""Council downloads: HTML, CSV and XLSX with signatures that verify, and the check page."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from dashboards.council.files import csv_bytes, guard_xlsx, xlsx_bytes
from privacy.exports import verify_release_file
from registry.accounts import Role
from server.cli.analytics import verify_report_command
from tests.dashboards.test_council_pages import COMPLETE, MONTH, publish, publish_plan

SAFE_NAME = re.compile(r'^attachment; filename="[A-Za-z0-9._-]+"$')


def download(client, url: str, folder: Path) -> Path:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    disposition = response.headers["Content-Disposition"]
    assert SAFE_NAME.match(disposition), disposition
    path = folder / disposition.split('"')[1]
    path.write_bytes(response.data)
    return path


def verify_report(path: Path, public_key: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(verify_report_command, [str(path), "--public-key", public_key])


@pytest.fixture
def or_client(client, login, services):  # type: ignore[no-untyped-def]
    publish(services, organisations=("MIN-A",))
    publish_plan(services, years=(COMPLETE - 1, COMPLETE))
    login(Role.WORKS_COUNCIL, "MIN-A")
    return client


def test_month_downloads_verify_with_their_signed_manifest(or_client, services, tmp_path):
    base = f"/raad/organisatie/MIN-A/{MONTH}"
    files = {fmt: download(or_client, f"{base}/{fmt}", tmp_path)
             for fmt in ("html", "csv", "xlsx", "handtekening")}
    key = services.signer.public_key_b64
    manifest = files["handtekening"]
    assert verify_release_file(manifest, key).ok
    signed = json.loads(manifest.read_text())["document"]["result"]["files"]
    assert set(signed) == {files[f].name for f in ("html", "csv", "xlsx")}
    checked = verify_report(manifest, key)
    assert checked.exit_code == 0, checked.output
    # A second download is byte for byte the same, so it still matches the signature.
    for fmt in ("html", "csv", "xlsx"):
        assert or_client.get(f"{base}/{fmt}").data == files[fmt].read_bytes(), fmt
    files["csv"].write_bytes(files["csv"].read_bytes().replace(b"Totaal", b"Totaa1"))
    tampered = verify_report(manifest, key)
    assert tampered.exit_code == 1 and f"FAILED: {files['csv'].name}" in tampered.output


def test_original_monthly_release_downloads_and_verifies(or_client, services, tmp_path):
    path = download(or_client, f"/raad/organisatie/MIN-A/{MONTH}/release", tmp_path)
    assert verify_release_file(path, services.signer.public_key_b64).ok


def test_annual_report_downloads_verify(or_client, services, tmp_path):
    base = f"/raad/organisatie/MIN-A/jaarverslag/{COMPLETE}"
    files = {fmt: download(or_client, f"{base}/{fmt}", tmp_path)
             for fmt in ("html", "xlsx", "json", "csv")}
    key = services.signer.public_key_b64
    checked = verify_report(files["json"], key)
    assert checked.exit_code == 0, checked.output
    assert f"OK: {files['html'].name}" in checked.output
    assert verify_release_file(files["csv"], key).ok
    assert or_client.get(f"{base}/html").data == files["html"].read_bytes()
    assert or_client.get(f"{base}/xlsx").data == files["xlsx"].read_bytes()
    # One charset, not "text/csv; charset=utf-8; charset=utf-8".
    types = {fmt: or_client.get(f"{base}/{fmt}").headers["Content-Type"] for fmt in files}
    assert types == {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8",
                     "json": "application/json", "xlsx": "application/vnd.openxmlformats-"
                     "officedocument.spreadsheetml.sheet"}
    book = load_workbook(files["xlsx"])
    assert not [c for s in book.worksheets for r in s.iter_rows() for c in r
                if c.data_type == "f"]


def test_no_report_without_publications(client, login):
    login(Role.WORKS_COUNCIL, "MIN-A")
    response = client.get(f"/raad/organisatie/MIN-A/jaarverslag/{COMPLETE}/html")
    assert response.status_code == 404
    assert "nog niets gepubliceerd" in response.get_data(as_text=True)


def test_files_are_looked_up_by_code_never_by_path(or_client):
    for url in (f"/raad/organisatie/MIN-A/{MONTH}/..%2F..%2Fetc%2Fpasswd",
                f"/raad/organisatie/MIN-A/{MONTH}/pdf",
                "/raad/organisatie/..%2Fsecrets/2026-01/csv",
                f"/raad/organisatie/MIN-A/jaarverslag/{COMPLETE}/..%2Fsigning-key",
                "/raad/aanvragen/..%2F..%2Fetc/json"):
        assert or_client.get(url).status_code == 404, url


def test_spreadsheet_formulas_are_neutralised():
    rows = [["tabel", "waarde"], ["=HYPERLINK(\"http://x\")", -3], ["+1", 2], ["@SUM(A1)", 0],
            ["-2+3", 1], ["gewoon", 4]]
    text = csv_bytes(rows).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\r\n'+1," in text and "'@SUM" in text
    assert "'-2+3" in text and ",-3\r\n" in text  # a negative number stays a number
    book = load_workbook(io.BytesIO(xlsx_bytes({"cijfers": rows})))
    cells = [c for r in book["cijfers"].iter_rows() for c in r]
    assert not [c for c in cells if c.data_type == "f"]
    assert book["cijfers"]["A2"].value == "'=HYPERLINK(\"http://x\")"
    assert book["cijfers"]["B2"].value == -3
    raw = Workbook()
    sheet = raw.active
    assert sheet is not None
    sheet.append(["=1+1", "@x", "ok"])
    buffer = io.BytesIO()
    raw.save(buffer)
    guarded = load_workbook(io.BytesIO(guard_xlsx(buffer.getvalue()))).active
    assert guarded is not None
    assert [c.value for c in guarded[1]] == ["'=1+1", "'@x", "ok"]


# -- the check page --------------------------------------------------------------------------

def upload(client, csrf_from, files: dict[str, tuple[bytes, str]]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/raad/controleren").get_data(as_text=True))
    data = {"csrf_token": token,
            **{name: (io.BytesIO(body), filename) for name, (body, filename) in files.items()}}
    return client.post("/raad/controleren", data=data, content_type="multipart/form-data")


def test_check_page_shows_the_public_key_and_commands(or_client, services):
    html = or_client.get("/raad/controleren").get_data(as_text=True)
    assert services.signer.public_key_b64 in html
    assert "signal-registry verify" in html and "verify-report" in html


def test_check_page_accepts_a_file_with_its_signature_and_rejects_a_tampered_one(
        or_client, csrf_from):
    base = f"/raad/organisatie/MIN-A/{MONTH}"
    page = or_client.get(f"{base}/html").data
    manifest = or_client.get(f"{base}/handtekening").data
    good = upload(or_client, csrf_from, {"bestand": (page, "cijfers.html"),
                                         "handtekening": (manifest, "cijfers.json")})
    assert good.status_code == 200 and "Geldig" in good.get_data(as_text=True)
    changed = page.replace(b"Totaal", b"Totaal!", 1)
    assert changed != page
    bad = upload(or_client, csrf_from, {"bestand": (changed, "cijfers.html"),
                                        "handtekening": (manifest, "cijfers.json")})
    assert bad.status_code == 422
    assert "komt niet overeen met de handtekening" in bad.get_data(as_text=True)
    forged = manifest.replace(b'"files"', b'"files" ', 1).replace(
        json.loads(manifest)["document"]["result"]["files"][
            next(iter(json.loads(manifest)["document"]["result"]["files"]))].encode(),
        b"0" * 64)
    refused = upload(or_client, csrf_from, {"bestand": (page, "cijfers.html"),
                                            "handtekening": (forged, "cijfers.json")})
    assert refused.status_code == 422 and "handtekening is ongeldig" in \
        refused.get_data(as_text=True)


def test_check_page_verifies_a_release_csv_on_its_own(or_client, csrf_from):
    csv_file = or_client.get(f"/raad/organisatie/MIN-A/jaarverslag/{COMPLETE}/csv").data
    good = upload(or_client, csrf_from, {"bestand": (csv_file, "verslag.csv")})
    assert good.status_code == 200 and "Geldig" in good.get_data(as_text=True)
    text = csv_file.decode("utf-8")
    row = next(line for line in text.splitlines()
               if line.startswith("tables/zaken_totaal,0,estimate,"))
    tampered = text.replace(row, "tables/trend,0,estimate,12345", 1).encode("utf-8")
    assert tampered != csv_file
    bad = upload(or_client, csrf_from, {"bestand": (tampered, "verslag.csv")})
    assert bad.status_code == 422 and "Ongeldig" in bad.get_data(as_text=True)


def test_check_page_never_reads_a_server_path_and_needs_a_file(or_client, csrf_from):
    sneaky = upload(or_client, csrf_from, {"bestand": (b"/etc/passwd", "x.txt")})
    assert sneaky.status_code == 422
    assert "draagt zelf geen handtekening" in sneaky.get_data(as_text=True)
    assert "root:" not in sneaky.get_data(as_text=True)
    empty = upload(or_client, csrf_from, {})
    assert empty.status_code == 422 and "Kies het bestand" in empty.get_data(as_text=True)


def test_check_page_takes_files_above_the_general_request_limit(or_client, csrf_from, services):
    # The printable annual report embeds plotly.js and is larger than the general limit.
    assert services.settings.max_request_bytes < 3_000_000
    large = upload(or_client, csrf_from, {"bestand": (b"<html>" + b"x" * 3_000_000, "a.html")})
    assert large.status_code == 422
    assert "draagt zelf geen handtekening" in large.get_data(as_text=True)


def test_check_page_refuses_oversized_uploads_and_forged_forms(or_client, csrf_from):
    big = upload(or_client, csrf_from, {"bestand": (b"x" * 12_500_000, "groot.html")})
    assert big.status_code == 413
    no_token = or_client.post("/raad/controleren", data={"bestand": (io.BytesIO(b"{}"), "a")},
                              content_type="multipart/form-data")
    assert no_token.status_code == 400
