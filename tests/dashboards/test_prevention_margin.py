"""The dashboard's "Wat betekent de marge?" states the typical margin of the figures on the
page itself (``dashboards.prevention.figures.typical_chart_margin``), not of figures shown
elsewhere: on the trends page the months' and quarters', not a year's categories'."""

from __future__ import annotations

import re
import statistics

from dashboards.charts.table import ChartTable, Column
from dashboards.prevention.figures import typical_chart_margin
from tests.dashboards.test_prevention_pages import officer, period, published  # noqa: F401

MARGIN_RE = re.compile(r"de marge ongeveer plus of min (\d+) zaken")
TABLE_RE = re.compile(r"<table.*?</table>", re.S)
CELL_RE = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)


def _number(text: str) -> float | None:
    """A whole number the Dutch way ("1.234"), else None ("te onzeker", a dash)."""
    plain = text.strip().replace(".", "")
    return float(plain) if plain.isdigit() else None


def rendered_margins(html: str) -> list[float]:
    """Half the width of each count's 95% interval as the page's tables show it: a table with
    a "Zaken" column followed by "95%-interval van" and "tot"; rows shown as a number only."""
    widths = []
    for table in TABLE_RE.findall(html):
        head, _sep, body = table.partition("</thead>")
        headers = [re.sub(r"<[^>]+>", "", h).strip() for h in CELL_RE.findall(head)]
        if "95%-interval van" not in headers:
            continue
        at = headers.index("95%-interval van")
        if headers[at - 1] not in ("Zaken", "Nieuwe zaken") or headers[at + 1] != "95%-interval tot":
            continue  # a rate or a share: not a number of cases
        for row in re.findall(r"<tr.*?</tr>", body, re.S):
            cells = CELL_RE.findall(row)
            value, low, high = (_number(c) for c in cells[at - 1:at + 2])
            if value is not None and low is not None and high is not None:
                widths.append((high - low) / 2)
    return widths


def test_the_stated_margin_is_the_median_margin_of_the_page_s_figures(client, officer):  # noqa: F811
    for page in ("/dashboard/", "/dashboard/opvolging"):
        html = client.get(page + period()).get_data(as_text=True)
        said = MARGIN_RE.search(html)
        widths = rendered_margins(html)
        assert widths, page
        assert said is not None, page
        assert int(said.group(1)) == round(statistics.median(widths)), page


def _table(rows: tuple[tuple[object, ...], ...], digits: int = 0) -> ChartTable:
    return ChartTable("t", (Column("Periode"), Column("Zaken", digits),
                            Column("95%-interval van", digits),
                            Column("95%-interval tot", digits)), rows)  # type: ignore[arg-type]


def test_only_counts_shown_as_a_number_count():
    counts = _table((("2025-01", 40.0, 28.0, 52.0), ("2025-02", 50.0, 36.0, 64.0),
                     ("2025-03", "te onzeker", 0.0, 19.0)))
    rates = _table((("2025-01", 1.25, 0.5, 9.75),), digits=2)
    assert typical_chart_margin([counts, rates]) == 13  # median of 12 and 14
    assert typical_chart_margin([rates]) is None
