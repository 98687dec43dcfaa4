"""The plot of bench_peers.py's results; runs in ``.venv-peers`` (matplotlib lives there only).

    .venv-peers/bin/python bench/peers_plot.py OUT.png RESULTS.json [RESULTS.json ...]

Several result files (one per size, from ``bench_peers.py --json``) are merged; an approach that
has no figure for a size (a run still going) is left out of that group and named "n/a".
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ORDER = ("exact", "product", "context", "smartnoise")
LABELS = {"exact": "exact (geen privacy)", "product": "dit product", "context": "OpenDP Context",
          "smartnoise": "SmartNoise SQL"}
COLOURS = {"exact": "#999999", "product": "#154273", "context": "#7a9cc4",
           "smartnoise": "#c45a1a"}


def main() -> None:
    results: dict[str, dict[str, dict[str, float]]] = {}
    for path in sys.argv[2:]:
        results.update(json.loads(Path(path).read_text(encoding="utf-8")))
    sizes = sorted(results, key=int)
    figure, (time_axis, error_axis) = plt.subplots(1, 2, figsize=(10, 4))
    width = 0.8 / len(ORDER)
    for i, approach in enumerate(ORDER):
        xs = [j + (i - 1.5) * width for j in range(len(sizes))]
        for axis, key in ((time_axis, "seconds"), (error_axis, "mae")):
            values = [results[n].get(approach, {}).get(key) for n in sizes]
            axis.bar([x for x, v in zip(xs, values, strict=True) if v is not None],
                     [v for v in values if v is not None], width, label=LABELS[approach],
                     color=COLOURS[approach])
            for n, x, v in zip(sizes, xs, values, strict=True):
                missing = results[n].get(approach, {}).get("missing_keys", 0)
                if key == "mae" and v is not None and missing:
                    # A dropped key reads as 0 on a dashboard; say so, or the bar looks good.
                    axis.text(x, v, f"{int(missing):,} sleutels\nweggelaten".replace(",", "."),
                              ha="center", va="bottom", fontsize=7)
                if v is None:
                    axis.text(x, 0.02, "n/a", transform=axis.get_xaxis_transform(),
                              ha="center", va="bottom", fontsize=7, rotation=90)
    for axis, title in ((time_axis, "Rekentijd (s, log)"),
                        (error_axis, "Gemiddelde absolute fout per cel")):
        axis.set_xticks(range(len(sizes)), [f"{int(n):,} signalen".replace(",", ".")
                                            for n in sizes])
        axis.set_title(title)
        axis.spines[["top", "right"]].set_visible(False)
    time_axis.set_yscale("log")
    handles, labels = time_axis.get_legend_handles_labels()
    figure.legend(handles, labels, frameon=False, fontsize=9, loc="lower center", ncol=len(ORDER))
    figure.suptitle("Dashboardtabel (maand x onderdeel x categorie), epsilon 1, één run per aanpak")
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    figure.savefig(sys.argv[1], dpi=120)


if __name__ == "__main__":
    main()
