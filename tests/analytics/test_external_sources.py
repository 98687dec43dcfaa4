"""Every reference figure is reproduced from its stored source table, which names its source."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from analytics.external import ReferenceKind, benchmark_file, external_benchmarks, not_found_nl
from analytics.external_sources import SourceUnit, rate_per_100_from, share_from, source_tables


def test_every_source_table_names_url_publisher_year_table_and_definition() -> None:
    tables = source_tables()
    assert set(tables) == {"jbr-2015", "miv-2022", "nea-2021", "nea-2023"}
    for table in tables.values():
        assert table.urls and all(u.startswith("http") for u in table.urls)
        assert table.publisher and table.table_name and table.url_note
        assert 2015 <= table.publication_year <= 2026
        assert table.population and table.population_nl and table.period_nl
        assert table.measure_nl and table.rows


@pytest.mark.parametrize("item", [b for b in benchmark_file()["benchmarks"] if "source_table" in b],
                         ids=lambda b: b["key"])
def test_each_stored_figure_is_reproduced_from_its_source_table(item) -> None:
    table = source_tables()[item["source_table"]]
    if item["kind"] == "survey_prevalence":
        assert table.unit is SourceUnit.PERCENT_OF_POPULATION
        computed = table.row(item["row"]).value / 100
    else:
        assert table.unit is SourceUnit.COUNT
        computed = table.row(item["row"]).value / table.row(item["denominator"]).value * 100
    decimals = len(str(item["value"]).partition(".")[2])
    assert round(computed, decimals) == item["value"]
    loaded = {b.key: b for b in external_benchmarks(include_foreign=True)}[item["key"]]
    assert loaded.low == pytest.approx(computed)
    assert loaded.years == (int(table.period),)


def test_the_published_numbers_are_those_of_the_sources() -> None:
    tables = source_tables()
    assert share_from(tables["nea-2021"], "intimidatie_intern") == pytest.approx(0.09)
    assert share_from(tables["nea-2021"], "intimidatie_extern") == pytest.approx(0.18)
    assert share_from(tables["nea-2023"], "ongewenst_gedrag") == pytest.approx(0.17)
    assert share_from(tables["miv-2022"], "medewerkers_agressie") == pytest.approx(0.33)
    jbr = tables["jbr-2015"]
    assert (jbr.row("vermoedelijke_schendingen").value,
            jbr.row("geconstateerde_schendingen").value) == (884, 557)
    assert rate_per_100_from(jbr, "vermoedelijke_schendingen", "medewerkers") == pytest.approx(
        0.8036, abs=1e-4)
    with pytest.raises(ValueError):
        share_from(jbr, "medewerkers")  # counts are not percentages


def test_each_kind_comes_from_the_matching_kind_of_table() -> None:
    for b in external_benchmarks():
        unit = source_tables()[b.source_key].unit if b.source_key else None
        expected = (SourceUnit.PERCENT_OF_POPULATION if b.kind is ReferenceKind.SURVEY_PREVALENCE
                    else SourceUnit.COUNT)
        assert unit is expected


def test_a_stored_figure_that_differs_from_its_source_is_refused(monkeypatch) -> None:
    data = json.loads(json.dumps(benchmark_file()))
    data["benchmarks"][0]["value"] = 0.9  # the table gives 0.80
    monkeypatch.setattr("analytics.external.benchmark_file", lambda: data)
    with pytest.raises(ValueError, match="source table gives"):
        external_benchmarks()


def test_what_was_not_found_is_said_and_not_made_up() -> None:
    missing = " ".join(not_found_nl())
    assert "Monitor Integriteit en Veiligheid" in missing and "2015" in missing
    files = [e.name for e in resources.files("analytics.data.sources").iterdir()]
    assert sorted(f for f in files if f.endswith(".json")) == [
        "jbr-2015.json", "miv-2022.json", "nea-2021.json", "nea-2023.json"]
