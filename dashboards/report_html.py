"""The signalenrapportage as one printable HTML file (the download and ``signal-registry report``).

Laid out for a council member, not for a statistician: the one-page summary first (what can
and cannot be concluded, ``analytics.report_summary``), then the explanation of the margins,
the tables (each chart beside its table), what stands out, and at the very end "Controleren":
the signature file's name and the plan releases it comes from. Nothing in the reading text is
a code, a hash or a command.

Every table and chart goes through the one renderer of ``dashboards.charts.render``, as on the
dashboard and the council's pages; the figures are ``analytics.report.build_report``'s.

Printing: A4 (``@page``), the summary alone on page 1, a page break before each main part, a
table never split over two pages. Charts are plotly with plotly.js inline (a file that works
offline), drawn without plotly's English toolbar.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from analytics.report import COLUMNS, signature_name
from analytics.report_sections import MARGINS_TITLE
from analytics.report_summary import SUMMARY_TITLE
from dashboards.charts.figures import bars_figure
from dashboards.charts.render import chart_html, table_html
from dashboards.charts.table import Chart, ChartTable, Column
from privacy.plan import RIJK

CHECK_TITLE = "Controleren"
PRINT_CSS = (
    "body{font-family:'Segoe UI',Verdana,sans-serif;margin:2em;color:#1a1a1a;line-height:1.45}"
    "h1{color:#154273}h2{color:#154273;border-bottom:2px solid #154273}"
    "section.figuren{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}"
    "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}"
    "td.num{text-align:right}.samenvatting{border:2px solid #154273;padding:0 1em 1em}"
    ".controleren{font-size:.9em;color:#444}.controleren code{overflow-wrap:anywhere}"
    "@page{size:A4;margin:15mm}"
    "@media print{body{margin:0;font-size:10pt}.samenvatting{break-after:page}"
    "h2.deel{break-before:page}section.figuren,table,li{break-inside:avoid}"
    "h2{break-after:avoid}}"
)
# Draws each chart from the JSON beside it, as static/dashboard.js does on the site.
DRAW_SCRIPT = (
    "<script>document.querySelectorAll(\"[data-figure]\").forEach(function (canvas) {"
    "var figure = JSON.parse(document.getElementById(canvas.getAttribute(\"data-figure\"))"
    ".textContent); canvas.hidden = false; Plotly.newPlot(canvas, figure.data, figure.layout,"
    " {\"displayModeBar\": false});});</script>"
)


def cell_text(value: Any) -> str:
    """A figure as printed in the report's tables: decimal comma; booleans as ja/nee."""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float | int):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def nl(value: Any) -> str:
    """``cell_text`` escaped for HTML, as it stands in a table cell."""
    return html.escape(cell_text(value))


def report_table(rows: Sequence[Mapping[str, Any]], caption: str = "") -> ChartTable:
    """A report table with every column of ``COLUMNS`` (the download), numbers Dutch."""
    columns = (Column(COLUMNS[0][1]),
               *(Column(label, name=key, number=True) for key, label in COLUMNS[1:]))
    return ChartTable(caption, columns, tuple(tuple(cell_text(r[key]) for key, _l in COLUMNS)
                                              for r in rows),
                      codes=tuple(str(r["code"]) for r in rows))


def report_chart(key: str, title: str, rows: Sequence[Mapping[str, Any]]) -> Chart:
    """Bars with their interval beside the table: the shown values, never below zero (a change
    may be), intervals clamped."""
    figure = bars_figure([str(r["label"]) for r in rows], [r["estimate"] for r in rows],
                         [r["lower"] for r in rows], [r["upper"] for r in rows])
    return Chart(key, title, figure, report_table(rows))


def plan_table_html(key: str, title: str, rows: Sequence[Mapping[str, Any]],
                    id_prefix: str = "") -> Markup:
    """A report table on the council's pages: description, number, and the 95% interval in
    words (muted when the figure is too uncertain)."""
    # gettext formats only when given a variable: without one, "%%" would stay "%%"
    columns = (Column(_("Omschrijving")), Column(_("Aantal"), name="estimate", number=True),
                Column(_("95%%-interval (marge)", table=key), name="interval", muted=True))
    table = ChartTable(title, columns,
                       tuple((r["label"], r["getal"], r["weergave"]) for r in rows),
                       codes=tuple(str(r["code"]) for r in rows),
                       uncertain=tuple(bool(r["te_onzeker"]) for r in rows))
    return table_html(table, caption_id=f"{id_prefix}{key}-caption",
                      attributes={"id": f"{id_prefix}{key}", "class": "figures plan-figures"})


