"""The signalenrapportage as one printable HTML file (the download and ``write_report``).

Laid out for a council member, not for a statistician: the one-page summary first (what can
and cannot be concluded, ``analytics.report_summary``), then the explanation of the margins,
the tables (each chart beside its table), what stands out, and at the very end "Controleren":
the signature file's name and the plan releases it comes from. Nothing in the reading text is
a code, a hash or a command.

Printing: A4 (``@page``), the summary alone on page 1, a page break before each main part, a
table never split over two pages. Charts are plotly with plotly.js inline (a file that works
offline), without plotly's English toolbar.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from analytics.report_sections import findings_html, margins_html
from analytics.report_summary import SUMMARY_TITLE

COLUMNS = (("label", "Omschrijving"), ("weergave", "Cijfer (95%-interval)"),
           ("estimate", "Schatting (niet onder nul)"), ("lower", "Ondergrens (95%)"),
           ("upper", "Bovengrens (95%)"), ("te_onzeker", "Te onzeker"))
CHECK_TITLE = "Controleren"
PRINT_CSS = (
    "body{font-family:'Segoe UI',Verdana,sans-serif;margin:2em;color:#1a1a1a;line-height:1.45}"
    "h1{color:#154273}h2{color:#154273;border-bottom:2px solid #154273}"
    "section.figuren{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}"
    "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}"
    "td.n{text-align:right}.samenvatting{border:2px solid #154273;padding:0 1em 1em}"
    ".controleren{font-size:.9em;color:#444}.controleren code{overflow-wrap:anywhere}"
    "@page{size:A4;margin:15mm}"
    "@media print{body{margin:0;font-size:10pt}.samenvatting{break-after:page}"
    "h2.deel{break-before:page}section.figuren,table,li{break-inside:avoid}"
    "h2{break-after:avoid}}"
)


def nl(value: Any) -> str:
    """A figure as printed in the HTML: decimal comma; booleans as ja/nee."""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float | int):
        return f"{value:.1f}".replace(".", ",")
    return html.escape(str(value))


def report_title(figures: Mapping[str, Any]) -> str:
    name = figures.get("organisation_name") or figures["organisation"]
    return f"Signalenrapportage sociale veiligheid {name} {figures['year']}"


def signature_name(figures: Mapping[str, Any]) -> str:
    """The signed file's name as ``write_report`` writes it."""
    return f"signalenrapportage-{figures['organisation']}-{figures['year']}.json"


def summary_html(figures: Mapping[str, Any]) -> str:
    found = figures.get("summary") or {}
    e = html.escape
    parts = [f"<section class=\"samenvatting\" data-section=\"samenvatting\"><h2>"
             f"{e(SUMMARY_TITLE)}</h2>", "<h3>Wat u kunt concluderen</h3><ul data-list=\"wel\">"]
    parts += [f"<li>{e(s)}</li>" for s in found.get("can") or ["Niets met zekerheid."]]
    parts.append("</ul><h3>Wat u niet kunt concluderen</h3><ul data-list=\"niet\">")
    parts += [f"<li>{e(s)}</li>" for s in found.get("cannot") or []]
    parts.append("<li>Iets over één persoon of één zaak: het verslag telt alleen zaken "
                 "samen.</li></ul></section>")
    return "".join(parts)


def check_html(figures: Mapping[str, Any], signature: str) -> str:
    """The signature details, last: for whoever wants to check the file, not to read it."""
    e = html.escape
    return (f"<section class=\"controleren\" data-section=\"controleren\"><h2 class=\"deel\">"
            f"{CHECK_TITLE}</h2><p>Dit verslag is ondertekend door het signaalregister. De "
            f"handtekening staat in het bestand <code>{e(signature)}</code>, dat u naast dit "
            "verslag kunt downloaden. Daarin staat een controlegetal van dit bestand en van het "
            "Excel-bestand. Op de pagina 'Hoe controleer ik een download?' van het raadsportaal "
            "kunt u beide bestanden samen laten controleren.</p><p>De cijfers komen uit deze "
            "publicaties van het publicatieplan: <code>"
            + e(", ".join(figures["source_releases"])) + "</code>.</p></section>")


def render_html(figures: Mapping[str, Any], signature: str | None = None) -> str:
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    title = html.escape(report_title(figures))
    parts = [f"<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>{title}"
             f"</title><style>{PRINT_CSS}</style><script>" + get_plotlyjs()
             + "</script></head><body>", f"<h1>{title}</h1>"]
    if figures.get("months"):
        parts.append(f"<p>Gepubliceerde maanden: {', '.join(figures['months'])}.</p>")
    parts.append(summary_html(figures))
    parts.append("<h2>Over dit verslag</h2>")
    parts += [f"<p>{html.escape(note)}</p>" for note in figures["notes"]]
    parts.append(margins_html(figures))
    table_notes = figures.get("table_notes") or {}
    for index, (key, rows) in enumerate(figures["tables"].items()):
        heading = " class=\"deel\"" if index == 0 else ""
        parts.append(f"<h2{heading}>{html.escape(figures['titles'][key])}</h2>")
        if key in table_notes:
            parts.append(f"<p>{html.escape(table_notes[key])}</p>")
        parts.append("<section class=\"figuren\">")
        if rows:
            # Shown values only: never below zero (a change may be), intervals clamped.
            fig = go.Figure(go.Bar(
                x=[r["estimate"] for r in rows], orientation="h",  # labels never plotly markup:
                y=[html.escape(str(r["label"]), quote=False) for r in rows],
                error_x={"type": "data", "symmetric": False,
                         "array": [r["upper"] - r["estimate"] for r in rows],
                         "arrayminus": [r["estimate"] - r["lower"] for r in rows]}))
            fig.update_layout(height=120 + 28 * len(rows), width=520, separators=",.",
                              margin={"l": 10, "r": 10, "t": 10, "b": 10},
                              yaxis={"autorange": "reversed", "automargin": True})
            parts.append("<div>" + fig.to_html(full_html=False, include_plotlyjs=False,
                                               config={"displayModeBar": False}) + "</div>")
        parts.append(f"<table data-table=\"{key}\"><tr>"
                     + "".join(f"<th>{label}</th>" for _, label in COLUMNS) + "</tr>")
        for r in rows:
            parts.append(f"<tr data-code=\"{html.escape(r['code'])}\">" + "".join(
                f"<td class=\"n\" data-col=\"{c}\">{nl(r[c])}</td>" if c != "label"
                else f"<td>{nl(r[c])}</td>" for c, _ in COLUMNS) + "</tr>")
        parts.append("</table></section>")
    parts.append(findings_html(figures).replace("<h2>", "<h2 class=\"deel\">", 1))
    organisations = figures.get("organisations") or {}
    if len(organisations) > 1:
        parts.append("<h2>Organisaties</h2><ul>" + "".join(
            f"<li>{html.escape(name)}</li>" for name in organisations.values()) + "</ul>")
    parts.append(check_html(figures, signature or signature_name(figures)))
    parts.append("</body></html>")
    return "\n".join(parts)
