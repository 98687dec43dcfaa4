"""A chart's content: its table of figures (HTML and CSV) beside the plotly figure that draws it.

A :class:`Chart` is a plotly figure (plain ``{"data", "layout"}`` dicts, which plotly.js draws
as they are) plus a :class:`ChartTable` with the same figures and their 95% intervals. The
table is the content: it is rendered as HTML for everyone (``dashboards.charts.render``) and
offered as CSV; the figure is progressive enhancement, drawn when JavaScript runs.

No Flask here: pages and downloads of any blueprint, and the offline report, use these.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from markupsafe import Markup, escape

from analytics.intervals import nl_number
from privacy.exports import spreadsheet_safe

Cell = str | int | float | None
Figure = dict[str, Any]

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
# A table on a page shows this many rows in its own order (periods, DG rows, the taxonomy; never
# ranked by a noisy value); the rest is one click ("toon alle rijen") or the CSV away.
PAGE_ROWS = 40
# The cell class of a figure that is too uncertain to read as a number (council.css mutes it).
UNCERTAIN_CLASS = "near-zero"


@dataclass(frozen=True)
class Column:
    label: str
    digits: int | None = None
    """Decimals for a numeric column; None for text."""
    name: str | None = None
    """The cell's ``data-col`` (the report's and the council's tables name their columns)."""
    number: bool = False
    """Set right like a numeric column, though its cells come formatted as text."""
    muted: bool = False
    """Muted (``UNCERTAIN_CLASS``) in a row whose figure is too uncertain."""

    @property
    def numeric(self) -> bool:
        return self.digits is not None or self.number

    def attributes(self, uncertain: bool = False) -> str:
        classes = [c for c, on in (("num", self.numeric), (UNCERTAIN_CLASS, self.muted and uncertain))
                   if on]
        css = f' class="{" ".join(classes)}"' if classes else ""
        return css + (f' data-col="{escape(self.name)}"' if self.name else "")


@dataclass(frozen=True)
class ChartTable:
    """The figures of one chart: the first cell of every row is that row's header."""

    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    codes: tuple[str, ...] = ()
    """Each row's code (``data-code``), when the rows have one."""
    uncertain: tuple[bool, ...] = ()
    """Which rows are too uncertain to read as a number (their ``muted`` cells are muted)."""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"row {row!r} does not have {len(self.columns)} cells")
        for extra in (self.codes, self.uncertain):
            if extra and len(extra) != len(self.rows):
                raise ValueError(f"{len(extra)} row marks for {len(self.rows)} rows")

    def display(self, index: int, value: Cell) -> str:
        """A cell as shown on the page: numbers the Dutch way, nothing as a dash."""
        if value is None:
            return "–"
        digits = self.columns[index].digits
        if digits is not None and isinstance(value, int | float) and not isinstance(value, bool):
            return nl_number(float(value), digits)
        return str(value)

    @cached_property
    def body_html(self) -> Markup:
        """The rows as HTML, every cell escaped; built once per table (tables are immutable).

        Written here rather than in a template loop: a heat map table has thousands of cells,
        and a Jinja loop over them costs more than the rest of the page.
        """
        return self.rows_html(len(self.rows))

    @cached_property
    def first_rows_html(self) -> Markup:
        """The first ``PAGE_ROWS`` rows, in the table's own (public) order, for the page."""
        return self.rows_html(PAGE_ROWS)

    @property
    def cut(self) -> bool:
        """True when the page shows only the first ``PAGE_ROWS`` rows."""
        return len(self.rows) > PAGE_ROWS

    def rows_html(self, limit: int) -> Markup:
        parts = []
        for r, row in enumerate(self.rows[:limit]):
            uncertain = bool(self.uncertain) and self.uncertain[r]
            code = f' data-code="{escape(self.codes[r])}"' if self.codes else ""
            cells = [f'<th scope="row">{escape(self.display(0, row[0]))}</th>']
            for i in range(1, len(row)):
                cells.append(f"<td{self.columns[i].attributes(uncertain)}>"
                             f"{escape(self.display(i, row[i]))}</td>")
            parts.append(f"<tr{code}>" + "".join(cells) + "</tr>")
        return Markup("\n".join(parts))  # noqa: S704 - every cell is escaped above


@dataclass(frozen=True)
class Chart:
    key: str
    """Stable name of the chart: the HTML id and the name of its CSV download."""
    title: str
    figure: Figure
    table: ChartTable
    notes: tuple[str, ...] = field(default_factory=tuple)

    @cached_property
    def figure_json(self) -> str:
        return figure_json(self.figure)


@dataclass(frozen=True)
class Drawn:
    """A chart as its builder makes it; ``dashboards.charts.catalogue`` gives it its key."""

    title: str
    figure: Figure
    table: ChartTable
    notes: tuple[str, ...] = ()


def plotly_text(text: str) -> str:
    """``text`` as plotly.js shows it: always as the characters typed, never as markup.

    plotly.js reads a small HTML subset in every label, legend entry, axis tick, annotation and
    hover text: ``<a href=...>`` becomes a link, ``<b>``, ``<br>`` and ``<span style=...>`` change
    the text. Unit and organisation names are typed in by administrators (and by whoever wrote
    the organisation file they upload), so every text that goes into a figure is escaped here;
    plotly turns the entities back into the characters.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def figure_json(figure: Figure) -> str:
    """JSON safe inside ``<script type="application/json">``: no way to close the element."""
    text = json.dumps(figure, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# -- CSV -------------------------------------------------------------------------------------

def csv_cell(value: Cell, digits: int | None = None) -> str:
    """A value for a spreadsheet: numbers stay numbers, text never starts a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int | float):
        if isinstance(value, float) and digits is not None:
            return f"{round(value, digits) + 0.0:.{digits}f}"  # + 0.0 turns -0.0 into 0.0
        return str(value)
    return str(spreadsheet_safe(str(value)))


def csv_text(table: ChartTable) -> str:
    """The table as CSV (UTF-8 with byte order mark, so spreadsheets read the accents)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(c.label) for c in table.columns])
    for row in table.rows:
        writer.writerow([csv_cell(v, c.digits) for v, c in zip(row, table.columns, strict=True)])
    return "\ufeff" + out.getvalue()


def safe_filename(*parts: str, extension: str = "csv") -> str:
    """Letters, digits, dot, dash and underscore only: nothing a header or shell can misread."""
    stem = "-".join(p for p in (_UNSAFE_FILENAME.sub("_", part).strip("._-") for part in parts) if p)
    return f"{stem or 'download'}.{extension}"