def report_title(figures: Mapping[str, Any]) -> str:
    # "het Rijk" reads well in sentences ("in het Rijk"), not in a title.
    name = ("Rijksoverheid" if figures["organisation"] == RIJK
            else figures.get("organisation_name") or figures["organisation"])
    return f"Signalenrapportage sociale veiligheid {name} {figures['year']}"


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


def tables_html(figures: Mapping[str, Any]) -> list[str]:
    """Each table under its heading (the first starts the tables' part), chart beside it."""
    parts = []
    table_notes = figures.get("table_notes") or {}
    for index, (key, rows) in enumerate(figures["tables"].items()):
        title = figures["titles"][key]
        heading = " class=\"deel\"" if index == 0 else ""
        parts.append(f"<h2{heading}>{html.escape(title)}</h2>")
        if key in table_notes:
            parts.append(f"<p>{html.escape(table_notes[key])}</p>")
        if rows:
            parts.append(str(chart_html(report_chart(key, title, rows), level=None,
                                        css="figuren", table_attributes={"data-table": key})))
        else:
            table = table_html(report_table(rows), caption_id="", label=title,
                               attributes={"data-table": key})
            parts.append(f"<section class=\"figuren\">{table}</section>")
    return parts


def render_html(figures: Mapping[str, Any], signature: str | None = None) -> str:
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
    parts += tables_html(figures)
    parts.append(findings_html(figures).replace("<h2>", "<h2 class=\"deel\">", 1))
    organisations = figures.get("organisations") or {}
    if len(organisations) > 1:
        parts.append("<h2>Organisaties</h2><ul>" + "".join(
            f"<li>{html.escape(name)}</li>" for name in organisations.values()) + "</ul>")
    parts.append(check_html(figures, signature or signature_name(dict(figures))))
    parts.append(DRAW_SCRIPT)
    parts.append("</body></html>")
    return "\n".join(parts)


def margins_html(figures: Mapping[str, Any]) -> str:
    paragraphs = figures.get("margins") or []
    if not paragraphs:
        return ""
    return (f"<section class=\"marges\"><h2>{MARGINS_TITLE}</h2>"
            + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs) + "</section>")


def findings_html(figures: Mapping[str, Any]) -> str:
    check = figures.get("findings_check")
    if not check:
        return ""
    e = html.escape
    parts = ["<section class=\"opvallend\" data-section=\"wat-valt-op\"><h2>Wat valt op?</h2>",
             f"<p>{e(check['intro'])}</p>"]
    if check["period_text"]:
        parts.append(f"<p>{e(check['period_text'])}</p>")
    if check["note"]:
        parts.append(f"<p>{e(check['note'])}</p></section>")
        return "".join(parts)
    parts.append("<h3>Gevonden</h3>")
    if figures["findings"]:
        parts.append("<ul data-list=\"gevonden\">")
        for f in figures["findings"]:
            parts.append(
                f"<li data-unit=\"{e(f['unit'])}\" data-category=\"{e(f['category'])}\">"
                f"<p>{e(f['sentence_nl'])}</p><details open><summary>Hoe is dit berekend?"
                f"</summary><p>{e(f['explanation_nl'])}</p></details></li>")
        parts.append("</ul><p>Dat iets opvalt, is een reden om te kijken en in gesprek te gaan, "
                     "geen bewijs dat er iets mis is.</p>")
    else:
        parts.append("<p data-list=\"gevonden\">Geen enkel onderdeel heeft duidelijk meer zaken "
                     "dan je zou verwachten; dit verslag noemt daarom geen onderdeel.</p>")
    parts.append("<h3>Te klein om te beoordelen</h3>")
    groups = check["too_small_groups"]
    if groups:
        parts.append("<ul data-list=\"te-klein\">" + "".join(
            f"<li data-categories=\"{e(' '.join(g['categories']))}\">{e(g['text_nl'])} "
            "<details><summary>"
            f"Welke onderdelen?</summary><p>{e(', '.join(g['units']))}</p></details></li>"
            for g in groups) + "</ul>")
    else:
        parts.append("<p data-list=\"te-klein\">Geen: elk onderdeel is groot genoeg om te "
                     "beoordelen.</p>")
    parts.append(f"<h3>Niets gevonden</h3><p data-list=\"niets\">{e(check['nothing_text'])}</p>"
                 "</section>")
    return "".join(parts)


