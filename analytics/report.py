"""The signalenrapportage of one organisation or the Rijk, built from the release plan only.

Input is a :class:`analytics.plan.PlanYear` (the signed plan releases of one data year, levels
combined by least squares): post-processing, nothing is spent. Every figure counts cases. Per
dimension (category, channel, implicated party, reporter role, follow-up with the share without
formal follow-up, impact) for a complete year, the change against the previous year when both
years are complete, and for a running year the months published so far and the year to date.

Every figure is shown through ``analytics.reading.display``: never below zero, and "te onzeker"
with its interval when the 95% margin is larger than the figure. Beside the tables
(``analytics.report_sections``): "Wat betekenen de marges?" with an example from the report's
own figures, the meldknop's self-reports in a table of their own, and what stands out (the
hotspot checks in the three lists of the dashboard and the API; the signed JSON holds
``findings`` with the API's objects). The report complements the confidential advisers' own
annual report; it does not replace it.

Output (``write_report``): the printable HTML page (rendered above analytics, by
``dashboards.report_html``, and handed in), an XLSX workbook, and the signed report document as
JSON and CSV in the release file formats of ``privacy.exports``; the signed document carries
the SHA-256 of the HTML and XLSX files.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path
from typing import Any

from analytics.errors import AnalyticsError, PeriodNotPublished
from analytics.intervals import Estimate, share, total
from analytics.plan import PlanYear
from analytics.reading import Kind, display
from analytics.report_sections import (
    MELDKNOP,
    MELDKNOP_NOTE,
    MELDKNOP_TITLE,
    PSA,
    PSA_NOTE,
    findings_part,
    findings_sheets,
    margins,
    meldknop,
    psa,
    psa_title,
    typical_table_margin,
)
from analytics.report_summary import conclusions
from privacy.exports import release_to_csv, release_to_json, spreadsheet_safe
from privacy.kinds import TAXONOMY_FIELDS
from privacy.plan import NO_IMPACT, RIJK, Dimension, Part
from privacy.releases import Release, signed_unstored
from privacy.signing import Signer
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.private_files import write_private
from registry.taxonomy import Taxonomy, load_taxonomy

# -- the report's figures ------------------------------------------------------------------

REPORT_KIND = "signalenrapportage"
# (section key, dimension, Dutch title) of the year tables; every figure counts cases.
SECTIONS: tuple[tuple[str, Dimension, str], ...] = (
    ("zaken_per_categorie", Dimension.CATEGORY,
     "Zaken per categorie (een zaak over twee onderwerpen telt voor de helft bij elk)"),
    ("zaken_per_kanaal", Dimension.CHANNEL, "Zaken per kanaal"),
    ("zaken_per_betrokkene", Dimension.IMPLICATED_PARTY, "Zaken per betrokken partij"),
    ("zaken_per_rol_melder", Dimension.REPORTER_ROLE, "Zaken per rol van de melder"),
    ("zaken_per_opvolging", Dimension.FOLLOW_UP, "Zaken per opvolging"),
    ("zaken_per_gevolg", Dimension.IMPACT, "Zaken per gevolg"),
)
NO_FORMAL_FOLLOW_UP = "alleen_luisteren"
# The meldknop's own follow-up code ("zelfmelding, geen opvolging bekend"): the plan's adviser
# tables never hold the meldknop's signals, so its cell there is noise around zero; it is kept
# out of every follow-up figure (the meldknop's self-reports have a table of their own).
SELF_REPORT_FOLLOW_UPS = frozenset(
    c.code for c in load_taxonomy().fields["follow_up"].codes if c.self_report)
NO_IMPACT_LABEL = "Geen gevolg"
# The columns of every report table (key in a row, Dutch header): the XLSX sheets, the HTML's
# tables and the signed JSON's rows share them.
COLUMNS = (("label", "Omschrijving"), ("weergave", "Cijfer (95%-interval)"),
           ("estimate", "Schatting (niet onder nul)"), ("lower", "Ondergrens (95%)"),
           ("upper", "Bovengrens (95%)"), ("te_onzeker", "Te onzeker"))


def signature_name(figures: dict[str, Any]) -> str:
    """The signed file's name as ``write_report`` writes it."""
    return f"signalenrapportage-{figures['organisation']}-{figures['year']}.json"


