"""The one HTML renderer of charts and their tables: the dashboard, the council portal, the report.

A chart is its title, a canvas that ``dashboards/prevention/static/dashboard.js`` (or the
report's inline script) draws from the figure's JSON beside it, its notes, and its table, which
is the content without JavaScript. A table alone (the council portal's figures) is rendered the
same way. Every text is escaped here; the caller adds only its own links (``after``).

Flask-Babel's gettext translates on a page and gives the Dutch text outside a request (the
report written by the command line), so the same words serve both.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from markupsafe import Markup, escape

from dashboards.charts.table import Chart, ChartTable


def table_html(table: ChartTable, *, caption_id: str, whole: bool = True,
               attributes: Mapping[str, str] | None = None, label: str | None = None) -> Markup:
    """``table`` in a scrollable region; ``whole`` False shows its first ``PAGE_ROWS`` rows.

    ``attributes`` go on the table element (the council's id and class, the report's
    ``data-table``). Without a caption the region is named by ``label`` (the report names a
    table by the heading above it).
    """
    named = "".join(f' {name}="{escape(value)}"' for name, value in (attributes or {}).items())
    region = (f'aria-labelledby="{escape(caption_id)}"' if table.caption
             else f'aria-label="{escape(label or "")}"')
    caption = (f'\n    <caption id="{escape(caption_id)}">{escape(table.caption)}</caption>'
               if table.caption else "")
    head = "".join(f'<th scope="col"{c.attributes()}>{escape(c.label)}</th>'
                   for c in table.columns)
    body = table.body_html if whole else table.first_rows_html
    return Markup(  # noqa: S704 - every text is escaped above; body_html escapes its cells
        f'<div class="table-scroll" tabindex="0" role="region" {region}>\n'
        f"  <table{named}>{caption}\n"
        f"    <thead><tr>{head}</tr></thead>\n"
        f"    <tbody>\n{body}\n    </tbody>\n  </table>\n</div>")


def chart_html(chart: Chart, *, level: int | None = 2, whole: bool = True, css: str = "chart",
               after: str = "", table_attributes: Mapping[str, str] | None = None) -> Markup:
    """``chart`` as a section: heading (none when ``level`` is None), canvas, notes, table.

    ``after`` is the caller's own markup at the end of the section (links to all rows and to
    the CSV on the dashboard); it must be Markup already.
    """
    key = escape(chart.key)
    title = escape(chart.title)
    named = (f'aria-labelledby="titel-{key}"' if level is not None else f'aria-label="{title}"')
    heading = f'\n  <h{level} id="titel-{key}">{title}</h{level}>' if level is not None else ""
    canvas_label = escape(_("Grafiek: %(title)s. De cijfers staan in de tabel hieronder.",
                            title=chart.title))
    notes = "".join(f'\n  <p class="hint">{escape(note)}</p>' for note in chart.notes)
    table = table_html(chart.table, caption_id=f"tabel-{chart.key}", whole=whole,
                       attributes=table_attributes, label=chart.title)
    return Markup(  # noqa: S704 - every text is escaped above; the figure JSON cannot close
        f'<section class="{escape(css)}" {named}>{heading}\n'  # its script element
        f'  <div class="chart-canvas" data-figure="figuur-{key}" role="img"\n'
        f'       aria-label="{canvas_label}" hidden></div>\n'
        f'  <script type="application/json" id="figuur-{key}">{chart.figure_json}</script>'
        f"{notes}\n{table}\n{escape(after)}</section>")
