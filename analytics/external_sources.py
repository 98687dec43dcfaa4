"""Published source tables behind the external reference figures, and figures computed from them.

Each source (``analytics/data/sources/<key>.json``) holds one published table as its publisher
gave it, with the URLs it was taken from, the publication year, the table's name and its exact
definition: population, period, and the question wording or registration rule. A reference
figure is never typed in by hand: it names a row (and, for a rate, the row with the headcount)
and is computed here, so that a wrong figure in ``external_benchmarks.json`` is caught by the
test that recomputes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources


class SourceUnit(StrEnum):
    PERCENT_OF_POPULATION = "percent_of_population"
    """A survey prevalence in percent of the population asked."""
    COUNT = "count"
    """A number of registered cases, or a headcount."""


@dataclass(frozen=True)
class SourceRow:
    key: str
    label_nl: str
    subject: str
    """What is counted, as a code (``intimidatie_intern``, ``integriteitsschending``, ...):
    a meldbereidheid ratio needs the same subject on both sides."""
    value: float
    population: str
    population_nl: str


@dataclass(frozen=True)
class SourceTable:
    key: str
    publisher: str
    short_name: str
    region: str
    title: str
    publication_year: int
    table_name: str
    urls: tuple[str, ...]
    url_note: str
    population: str
    """The population as a code, so that two sources can be matched on it."""
    population_nl: str
    period: str
    """The year the figures are about (not the publication year)."""
    period_nl: str
    measure_nl: str
    """The question wording or the registration rule."""
    unit: SourceUnit
    rows: tuple[SourceRow, ...]

    def row(self, key: str) -> SourceRow:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(f"{self.key} has no row {key!r}")


def _parse(data: dict) -> SourceTable:
    definition = data["definition"]
    rows = tuple(
        SourceRow(key=r["key"], label_nl=r["label_nl"], subject=r["subject"],
                  value=float(r["value"]),
                  population=r.get("population", definition["population"]),
                  population_nl=r.get("population_nl", definition["population_nl"]))
        for r in data["rows"])
    if len({r.key for r in rows}) != len(rows):
        raise ValueError(f"{data['key']}: row keys repeat")
    table = SourceTable(
        key=data["key"], publisher=data["publisher"], short_name=data["short_name"],
        region=data["region"], title=data["title"],
        publication_year=int(data["publication_year"]), table_name=data["table_name"],
        urls=tuple(data["urls"]), url_note=data["url_note"],
        population=definition["population"], population_nl=definition["population_nl"],
        period=definition["period"], period_nl=definition["period_nl"],
        measure_nl=definition["measure_nl"], unit=SourceUnit(data["unit"]), rows=rows)
    if not (table.urls and table.publisher and table.table_name and table.measure_nl):
        raise ValueError(f"{table.key}: a source needs URLs, publisher, table and definition")
    if table.unit is SourceUnit.PERCENT_OF_POPULATION and any(
            not 0 <= r.value <= 100 for r in rows):
        raise ValueError(f"{table.key}: a percentage lies outside 0-100")
    return table


@cache
def source_tables() -> dict[str, SourceTable]:
    """Every stored source table by key."""
    folder = resources.files("analytics.data.sources")
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            table = _parse(json.loads(entry.read_text(encoding="utf-8")))
            if entry.name != f"{table.key}.json":
                raise ValueError(f"{entry.name} holds source {table.key}")
            out[table.key] = table
    return out


def share_from(table: SourceTable, row: str) -> float:
    """A survey prevalence as a share (0-1) from a table in percent."""
    if table.unit is not SourceUnit.PERCENT_OF_POPULATION:
        raise ValueError(f"{table.key} holds no percentages")
    return table.row(row).value / 100


def rate_per_100_from(table: SourceTable, row: str, denominator: str) -> float:
    """Registered cases per 100 of the headcount, both from a table of counts."""
    if table.unit is not SourceUnit.COUNT:
        raise ValueError(f"{table.key} holds no counts")
    headcount = table.row(denominator).value
    if headcount <= 0:
        raise ValueError(f"{table.key}: headcount must be positive")
    return table.row(row).value / headcount * 100
