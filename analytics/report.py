"""The annual report of one organisation, built from its published monthly releases only.

All figures are sums of released noisy estimates (post-processing; nothing is spent), each with
its 95% margin; a figure whose margin includes zero is marked, never hidden. Contacts and
case-months by category, channel, implicated party, reporter role, follow-up (with the share
without formal follow-up, ``alleen_luisteren``) and impact; the total against the previous
year; the consistency checks of ``analytics.checks``. Yearly case figures are sums of monthly
case tables and so count case-months, an upper bound on distinct cases, and are labelled so.

Output (``write_report``): a printable HTML page (plotly charts with plotly.js inline, no
network, each chart beside its table), an XLSX workbook, and the signed report document as JSON
and CSV in the release file formats of ``privacy.exports``; the signed document carries the
SHA-256 of the HTML and XLSX files.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
from collections.abc import Sequence
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from analytics.checks import CHECKS, run_checks
from analytics.intervals import Estimate, share, total
from analytics.published import PublishedMonth, PublishedTable
from privacy.exports import release_to_csv, release_to_json, spreadsheet_safe
from privacy.releases import Release, canonical_spec, release_document
from privacy.signing import Signer, canonical_json
from registry.db import random_id
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.taxonomy import Taxonomy


def to_published_month(release: Release) -> PublishedMonth:
    """Read a monthly publication (``privacy.publication``) as analytics input."""
    spec = release.spec
    month = Month.parse(str(spec["period"]))
    tables = {name: PublishedTable.from_result(name, month, result)
              for name, result in release.result["tables"].items()}
    return PublishedMonth(str(spec["organisation"]), month, release.id, tables)


def to_published_months(releases: Sequence[Release]) -> list[PublishedMonth]:
    return [to_published_month(r) for r in releases]


# -- the report's figures ------------------------------------------------------------------

# (section key, publication table, taxonomy field or None, Dutch title)
SECTIONS: tuple[tuple[str, str, str | None, str], ...] = (
    ("contacten_per_categorie", "contacts_unit_category", "categories",
     "Contacten per categorie (een contact met meer categorieën telt bij elk)"),
    ("zaakmaanden_per_categorie", "cases_unit_category", "categories",
     "Zaak-maanden per categorie (een zaak telt in elke maand met een contact: een bovengrens "
     "voor het aantal verschillende zaken)"),
    ("contacten_per_kanaal", "contacts_channel", "channel", "Contacten per kanaal"),
    ("contacten_per_betrokkene", "contacts_implicated_party", "implicated_party",
     "Contacten per betrokken partij"),
    ("contacten_per_rol_melder", "contacts_reporter_role", "reporter_role",
     "Contacten per rol van de melder"),
    ("contacten_per_opvolging", "contacts_follow_up", "follow_up", "Contacten per opvolging"),
    ("contacten_per_gevolg", "contacts_impact", "impact",
     "Contacten per gevolg (een contact met beide gevolgen telt bij elk)"),
)
NO_FORMAL_FOLLOW_UP = "alleen_luisteren"
MARGIN_NL = (
    "Wat betekent de marge? Elk cijfer in dit verslag is een schatting. Om te voorkomen dat "
    "iemand uit de cijfers te herleiden is, voegt het register bij elke publicatie bewust een "
    "kleine willekeurige afwijking (ruis) toe. De marge is het gebied waarin het echte getal "
    "met 95% zekerheid ligt. Een cijfer kan daardoor ook negatief uitvallen; dat betekent "
    "'ongeveer nul'. Cellen waarvan de marge nul bevat zijn gemarkeerd (*): die zijn niet te "
    "onderscheiden van nul. Kleine verschillen binnen de marge zeggen niets."
)


def _row(code: str, label: str, estimate: Estimate) -> dict[str, Any]:
    return {"code": code, "label": label, "estimate": round(estimate.value, 1),
            "lower": round(estimate.lower, 1), "upper": round(estimate.upper, 1),
            "sd": round(estimate.sd, 1), "niet_te_onderscheiden_van_nul": not estimate.lower > 0}


def _sum(months: Sequence[PublishedMonth], table: str, dimension: str | None,
         code: str | None) -> Estimate:
    """Sum of one code's cells (all cells of the table when ``dimension`` is None) over months."""
    parts = []
    for published in months:
        t = published.table(table)
        keys = [k for k in t.estimates
                if dimension is None or k[t.group_by.index(dimension)] == code]
        parts.append(Estimate(float(sum(t.estimates[k] for k in keys)),
                              len(keys) * t.noise_variance))
    return total(parts)