def _row(code: str, label: str, estimate: Estimate, kind: Kind = Kind.COUNT) -> dict[str, Any]:
    """One figure: the shown (clamped) numbers, the display text and the sd of the plan figure."""
    shown = display(estimate, kind)
    return {"code": code, "label": label, "estimate": round(shown.value, 1),
            "lower": round(shown.lower, 1), "upper": round(shown.upper, 1),
            "half_width": round(shown.half_width, 1), "sd": round(estimate.sd, 3),
            "te_onzeker": shown.too_uncertain, "weergave": shown.text,
            "getal": shown.number + ("%" if kind is Kind.PERCENT and not shown.too_uncertain
                                     else "")}


def _label(taxonomy: Taxonomy, dimension: Dimension, code: str) -> str:
    if dimension is Dimension.IMPACT and code == NO_IMPACT:
        return NO_IMPACT_LABEL
    try:
        return str(taxonomy.label(TAXONOMY_FIELDS[dimension.value], code))
    except KeyError:
        return code


def unit_total(py: PlanYear, unit: str) -> Estimate | None:
    """Cases in the year (a complete year only): the organisation's or the Rijk's."""
    if not py.complete:
        return None
    try:
        return py.rijk_total() if unit == RIJK else py.total(unit)
    except AnalyticsError:
        return None


def unit_months(py: PlanYear, unit: str) -> list[tuple[Month, Estimate]]:
    """New cases per released month; for the Rijk the sum over organisations (independent)."""
    if unit != RIJK:
        return py.monthly(unit)
    per_org = [dict(py.monthly(o.code)) for o in py.org.organisations]
    months = sorted({m for found in per_org for m in found})
    return [(m, total(found[m] for found in per_org if m in found)) for m in months]


def year_to_date(py: PlanYear, unit: str) -> Estimate:
    """New cases over every released month (``months_sum``; organisations are independent)."""
    units = [o.code for o in py.org.organisations] if unit == RIJK else [unit]
    parts = []
    for code in units:
        months = [m for m, _e in py.monthly(code)]
        found = py.months_sum(code, months) if months else None
        if found is not None:
            parts.append(found)
    return total(parts)


def plan_estimates(py: PlanYear, unit: str,
                   previous: PlanYear | None = None) -> dict[str, dict[str, Estimate]]:
    """Every figure of a year for one unit (organisation or RIJK), as plan estimates by section.

    The pages, the report and the downloads all show these, through ``analytics.reading``.
    """
    out: dict[str, dict[str, Estimate]] = {}
    year_total = unit_total(py, unit)
    if year_total is not None:
        out["zaken_totaal"] = {"totaal": year_total}
    if py.complete:
        for key, dimension, _title in SECTIONS:
            found = py.attribute(dimension, unit)
            if found:
                out[key] = found
        follow = {c: e for c, e in out.get("zaken_per_opvolging", {}).items()
                  if c not in SELF_REPORT_FOLLOW_UPS}
        if follow:
            out["zaken_per_opvolging"] = follow
        if NO_FORMAL_FOLLOW_UP in follow:
            part = follow[NO_FORMAL_FOLLOW_UP]
            rest = total(v for c, v in follow.items() if c != NO_FORMAL_FOLLOW_UP)
            if part.value + rest.value > 0:
                out["zonder_formele_opvolging"] = {
                    "aandeel_alleen_luisteren": share(part, rest).scaled(100)}
        found = meldknop(py, unit)
        if found:
            out[MELDKNOP] = found
    if previous is not None and py.complete and previous.complete:
        last = unit_total(previous, unit)
        change: dict[str, Estimate] = {}
        if year_total is not None and last is not None:
            change["totaal"] = year_total - last
        for code in py.category_codes():
            if code in previous.category_codes():
                change[code] = py.category(unit, code) - previous.category(unit, code)
        out["verandering"] = change
    if not py.complete:
        months = unit_months(py, unit)
        if months:
            out["per_maand"] = {str(m): e for m, e in months}
            # The combined months are correlated (quarters tie them): sum with covariance.
            out["tot_nu_toe"] = {"totaal": year_to_date(py, unit)}
    return out


