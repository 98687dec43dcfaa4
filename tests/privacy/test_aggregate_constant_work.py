"""The work of an exact release does not depend on how many signals match its filters.

A timing assertion would flake on a shared machine, so these tests count the work instead:
the SQL statement and its parameters, the rows fetched, and every numpy call of
``privacy.aggregate`` with the shapes of its arguments must be the same for a spec that matches
no signal and one that matches all of them; and no polars step may drop rows. The timing
itself is measured by bench/bench_release_timing.py (docs/assurance.md).

Because every filter is now a mask rather than a WHERE clause, a second test checks the counts
against a plain Python oracle of the bounded counting (filters, first C categories, K contacts
per case, coarsening, once per case for "cases") on random rows and filters.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from privacy import aggregate
from privacy.aggregate import count_rows, exact_table
from privacy.coarsening import coarsen_map, released_units
from privacy.contributions import ContributionBounds
from privacy.pseudonyms import new_case_token
from privacy.specs import QuerySpec
from privacy.tables import key_grid
from registry.organisations import parse_org_csv
from registry.periods import Month, bucket
from registry.records import SignalRecord
from registry.taxonomy import load_taxonomy

FIXTURES = Path(__file__).parent.parent / "fixtures"
TAXONOMY = load_taxonomy()
ORG = parse_org_csv((FIXTURES / "org-small.csv").read_text())
TODAY = Month(2026, 1)
CATEGORIES = TAXONOMY.codes("categories")
IMPACTS = TAXONOMY.codes("impact")
SINGLE = ("channel", "implicated_party", "reporter_role", "follow_up")

# Specs with the same table (contacts or cases per month and category, so the same grid) whose
# filters match every stored signal, some of them, or none.
MATCHING = {
    "all": {},
    "all, spelled out": {"organisation": ["MIN-A", "MIN-B"],
                         "channel": TAXONOMY.codes("channel")},
    "one organisation": {"organisation": ["MIN-B"]},
    "an empty unit": {"unit": ["MIN-B-D1"]},
    "an unused channel": {"channel": ["meldpunt"]},
}


class _Traced:
    """Stands in for numpy inside privacy.aggregate and logs every call with argument shapes."""

    def __init__(self, target: Any, name: str, log: list[tuple[Any, ...]]) -> None:
        self._target, self._name, self._log = target, name, log

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._target, attr)
        if isinstance(value, type) or not callable(value):
            return value  # dtypes and constants stay themselves
        return _Traced(value, f"{self._name}.{attr}", self._log)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        result = self._target(*args, **kwargs)
        self._log.append((self._name, _shape(args), _shape(sorted(kwargs.items())),
                          "->", _shape(result)))
        return result


def _shape(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return ("array", value.shape, str(value.dtype))
    if isinstance(value, list | tuple):
        return tuple(map(_shape, value))
    return value if isinstance(value, int | float | str | bool | type(None)) else type(value)


def _record(period: str, unit: str, categories: list[str], case: str | None = None,
            impact: tuple[str, ...] = ()) -> SignalRecord:
    return SignalRecord(
        period=Month.parse(period), unit=unit, organisation=ORG.get(unit).organisation,
        channel="vp_intern", categories=tuple(sorted(categories, key=CATEGORIES.index)),
        implicated_party="collega", reporter_role="medewerker", follow_up="advies",
        impact=impact, case_token=case)


@pytest.fixture
def stored(services: Any) -> Iterator[Any]:
    case = new_case_token()
    services.signals.store_many([
        _record("2025-01", "MIN-A-DG1-D1", ["pesten"]),
        _record("2025-02", "MIN-A-DG1-D2-T1", ["pesten", "intimidatie"], impact=("verzuim",)),
        _record("2025-03", "MIN-B-D2", ["werkdruk"]),
        *[_record("2025-03", "MIN-A-DG2", ["conflict_collega"], case=case) for _ in range(5)],
        _record("2024-11", "MIN-B", ["pesten"]),  # another data year: never fetched
    ], receipts=False)
    yield services


def _trace(services: Any, spec: QuerySpec, monkeypatch: pytest.MonkeyPatch,
           ) -> tuple[list[Any], np.ndarray]:
    """Everything that could make the work differ: statements, rows, numpy calls."""
    log: list[Any] = []
    engine = services.db.engine

    def statement(conn: Any, cursor: Any, sql: str, parameters: Any, context: Any,
                  executemany: bool) -> None:
        log.append(("sql", sql, repr(parameters)))

    def fetch(*args: Any) -> pl.DataFrame:
        frame = real_fetch(*args)
        log.append(("fetched", frame.height, tuple(frame.columns)))
        return frame

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a step dropped rows")

    real_fetch = aggregate._fetch
    with monkeypatch.context() as patch:
        patch.setattr(aggregate, "_fetch", fetch)
        patch.setattr(aggregate, "np", _Traced(np, "np", log))
        for method in ("filter", "drop_nulls", "unique", "head", "slice", "sample"):
            patch.setattr(pl.DataFrame, method, forbidden)
        event.listen(engine, "before_cursor_execute", statement)
        try:
            exact = exact_table(services.db, spec, TAXONOMY, services.org(), threshold=50)
        finally:
            event.remove(engine, "before_cursor_execute", statement)
    return log, exact.counts


@pytest.mark.parametrize("measure", ["contacts", "cases"])
def test_the_work_is_the_same_whether_all_some_or_no_signals_match(
    stored: Any, measure: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    traces, totals = {}, {}
    for name, filters in MATCHING.items():
        spec = QuerySpec.from_json(
            {"measure": measure, "group_by": ["period", "category"], "filters": filters,
             "from": "2025-01", "to": "2025-06", "epsilon": "1"},
            TAXONOMY, stored.org(), TODAY)
        traces[name], counts = _trace(stored, spec, monkeypatch)
        totals[name] = int(counts.sum())
    # The filters do match very different numbers of signals ...
    # pesten, pesten + intimidatie, werkdruk, and 3 of the case's 5 contacts (K = 3).
    assert totals == {"all": 7 if measure == "contacts" else 5, "all, spelled out": totals["all"],
                      "one organisation": 1, "an empty unit": 0, "an unused channel": 0}
    # ... and yet the same statement, the same rows and the same numpy work, call for call.
    reference = traces["all"]
    assert any(entry[0] == "sql" for entry in reference)
    assert ("fetched", 8, tuple(aggregate.SIGNAL_COLUMNS)) in reference
    assert sum(1 for entry in reference if entry[0] == "np.bincount") == len(CATEGORIES)
    for name, trace in traces.items():
        assert trace == reference, name


def test_the_statement_depends_on_the_data_years_only() -> None:
    def sql(**json: Any) -> str:
        spec = QuerySpec.from_json({"measure": "contacts", "from": "2025-02", "to": "2025-04",
                                    "epsilon": "1", **json}, TAXONOMY, ORG, TODAY)
        statement = aggregate._signal_query(spec, ORG, CATEGORIES, IMPACTS, "sqlite")
        return str(statement.compile(compile_kwargs={"literal_binds": True}))

    plain = sql()
    assert "'2025-01'" in plain and "'2025-12'" in plain
    assert sql(group_by=["unit", "impact"], filters={"unit": ["MIN-A-DG1"],
                                                     "category": ["pesten"]}) == plain
    assert sql(**{"from": "2025-11", "to": "2025-11"}) == plain
    assert sql(**{"from": "2024-12"}) != plain


# The oracle: the bounded counting written out row by row in plain Python.

def _oracle(rows: list[dict[str, Any]], spec: QuerySpec, bounds: ContributionBounds,
            threshold: int) -> list[int]:
    grid = key_grid(spec, TAXONOMY, ORG, threshold)
    released = coarsen_map(ORG, threshold)
    units = {c for top in spec.filters.get("unit", ()) for c in ORG.subtree(top)}

    def kept_codes(mask: int, codes: list[str], limit: int) -> list[str]:
        return [code for i, code in enumerate(codes) if mask >> i & 1][:limit]

    def passes(row: dict[str, Any]) -> bool:
        f = spec.filters
        categories = kept_codes(row["mask"], CATEGORIES, bounds.categories_per_signal)
        return (str(spec.start) <= row["period"] <= str(spec.end) and row["unit"] in released
                and ("organisation" not in f or row["organisation"] in f["organisation"])
                and ("unit" not in f or row["unit"] in units)
                and all(name not in f or row[name] in f[name] for name in SINGLE)
                and ("category" not in f or bool(set(categories) & set(f["category"]))))

    by_case: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for i, row in enumerate(rows):
        if passes(row):
            by_case[row["case"] if row["case"] is not None else ("lone", i)].append(row)
    seen: set[Any] = set()
    counts: dict[tuple[str, ...], int] = defaultdict(int)
    for unit_key, members in by_case.items():
        for row in sorted(members, key=lambda r: r["id"])[:bounds.contacts_per_case]:
            values = {"period": [bucket(Month.parse(row["period"]), spec.grain)],
                      "unit": [released[row["unit"]]],
                      "category": kept_codes(row["mask"], CATEGORIES,
                                             bounds.categories_per_signal),
                      "impact": kept_codes(row["imask"], IMPACTS, 2),
                      **{name: [row[name]] for name in SINGLE}}
            for key in itertools.product(*(values[name] for name in spec.group_by)):
                if spec.measure == "contacts":
                    counts[key] += 1
                elif (key, unit_key) not in seen:
                    seen.add((key, unit_key))
                    counts[key] += 1
    return [counts.get(key, 0)
            for key in itertools.product(*(d.codes for d in grid.dimensions))]


@st.composite
def _rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for i in range(draw(st.integers(0, 25))):
        unit = draw(st.sampled_from([*(u.code for u in ORG.units), "GEEN-ONDERDEEL"]))
        rows.append({
            "period": f"2025-{draw(st.integers(1, 12)):02d}",
            "unit": unit,
            "organisation": ORG.get(unit).organisation if unit in ORG else "MIN-A",
            "case": draw(st.sampled_from([None, None, "a", "b", "c"])),
            "id": f"{draw(st.integers(0, 2**32)):010x}{i:04d}",
            "mask": draw(st.integers(0, 2**len(CATEGORIES) - 1)),
            "imask": draw(st.integers(0, 3)),
            **{name: draw(st.sampled_from(TAXONOMY.codes(name)[:2])) for name in SINGLE},
        })
    return rows


@st.composite
def _filters(draw: st.DrawFn) -> dict[str, list[str]]:
    options: dict[str, Callable[[], list[str]]] = {
        "organisation": lambda: ["MIN-B"],
        "unit": lambda: [draw(st.sampled_from(released_units(ORG, 50)))],
        "category": lambda: draw(st.lists(st.sampled_from(CATEGORIES[:5]), min_size=1,
                                          max_size=3, unique=True)),
        "channel": lambda: [TAXONOMY.codes("channel")[0]],
        "follow_up": lambda: TAXONOMY.codes("follow_up")[1:3],
    }
    chosen = draw(st.lists(st.sampled_from(sorted(options)), unique=True, max_size=3))
    filters = {name: options[name]() for name in chosen}
    if "unit" in filters and "organisation" in filters:
        del filters["organisation"]
    return filters


@settings(max_examples=150, deadline=None)
@given(
    rows=_rows(),
    filters=_filters(),
    measure=st.sampled_from(["contacts", "cases"]),
    group_by=st.lists(st.sampled_from(["period", "unit", "category", "channel", "impact"]),
                      unique=True, max_size=3),
    span=st.tuples(st.integers(1, 12), st.integers(0, 11)),
    k=st.integers(1, 4),
    c=st.integers(1, 4),
)
def test_masked_counting_equals_filtering_first(
    rows: list[dict[str, Any]], filters: dict[str, list[str]], measure: str,
    group_by: list[str], span: tuple[int, int], k: int, c: int,
) -> None:
    first = Month(2025, span[0])
    spec = QuerySpec.from_json(
        {"measure": measure, "group_by": group_by, "filters": filters, "from": str(first),
         "to": str(min(first.add(span[1]), Month(2025, 12))), "grain": "month",
         "epsilon": "1"}, TAXONOMY, ORG, TODAY)
    bounds = ContributionBounds(contacts_per_case=k, categories_per_signal=c)
    schema = {name: (pl.Int64 if name in ("mask", "imask") else pl.String)
              for name in aggregate.SIGNAL_COLUMNS}
    frame = pl.DataFrame(rows, schema=schema)
    grid = key_grid(spec, TAXONOMY, ORG, 50)
    counts = count_rows(frame, spec, grid, TAXONOMY, ORG, 50, bounds)
    assert counts.tolist() == _oracle(rows, spec, bounds, 50)