def build_report(organisation: str, year: int, months: Sequence[PublishedMonth],
                 previous: Sequence[PublishedMonth], taxonomy: Taxonomy,
                 org: OrgStructure) -> dict[str, Any]:
    """Every figure of the annual report, with its 95% margin, as plain JSON-ready data."""
    if not months:
        raise ValueError(f"no publications of {organisation} in {year}")
    tables: dict[str, list[dict[str, Any]]] = {}
    titles: dict[str, str] = {}
    for key, table, field, title in SECTIONS:
        dimension = "category" if field == "categories" else field
        assert field is not None and dimension is not None
        codes = months[-1].table(table).codes(dimension)
        tables[key] = [_row(c, taxonomy.label(field, c), _sum(months, table, dimension, c))
                       for c in codes]
        titles[key] = title
    follow = {c: _sum(months, "contacts_follow_up", "follow_up", c)
              for c in months[-1].table("contacts_follow_up").codes("follow_up")}
    if NO_FORMAL_FOLLOW_UP in follow:
        part = follow[NO_FORMAL_FOLLOW_UP]
        rest = total(v for c, v in follow.items() if c != NO_FORMAL_FOLLOW_UP)
        rows = []
        if part.value + rest.value > 0:
            pct = share(part, rest).scaled(100)
            rows.append(_row("aandeel_alleen_luisteren", "Aandeel zonder formele opvolging "
                             "(alleen luisteren), in procenten", pct))
        tables["zonder_formele_opvolging"] = rows
        titles["zonder_formele_opvolging"] = "Aandeel contacten zonder formele opvolging (%)"
    this_year = _sum(months, "contacts_total", None, None)
    trend_rows = [_row("dit_jaar", f"Contacten {year}", this_year)]
    if previous:
        last_year = _sum(previous, "contacts_total", None, None)
        trend_rows += [_row("vorig_jaar", f"Contacten {year - 1}", last_year),
                       _row("verschil", f"Verschil {year} - {year - 1}", this_year - last_year)]
    tables["trend"] = trend_rows
    titles["trend"] = "Totaal aantal contacten en de ontwikkeling ten opzichte van vorig jaar"
    return {
        "kind": "annual-report",
        "organisation": organisation,
        "year": year,
        "months": [str(m.month) for m in months],
        "previous_months": [str(m.month) for m in previous],
        "source_releases": [m.release_id for m in (*previous, *months)],
        "titles": titles,
        "tables": tables,
        "checks": _checks(months, org),
        "notes": _notes(year, months, previous),
    }


def _checks(months: Sequence[PublishedMonth], org: OrgStructure) -> list[dict[str, Any]]:
    try:
        report = run_checks(months, org)
    except ValueError:
        return []
    out = []
    for pair in report.pairs:
        flags = [getattr(pair, c) for c in CHECKS]
        kinds = [f.check for f in flags if f.flagged]
        if kinds:
            out.append({"unit": pair.unit, "unit_name": pair.unit_name,
                        "category": pair.category, "kinds": ", ".join(kinds),
                        "explanation_nl": " ".join(f.explanation_nl for f in flags)})
    return out


