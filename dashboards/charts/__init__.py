"""Charts: each a plotly figure with the table and CSV that carry its figures.

- ``table``: :class:`Chart`, :class:`ChartTable` and the CSV of a table (no Flask);
- ``figures``: the plotly figures (lines, heat maps, intervals, bars), readable without colour;
- ``render``: the one HTML renderer of a chart or table (dashboard, council portal, report);
- ``catalogue``: every dashboard chart declared once (key, page, builder).

The names most callers need are re-exported here.
"""

from dashboards.charts.figures import (
    MAX_HEIGHT,
    IntervalRow,
    Series,
    bars_figure,
    heatmap_figure,
    intervals_figure,
    lines_figure,
)
from dashboards.charts.table import (
    PAGE_ROWS,
    Chart,
    ChartTable,
    Column,
    Drawn,
    csv_cell,
    csv_text,
    figure_json,
    plotly_text,
    safe_filename,
)

__all__ = ["MAX_HEIGHT", "PAGE_ROWS", "Chart", "ChartTable", "Column", "Drawn", "IntervalRow",
           "Series", "bars_figure", "csv_cell", "csv_text", "figure_json", "heatmap_figure",
           "intervals_figure", "lines_figure", "plotly_text", "safe_filename"]