def build_report(unit: str, year: int, py: PlanYear, previous: PlanYear | None,
                 taxonomy: Taxonomy, org: OrgStructure) -> dict[str, Any]:
    """Every figure of the signalenrapportage, as shown (``analytics.reading``), as plain data.

    ``unit`` is an organisation code or ``RIJK``; ``previous`` the year before (its change is
    shown only when both years are complete).
    """
    if py.year != year:
        raise ValueError(f"plan year {py.year} is not {year}")
    if previous is not None and not previous.complete:
        previous = None
    estimates = plan_estimates(py, unit, previous)
    if not estimates:
        raise PeriodNotPublished(f"no plan figures for {unit} in {year}", "year")
    estimates = _with_psa(estimates, psa(py, unit, taxonomy))
    titles = _titles(year, taxonomy)
    tables = {key: [_table_row(key, code, e, taxonomy) for code, e in found.items()]
              for key, found in estimates.items()}
    margin = typical_table_margin(tables)
    name, organisations = _organisation_names(unit, org)
    figures = {
        "kind": REPORT_KIND,
        "organisation": unit,
        "organisation_name": name,
        "organisations": organisations,
        "year": year,
        "complete": py.complete,
        "months": [str(Month.parse(p)) for p in py.periods(Part.MONTH)],
        "previous_year": previous.year if previous is not None else None,
        "source_releases": [*(previous.release_ids if previous is not None else ()),
                            *py.release_ids],
        "titles": {key: titles[key] for key in tables},
        "tables": tables,
        "margin": margin,
        "notes": _notes(year, py, previous),
        "margins": margins(estimates, tables, margin),
        "table_notes": {key: note for key, note in ((MELDKNOP, MELDKNOP_NOTE), (PSA, PSA_NOTE))
                        if key in tables},
        **findings_part(py, unit, org, taxonomy),
    }
    figures["summary"] = conclusions(figures)
    return figures


_DIMENSIONS = {key: d for key, d, _t in SECTIONS}


def _with_psa(estimates: dict[str, dict[str, Estimate]],
              grouped: dict[str, Estimate]) -> dict[str, dict[str, Estimate]]:
    """The psychosocial grouping placed right after the categories it groups (if any)."""
    if not grouped:
        return estimates
    keys = list(estimates)
    at = keys.index("zaken_per_categorie") + 1 if "zaken_per_categorie" in keys else len(keys)
    return {**{k: estimates[k] for k in keys[:at]}, PSA: grouped,
            **{k: estimates[k] for k in keys[at:]}}


def _titles(year: int, taxonomy: Taxonomy) -> dict[str, str]:
    """Each table's title: the sections' own, and those that name the year."""
    titles = {key: title for key, _d, title in SECTIONS}
    titles.update({
        "zaken_totaal": f"Aantal zaken in {year}",
        "zonder_formele_opvolging": "Aandeel zaken zonder formele opvolging (alleen luisteren), "
                                    "in procenten",
        "verandering": f"Verandering {year} ten opzichte van {year - 1} (aantal zaken)",
        "per_maand": f"Nieuwe zaken per maand in {year} (tot nu toe gepubliceerd)",
        "tot_nu_toe": f"Nieuwe zaken in {year} tot nu toe",
        MELDKNOP: MELDKNOP_TITLE,
        PSA: psa_title(taxonomy),
    })
    return titles


# The tables of categories with a total row, and that row's label.
_TOTAL_LABELS = {"verandering": "Totaal", MELDKNOP: "Totaal (alle categorieën)",
                 PSA: "Psychosociale arbeidsbelasting samen"}


def _table_row(key: str, code: str, estimate: Estimate, taxonomy: Taxonomy) -> dict[str, Any]:
    """One figure, labelled as the table ``key`` labels its codes."""
    if key in _DIMENSIONS:
        return _row(code, _label(taxonomy, _DIMENSIONS[key], code), estimate)
    if key == "zonder_formele_opvolging":
        return _row(code, "Zonder formele opvolging (%)", estimate, Kind.PERCENT)
    if key == "per_maand":
        return _row(code, code, estimate)
    if key in _TOTAL_LABELS:
        label = (_TOTAL_LABELS[key] if code == "totaal"
                 else _label(taxonomy, Dimension.CATEGORY, code))
        return _row(code, label, estimate, Kind.CHANGE if key == "verandering" else Kind.COUNT)
    return _row(code, "Totaal", estimate)


def _organisation_names(unit: str, org: OrgStructure) -> tuple[str, dict[str, str]]:
    """The unit's name and every organisation the report covers, by code."""
    name = "het Rijk" if unit == RIJK else str(org.get(unit).name)
    organisations = ({o.code: str(o.name) for o in org.organisations} if unit == RIJK
                     else {unit: name})
    return name, organisations