def _notes(year: int, months: Sequence[PublishedMonth],
           previous: Sequence[PublishedMonth]) -> list[str]:
    notes = [MARGIN_NL,
             "Zaken die over meer maanden lopen tellen in elke maand mee: de zaak-maanden zijn "
             "een bovengrens voor het aantal verschillende zaken, geen telling ervan."]
    if len(months) < 12:
        notes.append(f"Over {year} zijn {len(months)} van de 12 maanden gepubliceerd.")
    if previous and len(previous) != len(months):
        notes.append(f"Let op: {year - 1} telt {len(previous)} gepubliceerde maanden, {year} "
                     f"telt er {len(months)}; het verschil is daardoor scheef.")
    if not previous:
        notes.append(f"Over {year - 1} is niets gepubliceerd; er is geen vergelijking.")
    return notes


# -- output: HTML, XLSX and the signed JSON/CSV ---------------------------------------------

COLUMNS = (("label", "Omschrijving"), ("estimate", "Schatting"), ("lower", "Ondergrens (95%)"),
           ("upper", "Bovengrens (95%)"), ("niet_te_onderscheiden_van_nul", "Niet te onderscheiden van nul"))


def nl(value: Any) -> str:
    """A figure as printed in the HTML: decimal comma, '*' marks 'not told apart from zero'."""
    if isinstance(value, bool):
        return "*" if value else ""
    if isinstance(value, float | int):
        return f"{value:.1f}".replace(".", ",")
    return html.escape(str(value))


