"""Follow-up outcomes in the release plan: a year table per outcome field and organisation, each
case's mass 1 over the codes recorded for it (or whole in 'niet vastgelegd'), within the plan's
unchanged rho; counted from what the outcome service stored, in the case's first data year."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privacy.plan import OUTCOME_DIMENSIONS, PLAN_RHO, PLAN_TABLES, Part, plan_table
from privacy.plan_counts import SIGNAL_COLUMNS, exact_plan_table, load_year, plan_grid
from privacy.pseudonyms import new_case_token
from registry.organisations import parse_org_csv
from registry.outcomes import OutcomeRecord
from registry.periods import Month
from registry.records import SignalRecord
from registry.taxonomy import load_taxonomy
from registry.taxonomy.outcomes import NOT_RECORDED, OUTCOME_FIELDS, load_outcome_codes

TAXONOMY = load_taxonomy()
CODES = load_outcome_codes()
YEAR = 2026
ORG = parse_org_csv("""code,name,parent,organisation,headcount
MIN-A,Ministerie A,,MIN-A,1000
MIN-A-D1,Directie A1,MIN-A,MIN-A,600
MIN-B,Ministerie B,,MIN-B,800
""")
SCHEMA = {name: (pl.Int64 if name in ("mask", "imask") else pl.String) for name in SIGNAL_COLUMNS}
OUTCOME_TABLES = [t for t in PLAN_TABLES if t.dimension in OUTCOME_DIMENSIONS]


def mask(field: str, codes: list[str]) -> int | None:
    order = CODES.codes(field)
    return sum(1 << order.index(c) for c in codes) or None


def row(case: str | None, unit: str, period: str = "2026-03", **outcomes: list[str]) -> dict:
    out = {"id": f"{case}-{unit}-{period}", "period": period, "unit": unit,
           "organisation": ORG.get(unit).organisation, "case": case, "channel": "vp_intern",
           "implicated_party": "collega", "reporter_role": "medewerker", "follow_up": "advies",
           "mask": 1, "imask": None}
    for field in OUTCOME_FIELDS:
        value = mask(field, outcomes.get(field, []))
        out[f"o_{field}"] = None if value is None else str(value)
    return out


def cells(rows: list[dict], name: str) -> dict[tuple[str, str], float]:
    table = plan_table(name)
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    exact = exact_plan_table(frame, table, YEAR, TAXONOMY, ORG)
    grid = plan_grid(table, YEAR, TAXONOMY, ORG)
    return {(unit, code): float(m) for (unit, _p, code), m in zip(grid.keys(), exact.mass,
                                                                  strict=True) if m}


def test_the_outcome_tables_are_yearly_per_organisation_within_the_same_plan_rho():
    assert {t.dimension for t in OUTCOME_TABLES} == OUTCOME_DIMENSIONS
    assert {t.name for t in OUTCOME_TABLES} == {f"org_{f}" for f in OUTCOME_FIELDS}
    assert all(t.part is Part.YEAR and t.level.value == "organisation" for t in OUTCOME_TABLES)
    assert sum((t.rho for t in OUTCOME_TABLES), Fraction(0)) == Fraction("0.012")
    assert Fraction("0.226") == PLAN_RHO  # taken from the other tables, not added on top


def test_each_case_counts_once_over_its_codes_or_whole_as_not_recorded():
    rows = [
        row("c1", "MIN-A-D1", feedback_3m=["ja"], measures=["gesprek", "waarschuwing"]),
        row("c1", "MIN-A", "2026-05", feedback_3m=["ja"], measures=["gesprek", "waarschuwing"]),
        row("c2", "MIN-A", feedback_3m=["nee"], measures=["geen_maatregel"]),
        row("c3", "MIN-B"),  # nothing recorded
        row(None, "MIN-B"),  # no case token: a case of its own, never with an outcome
    ]
    assert cells(rows, "org_feedback_3m") == {("MIN-A", "ja"): 1, ("MIN-A", "nee"): 1,
                                              ("MIN-B", NOT_RECORDED): 2}
    assert cells(rows, "org_measures") == pytest.approx({
        ("MIN-A", "gesprek"): 0.5, ("MIN-A", "waarschuwing"): 0.5,
        ("MIN-A", "geen_maatregel"): 1, ("MIN-B", NOT_RECORDED): 2})
    assert cells(rows, "org_outcome") == {("MIN-A", NOT_RECORDED): 2, ("MIN-B", NOT_RECORDED): 2}


def _outcomes(draw_codes: st.DrawFn) -> dict[str, list[str]]:
    out = {}
    for field in OUTCOME_FIELDS:
        spec = CODES.fields[field]
        size = 3 if spec.multiple else 1
        out[field] = draw_codes(st.lists(st.sampled_from(CODES.codes(field)), max_size=size,
                                         unique=True))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), units=st.lists(st.sampled_from(["MIN-A", "MIN-A-D1", "MIN-B"]),
                                      min_size=1, max_size=4))
def test_adding_one_case_moves_each_outcome_table_by_at_most_one(data, units):
    background = [row(f"b{i}", unit, **_outcomes(data.draw))
                  for i, unit in enumerate(["MIN-A", "MIN-B", "MIN-A-D1", "MIN-B"])]
    outcomes = _outcomes(data.draw)
    extra = [row("new", unit, f"2026-{i + 1:02d}", **outcomes) for i, unit in enumerate(units)]
    for table in OUTCOME_TABLES:
        frame_with = pl.DataFrame(background + extra, schema=SCHEMA, orient="row")
        frame_without = pl.DataFrame(background, schema=SCHEMA, orient="row")
        change = (exact_plan_table(frame_with, table, YEAR, TAXONOMY, ORG).mass
                  - exact_plan_table(frame_without, table, YEAR, TAXONOMY, ORG).mass)
        assert (change >= -1e-12).all(), table.name
        assert float(change.sum()) == pytest.approx(1), table.name
        assert float(np.linalg.norm(change)) <= 1 + 1e-9, table.name


# -- from the database: what the outcome service stored, in the case's first data year ---------


def _signal(services, token: str, period: Month, unit: str = "MIN-A-DG1-D1") -> None:  # type: ignore[no-untyped-def]
    services.signals.store(SignalRecord(
        period=period, unit=unit, organisation=services.org().get(unit).organisation,
        channel="vp_intern", categories=("pesten",), implicated_party="collega",
        reporter_role="medewerker", follow_up="advies", case_token=token))


def _record(services, token: str, month: Month, **fields: object) -> None:  # type: ignore[no-untyped-def]
    record = OutcomeRecord.from_payload(
        {"case_token": token, "month": str(month), "fields": fields}, CODES)
    services.outcomes.record(record, frozenset({"MIN-A", "MIN-B"}))


def test_stored_outcomes_count_in_the_first_data_year_and_the_latest_value_counts(services):
    last_year = Month.current().year - 1
    december, january = Month(last_year, 12), Month(last_year + 1, 1)
    over_new_year, plain, untouched = new_case_token(), new_case_token(), new_case_token()
    _signal(services, over_new_year, december)
    _signal(services, over_new_year, january)
    _signal(services, plain, Month(last_year, 6), unit="MIN-B-D1")
    _signal(services, untouched, Month(last_year, 7))
    _record(services, over_new_year, january, feedback_3m="nee", employer_acted="ja")
    _record(services, over_new_year, january, feedback_3m="ja")  # later news replaces "nee"
    _record(services, plain, Month(last_year, 9), feedback_3m="nee",
            aftercare=["melder", "getuigen"])

    def year_cells(year: int, name: str) -> dict[tuple[str, str], float]:
        table = plan_table(name)
        exact = exact_plan_table(load_year(services.db.engine, year, services.taxonomy), table,
                                 year, services.taxonomy, services.org())
        grid = plan_grid(table, year, services.taxonomy, services.org())
        return {(u, c): float(m) for (u, _p, c), m in zip(grid.keys(), exact.mass, strict=True)
                if m}

    assert year_cells(last_year, "org_feedback_3m") == {
        ("MIN-A", "ja"): 1, ("MIN-A", NOT_RECORDED): 1, ("MIN-B", "nee"): 1}
    assert year_cells(last_year, "org_employer_acted") == {
        ("MIN-A", "ja"): 1, ("MIN-A", NOT_RECORDED): 1, ("MIN-B", NOT_RECORDED): 1}
    assert year_cells(last_year, "org_aftercare") == pytest.approx({
        ("MIN-A", NOT_RECORDED): 2, ("MIN-B", "melder"): 0.5, ("MIN-B", "getuigen"): 0.5})
    # In January's data year the same token is another case (keyed per year): no outcome there.
    assert year_cells(last_year + 1, "org_feedback_3m") == {("MIN-A", NOT_RECORDED): 1}


def test_the_published_year_release_holds_the_outcome_tables(services):
    last_year = Month.current().year - 1
    token = new_case_token()
    _signal(services, token, Month(last_year, 4))
    _record(services, token, Month(last_year, 8), feedback_3m="ja")
    release = services.plans.publish(last_year, Part.YEAR, str(last_year))
    tables = services.releases.get(release.id).result["tables"]
    for table in OUTCOME_TABLES:
        shape = tables[table.name]
        assert shape["rho"] == "0.002" and shape["l2_sensitivity"] == 1
        assert {c["code"] for c in shape["cells"]} == {*CODES.codes(table.dimension.value),
                                                      NOT_RECORDED}