def _notes(year: int, py: PlanYear, previous: PlanYear | None) -> list[str]:
    notes = [
        "Deze signalenrapportage komt uit het signaalregister: de vastgelegde signalen van de "
        "vertrouwenspersonen en andere meldkanalen. Zij vult het eigen jaarverslag van de "
        "vertrouwenspersonen aan en vervangt het niet.",
        "Alle cijfers tellen zaken. Een zaak over meer onderwerpen (of via meer kanalen) telt "
        "naar rato bij elk: een zaak over twee onderwerpen telt voor de helft bij elk, zodat "
        "de categorieën samen het aantal zaken geven. Daardoor kunnen cijfers een breuk zijn.",
    ]
    if not py.complete:
        notes.append(f"{year} is nog niet afgesloten: alleen de maanden die tot nu toe zijn "
                     "gepubliceerd staan hierin; de jaarcijfers volgen na afloop van het jaar.")
    if py.complete and previous is None:
        notes.append(f"Over {year - 1} zijn geen volledige jaarcijfers gepubliceerd; er is "
                     "geen vergelijking met het jaar ervoor.")
    return notes


# -- output: XLSX and the signed JSON/CSV (the HTML is rendered in dashboards/) --------------

def render_xlsx(figures: dict[str, Any], signature: str | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    info = book.active
    assert info is not None
    info.title = "toelichting"
    info.append(["Organisatie", figures["organisation"]])
    info.append(["Jaar", figures["year"]])
    info.append(["Naam", figures.get("organisation_name", "")])
    info.append(["Maanden", ", ".join(figures.get("months", []))])
    info.append(["Handtekening", "Dit bestand is ondertekend: het controlegetal staat in "
                 + (signature or signature_name(figures))])
    for note in [*figures["notes"], *figures.get("margins", [])]:
        info.append([note])
    for key, rows in figures["tables"].items():
        sheet = book.create_sheet(key[:31])
        sheet.append([figures["titles"][key]])
        sheet.append(["code", *(c for c, _ in COLUMNS)])
        for r in rows:
            sheet.append([r["code"], *(r[c] for c, _ in COLUMNS)])
    findings_sheets(book, figures)
    organisations = figures.get("organisations") or {}
    if organisations:
        names = book.create_sheet("organisaties")
        names.append(["code", "naam"])
        for code, name in organisations.items():
            names.append([code, name])
    # Labels and explanations are text from the taxonomy and the structure: a name that starts
    # with "=" must show as text in Excel, never run as a formula.
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = spreadsheet_safe(cell.value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_report(figures: dict[str, Any], html: str, out_dir: Path, signer: Signer,
                 today: date | None = None) -> dict[str, Path]:
    """Write ``html`` (the figures rendered by ``dashboards.report_html.render_html``), the
    XLSX, and the signed JSON and CSV (which hold the hashes of the other two).

    The report is post-processing of published releases and spends nothing (epsilon 0); it is
    signed as a release document, not stored in the release table (which only holds paid
    releases), so ``signal-registry verify`` checks the JSON and CSV, and ``verify-report``
    also checks the HTML and XLSX against their signed hashes.
    """
    stem = f"signalenrapportage-{figures['organisation']}-{figures['year']}"
    # Files 0600 in a 0700 folder whatever the umask (registry.private_files).
    paths = {kind: out_dir / f"{stem}.{kind}" for kind in ("html", "xlsx", "json", "csv")}
    write_private(paths["html"], html.encode("utf-8"))
    write_private(paths["xlsx"], render_xlsx(figures))
    files = {paths[k].name: hashlib.sha256(paths[k].read_bytes()).hexdigest()
             for k in ("html", "xlsx")}
    release = sign_report(figures, files, signer, today or date.today())
    write_private(paths["json"], release_to_json(release).encode("utf-8"))
    write_private(paths["csv"], release_to_csv(release).encode("utf-8"))
    return paths


def sign_report(figures: dict[str, Any], files: dict[str, str], signer: Signer,
                today: date) -> Release:
    """The report as a signed, unstored release document with epsilon 0."""
    scope = f"report:{figures['organisation']}:{figures['year']}"
    spec = {"kind": REPORT_KIND, "organisation": figures["organisation"],
            "year": figures["year"], "source_releases": figures["source_releases"]}
    result = {**figures, "files": files}
    return signed_unstored(scope, spec, result, int(figures["year"]), signer, today)
