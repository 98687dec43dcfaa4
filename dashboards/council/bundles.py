"""The downloadable files of a published month and of an annual report, with their signature.

Month: the overview as HTML, CSV and XLSX, a signed manifest (JSON) holding their SHA-256, and
the original signed monthly release (JSON) for whoever wants every cell.

Signalenrapportage (``analytics.report``, from the release plan): the printable HTML and the
XLSX, and the signed report document as JSON and CSV, which holds the SHA-256 of the HTML and XLSX, exactly as
``signal-registry report`` writes them, so ``signal-registry verify-report`` checks a download.
Each holds what stands out in the three lists of the dashboard and the API (the JSON under
``findings``, the API's objects), the margins explained and the meldknop's own table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import render_template
from flask_babel import force_locale

from analytics.plan import PlanYear
from analytics.published import PublishedMonth
from analytics.report import build_report, render_xlsx, sign_report
from dashboards.council.figures import flat_rows, month_sections
from dashboards.council.files import (
    csv_bytes,
    reproducible_zip,
    safe_filename,
    sha256,
    sign_manifest,
    stable_html,
    xlsx_bytes,
)
from dashboards.margin import margin_note
from dashboards.report_html import render_html
from privacy.exports import release_to_csv, release_to_json
from privacy.signing import Signer
from registry.organisations import OrgStructure
from registry.taxonomy import Taxonomy

MONTH_FORMATS = ("html", "csv", "xlsx", "handtekening", "release")
REPORT_FORMATS = ("html", "xlsx", "json", "csv")


@dataclass(frozen=True)
class Download:
    filename: str
    kind: str
    """html, csv, xlsx or json: decides the content type."""
    data: bytes


def month_files(published: PublishedMonth, organisation_name: str, taxonomy: Taxonomy,
                ) -> dict[str, Download]:
    """HTML, CSV and XLSX of one published month: the same figures, reproducible bytes."""
    found = month_sections([published], taxonomy)
    stem = ("publicatie", published.organisation, str(published.month))
    # Each file names the signed manifest that holds its SHA-256 (the manifest's name is
    # fixed by the same codes), so a file passed on still says how to check it.
    signature = safe_filename(*stem, ext="json")
    signed_by = f"Controlegetal ondertekend in {signature}"
    # Dutch, whatever the reader's language: the signed bytes must not depend on a session.
    with force_locale("nl"):
        margin = margin_note()
        page = render_template("council/download_month.html", sections=found,
                               organisation=published.organisation,
                               organisation_name=organisation_name, month=published.month,
                               release_id=published.release_id, margin=margin,
                               signature=signature)
    rows = flat_rows(found)
    notes = [["Organisatie", published.organisation], ["Maand", str(published.month)],
             ["Bron", f"gepubliceerde maandrelease {published.release_id}"], [margin],
             ["Handtekening", signed_by]]
    return {
        "html": Download(safe_filename(*stem, ext="html"), "html", page.encode("utf-8")),
        "csv": Download(safe_filename(*stem, ext="csv"), "csv",
                        csv_bytes([*rows, ["handtekening", "", signed_by]])),
        "xlsx": Download(safe_filename(*stem, ext="xlsx"), "xlsx",
                         xlsx_bytes({"cijfers": rows, "toelichting": notes})),
    }


def month_download(fmt: str, published: PublishedMonth, release_json: str,
                   organisation_name: str, taxonomy: Taxonomy, signer: Signer,
                   today: date) -> Download:
    files = month_files(published, organisation_name, taxonomy)
    if fmt in files:
        return files[fmt]
    stem = ("publicatie", published.organisation, str(published.month))
    if fmt == "release":
        return Download(safe_filename(*stem, "release", ext="json"), "json",
                        release_json.encode("utf-8"))
    manifest = sign_manifest(
        {"organisation": published.organisation, "period": str(published.month),
         "source_release": published.release_id},
        {f.filename: f.data for f in files.values()}, signer, today)
    return Download(safe_filename(*stem, ext="json"), "json",
                    release_to_json(manifest).encode("utf-8"))


def report_stem(unit: str, year: int) -> tuple[str, str, str]:
    return ("signalenrapportage", unit.lower() if unit == "RIJK" else unit, str(year))


def report_signature(unit: str, year: int) -> str:
    """The name of the signed report document that holds the SHA-256 of HTML and XLSX."""
    return safe_filename(*report_stem(unit, year), ext="json")


def report_download(fmt: str, unit: str, year: int, py: PlanYear, previous: PlanYear | None,
                    taxonomy: Taxonomy, org: OrgStructure, signer: Signer,
                    today: date) -> Download:
    """The signalenrapportage of ``unit`` (an organisation or RIJK) from the release plan."""
    figures = build_report(unit, year, py, previous, taxonomy, org)
    stem = report_stem(unit, year)
    # The HTML and XLSX name the signed JSON that holds their SHA-256; JSON and CSV are signed.
    signature = safe_filename(*stem, ext="json")
    files = {
        "html": Download(safe_filename(*stem, ext="html"), "html",
                         stable_html(render_html(figures, signature)).encode("utf-8")),
        "xlsx": Download(safe_filename(*stem, ext="xlsx"), "xlsx",
                         reproducible_zip(render_xlsx(figures, signature))),
    }
    if fmt in files:
        return files[fmt]
    signed = sign_report(figures, {f.filename: sha256(f.data) for f in files.values()}, signer,
                         today)
    if fmt == "csv":
        return Download(safe_filename(*stem, ext="csv"), "csv",
                        release_to_csv(signed).encode("utf-8"))
    return Download(safe_filename(*stem, ext="json"), "json",
                    release_to_json(signed).encode("utf-8"))