def render_html(figures: dict[str, Any]) -> str:
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    title = f"Jaarverslag signalen sociale veiligheid {figures['organisation']} {figures['year']}"
    parts = [f"<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>{title}"
             "</title><style>body{font-family:sans-serif;margin:2em}section{display:flex;"
             "gap:2em;page-break-inside:avoid;align-items:flex-start}table{border-collapse:"
             "collapse}td,th{border:1px solid #999;padding:2px 6px}td.n{text-align:right}"
             "</style><script>" + get_plotlyjs() + "</script></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             f"<p>Gepubliceerde maanden: {', '.join(figures['months'])}.</p>"]
    parts += [f"<p>{html.escape(note)}</p>" for note in figures["notes"]]
    for key, rows in figures["tables"].items():
        parts.append(f"<h2>{html.escape(figures['titles'][key])}</h2><section>")
        if rows:
            fig = go.Figure(go.Bar(
                x=[r["estimate"] for r in rows], y=[r["label"] for r in rows], orientation="h",
                error_x={"type": "data", "symmetric": False,
                         "array": [r["upper"] - r["estimate"] for r in rows],
                         "arrayminus": [r["estimate"] - r["lower"] for r in rows]}))
            fig.update_layout(height=120 + 28 * len(rows), width=520,
                              margin={"l": 10, "r": 10, "t": 10, "b": 10},
                              yaxis={"autorange": "reversed", "automargin": True})
            parts.append("<div>" + fig.to_html(full_html=False, include_plotlyjs=False)
                         + "</div>")
        parts.append(f"<table data-table=\"{key}\"><tr>"
                     + "".join(f"<th>{label}</th>" for _, label in COLUMNS) + "</tr>")
        for r in rows:
            parts.append(f"<tr data-code=\"{html.escape(r['code'])}\">" + "".join(
                f"<td class=\"n\" data-col=\"{c}\">{nl(r[c])}</td>" if c != "label"
                else f"<td>{nl(r[c])}</td>" for c, _ in COLUMNS) + "</tr>")
        parts.append("</table></section>")
    parts.append("<h2>Opvallende combinaties (controles)</h2>")
    if figures["checks"]:
        parts.append("<table><tr><th>Eenheid</th><th>Categorie</th><th>Uitkomst</th>"
                     "<th>Toelichting</th></tr>" + "".join(
                         f"<tr><td>{html.escape(c['unit_name'])}</td><td>"
                         f"{html.escape(c['category'])}</td><td>{html.escape(c['kinds'])}</td>"
                         f"<td>{html.escape(c['explanation_nl'])}</td></tr>"
                         for c in figures["checks"]) + "</table>")
    else:
        parts.append("<p>Geen combinatie van eenheid en categorie valt op.</p>")
    parts.append("<p>Bronnen: gepubliceerde maandreleases " + ", ".join(
        figures["source_releases"]) + ". Dit verslag is getekend; controleer het met "
        "<code>signal-registry verify-report</code>.</p></body></html>")
    return "\n".join(parts)


def render_xlsx(figures: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    info = book.active
    assert info is not None
    info.title = "toelichting"
    info.append(["Organisatie", figures["organisation"]])
    info.append(["Jaar", figures["year"]])
    info.append(["Maanden", ", ".join(figures["months"])])
    for note in figures["notes"]:
        info.append([note])
    for key, rows in figures["tables"].items():
        sheet = book.create_sheet(key[:31])
        sheet.append([figures["titles"][key]])
        sheet.append(["code", *(c for c, _ in COLUMNS)])
        for r in rows:
            sheet.append([r["code"], *(r[c] for c, _ in COLUMNS)])
    checks = book.create_sheet("controles")
    checks.append(["unit", "unit_name", "category", "kinds", "explanation_nl"])
    for c in figures["checks"]:
        checks.append([c["unit"], c["unit_name"], c["category"], c["kinds"],
                       c["explanation_nl"]])
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


def write_report(figures: dict[str, Any], out_dir: Path, signer: Signer,
                 today: date | None = None) -> dict[str, Path]:
    """Write HTML, XLSX, and the signed JSON and CSV (which hold the hashes of the other two).

    The report is post-processing of published releases and spends nothing (epsilon 0); it is
    signed as a release document, not stored in the release table (which only holds paid
    releases), so ``signal-registry verify`` checks the JSON and CSV, and ``verify-report``
    also checks the HTML and XLSX against their signed hashes.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"jaarverslag-{figures['organisation']}-{figures['year']}"
    paths = {"html": out_dir / f"{stem}.html", "xlsx": out_dir / f"{stem}.xlsx",
             "json": out_dir / f"{stem}.json", "csv": out_dir / f"{stem}.csv"}
    paths["html"].write_text(render_html(figures), encoding="utf-8")
    paths["xlsx"].write_bytes(render_xlsx(figures))
    files = {paths[k].name: hashlib.sha256(paths[k].read_bytes()).hexdigest()
             for k in ("html", "xlsx")}
    release = sign_report(figures, files, signer, today or date.today())
    paths["json"].write_text(release_to_json(release), encoding="utf-8")
    paths["csv"].write_text(release_to_csv(release), encoding="utf-8", newline="")
    return paths


def sign_report(figures: dict[str, Any], files: dict[str, str], signer: Signer,
                today: date) -> Release:
    """The report as a signed, unstored release document with epsilon 0."""
    scope = f"report:{figures['organisation']}:{figures['year']}"
    spec = {"kind": "annual-report", "organisation": figures["organisation"],
            "year": figures["year"], "source_releases": figures["source_releases"]}
    result = {**figures, "files": files}
    spec_json, spec_hash = canonical_spec(spec)
    result_json = canonical_json(result).decode("utf-8")
    release_id = random_id()
    document = release_document(release_id=release_id, scope=scope, spec=json.loads(spec_json),
                                result=json.loads(result_json), epsilon_spent="0",
                                release_date=today, replaces=None,
                                public_key=signer.public_key_b64)
    return Release(id=release_id, consumer=scope, scope=scope, year=int(figures["year"]),
                   spec_json=spec_json, spec_hash=spec_hash, result_json=result_json,
                   epsilon_spent=Fraction(0), release_date=today, replaces=None,
                   signature=signer.sign(document), public_key=signer.public_key_b64,
                   key_id=signer.key_id)
