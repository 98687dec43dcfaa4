"""The signalenrapportage's summary (``analytics.report_summary``) and its margins: each
sentence is true of the figures the report shows."""

from __future__ import annotations

import re
import statistics
from typing import Any

from analytics.intervals import Estimate
from analytics.reading import Kind, display
from analytics.report import build_report
from analytics.report_summary import conclusions
from privacy.plan import RIJK
from tests.dashboards.test_council_pages import COMPLETE, publish_plan


def _row(code: str, value: float, half: float, kind: Kind = Kind.COUNT) -> dict[str, Any]:
    """A report row as ``analytics.report`` makes it, for a value with a 95% half-width."""
    shown = display(Estimate(value, (half / 1.959963984540054) ** 2), kind)
    return {"code": code, "label": code.capitalize(), "estimate": round(shown.value, 1),
            "lower": round(shown.lower, 1), "upper": round(shown.upper, 1),
            "half_width": round(shown.half_width, 1), "te_onzeker": shown.too_uncertain,
            "weergave": shown.text, "getal": shown.number}


def _figures(tables: dict[str, list[dict[str, Any]]], **extra: Any) -> dict[str, Any]:
    return {"year": 2025, "complete": True, "previous_year": 2024, "tables": tables, **extra}


def _all(summary: dict[str, list[str]]) -> str:
    return " ".join(summary["can"] + summary["cannot"])


def test_the_total_names_its_number_once_and_brackets_only_the_interval():
    summary = conclusions(_figures({"zaken_totaal": [_row("totaal", 640, 15)]}))
    assert "In 2025 waren er ongeveer 640 zaken (tussen 625 en 655)." in summary["can"]
    assert not re.search(r"\([^()]*\(", _all(summary))  # no bracket inside a bracket


def test_a_clear_change_brackets_only_once():
    change = [_row("totaal", 40, 20, Kind.CHANGE)]
    summary = conclusions(_figures({"zaken_totaal": [_row("totaal", 640, 15)],
                                    "verandering": change}))
    assert "Er waren duidelijk meer zaken dan in 2024 (verschil +40, tussen 20 en 60)." \
        in summary["can"]
    assert not re.search(r"\([^()]*\(", _all(summary))


def test_the_too_small_units_are_counted_once_each():
    # Three units, too small for two groups of categories: 3 units, not 5 pairs of groups.
    groups = [{"units": ["Directie A", "Directie B", "Directie C"]},
              {"units": ["Directie A", "Directie B"]}]
    pairs = [{"unit": u, "category": c} for u in ("A", "B", "C") for c in ("pesten", "racisme")]
    pairs += [{"unit": u, "category": "fraude"} for u in ("A", "B")]
    figures = _figures({}, findings=[], too_small=pairs,
                       findings_check={"too_small_groups": groups, "note": None})
    cannot = conclusions(figures)["cannot"]
    assert ("Of er iets opvalt bij 3 onderdelen: die zijn voor een of meer onderwerpen te klein "
            "om te beoordelen.") in cannot


def test_the_too_small_count_never_exceeds_the_units_of_the_report(services):
    years = publish_plan(services, years=(COMPLETE,))
    org = services.org()
    for unit in (RIJK, "MIN-A"):
        figures = build_report(unit, COMPLETE, years[COMPLETE], None, services.taxonomy, org)
        units = {p["unit"] for p in figures["too_small"]}
        for sentence in conclusions(figures)["cannot"]:
            said = re.match(r"Of er iets opvalt bij (\d+) onderde", sentence)
            if said:
                assert int(said.group(1)) == len(units), unit


def _margins_said(paragraphs: list[str]) -> tuple[int, int | None]:
    text = " ".join(paragraphs)
    most = re.search(r"Bij de meeste cijfers in dit verslag is de marge ongeveer ±(\d+) zaken",
                     text)
    per_category = re.search(r"Bij de cijfers per categorie is de marge ongeveer ±(\d+) zaken",
                             text)
    assert most is not None, text
    return int(most.group(1)), int(per_category.group(1)) if per_category else None


def test_the_typical_margin_is_that_of_the_figures_the_report_shows(services):
    years = publish_plan(services, years=(COMPLETE,))
    for unit in (RIJK, "MIN-A"):
        figures = build_report(unit, COMPLETE, years[COMPLETE], None, services.taxonomy,
                               services.org())
        shown = [r["half_width"] for key, rows in figures["tables"].items()
                 if key != "zonder_formele_opvolging" for r in rows]
        categories = [r["half_width"] for r in figures["tables"]["zaken_per_categorie"]]
        most, per_category = _margins_said(figures["margins"])
        assert most == round(statistics.median(shown)), unit
        expected = round(statistics.median(categories))
        if per_category is None:  # "ongeveer" covers a difference of one
            assert abs(most - expected) <= 1, unit
        else:
            assert per_category == expected and abs(per_category - most) > 1, unit
        # A clear category shows its margin: "N (tussen A en B)", B - A about twice it.
        for r in figures["tables"]["zaken_per_categorie"]:
            found = re.search(r"tussen (\d+) en (\d+)", r["weergave"].replace(".", ""))
            if found and not r["te_onzeker"]:
                assert abs((int(found.group(2)) - int(found.group(1))) / 2
                           - r["half_width"]) <= 1
