"""The release plan: its tables fit the cap, every unit has a DG row, and every planned table has
L2 sensitivity 1 per case, checked by adding and removing cases (``privacy.plan_counts``)."""

import itertools
import math
import random
from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privacy.accounting import Cap, epsilon_at
from privacy.exact import format_epsilon
from privacy.plan import (
    DG_MIN_FTE,
    DIRECTIE_MIN_FTE,
    PLAN_RHO,
    PLAN_TABLES,
    RIJK,
    SELF_REPORT_CHANNEL,
    Level,
    Part,
    Source,
    closed_periods,
    dg_cells,
    directie_cells,
    level_units,
    period_end,
    period_labels,
    period_of,
    plan_table,
    tables_of,
)
from privacy.plan_counts import (
    SIGNAL_COLUMNS,
    calibrate_sigma,
    exact_plan_table,
    noisy_plan_table,
    plan_grid,
)
from registry.organisations import parse_org_csv
from registry.periods import Month
from registry.taxonomy import load_taxonomy
from server.demo_data import demo_org

YEAR = 2026
TAXONOMY = load_taxonomy()
CATEGORIES = TAXONOMY.codes("categories")
IMPACTS = TAXONOMY.codes("impact")
# MIN-A has one DG of at least 2,000 FTE and one smaller; MIN-B's one large unit is a DG row.
# Directies (two levels down) of at least 500 FTE have rows: all of MIN-A's, none of MIN-B's.
ORG = parse_org_csv("""code,name,parent,organisation,headcount
MIN-A,Ministerie A,,MIN-A,6000
MIN-A-DG1,DG Groot,MIN-A,MIN-A,3500
MIN-A-DG1-D1,Directie Een,MIN-A-DG1,MIN-A,2000
MIN-A-DG1-D1-A1,Afdeling Een,MIN-A-DG1-D1,MIN-A,800
MIN-A-DG1-D2,Directie Twee,MIN-A-DG1,MIN-A,1500
MIN-A-DG2,DG Klein,MIN-A,MIN-A,1500
MIN-A-DG2-D1,Directie Drie,MIN-A-DG2,MIN-A,900
MIN-B,Ministerie B,,MIN-B,2500
MIN-B-D1,Directie Vier,MIN-B,MIN-B,2100
MIN-B-D1-A1,Afdeling Vier,MIN-B-D1,MIN-B,300
MIN-B-D2,Directie Vijf,MIN-B,MIN-B,300
""")
UNITS = [u.code for u in ORG.units]
SCHEMA = {name: (pl.Int64 if name in ("mask", "imask") else pl.String) for name in SIGNAL_COLUMNS}
TOLERANCE = 1e-9
_ids = itertools.count()


def contact(case, period, unit, *, categories=("pesten",), impact=(), channel="vp_intern",
            implicated_party="collega", reporter_role="medewerker", follow_up="advies"):
    """One signal row as ``load_year`` gives it (categories and impacts as bit masks)."""
    return {
        "id": f"{case}-{next(_ids)}", "period": period, "unit": unit,
        "organisation": ORG.get(unit).organisation, "case": case, "channel": channel,
        "implicated_party": implicated_party, "reporter_role": reporter_role,
        "follow_up": follow_up,
        "mask": sum(1 << CATEGORIES.index(c) for c in categories) or None,
        "imask": sum(1 << IMPACTS.index(i) for i in impact) or None,
    }


def frame(rows):
    return pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)


def background(seed=7, cases=40):
    """Cases of one to three contacts anywhere in the year; some without a case token."""
    rng = random.Random(seed)
    rows = []
    for n in range(cases):
        case = None if n % 5 == 0 else f"case-{n}"
        for _ in range(1 if case is None else rng.randint(1, 3)):
            row = contact(case or f"anon-{n}", str(Month(YEAR, rng.randint(1, 12))),
                          rng.choice(UNITS),
                          categories=rng.sample(CATEGORIES, rng.randint(1, 3)),
                          impact=rng.sample(IMPACTS, rng.randint(0, 2)),
                          channel=rng.choice(TAXONOMY.codes("channel")),
                          implicated_party=rng.choice(TAXONOMY.codes("implicated_party")),
                          reporter_role=rng.choice(TAXONOMY.codes("reporter_role")),
                          follow_up=rng.choice(TAXONOMY.codes("follow_up")))
            row["case"] = case  # a signal without a token is a case of its own
            rows.append(row)
    return rows


# Several contacts, categories, units, organisations, channels, impacts and months.
BUSY_CASE = [
    contact("busy", "2026-02", "MIN-A-DG1-D1", categories=("pesten", "intimidatie"),
            impact=("verzuim",)),
    contact("busy", "2026-02", "MIN-A-DG2-D1", categories=("pesten",), channel="bmw"),
    contact("busy", "2026-03", "MIN-B-D1-A1",
            categories=("werkdruk", "discriminatie", "racisme"),
            impact=("verzuim", "overweegt_vertrek"), channel=SELF_REPORT_CHANNEL,
            implicated_party="direct_leidinggevende"),
    contact("busy", "2026-05", "MIN-B-D2", categories=("agressie_extern",),
            reporter_role="getuige", follow_up="formele_klacht"),
    contact("busy", "2026-11", "MIN-A-DG1-D2", categories=("overig",), follow_up="aangifte"),
]
SIMPLE_CASE = [contact("simple", "2026-07", "MIN-A-DG1-D1")]


def periods_of(table):
    return period_labels(table.part, YEAR) or (None,)


def mass(rows, table, period=None):
    return exact_plan_table(frame(rows), table, YEAR, TAXONOMY, ORG, period=period).mass


def by_period(table, vector):
    """A whole-year vector of ``table`` split into its periods: {period (None): vector}."""
    keys = plan_grid(table, YEAR, TAXONOMY, ORG).keys()
    periods = [key[1] for key in keys]
    return {period: vector[[p == (period or "") for p in periods]] for period in periods_of(table)}


def contribution(rows, case_rows, table):
    """What adding the case does to every period's table: {period: vector}."""
    return by_period(table, mass(rows + case_rows, table) - mass(rows, table))


def level_rows(level):
    if level is Level.DG:
        return dg_cells(ORG)
    if level is Level.DIRECTIE:
        return directie_cells(ORG)
    return {u.code: u.code for u in ORG.units}  # every unit counts at rijk and organisation level


def counted(case_rows, table):
    """Whether a case is in ``table`` at all: a contact of the table's source with a row."""
    meldknop = table.source is Source.MELDKNOP
    rows = level_rows(table.level)
    return any((r["channel"] == SELF_REPORT_CHANNEL) == meldknop and r["unit"] in rows
               for r in case_rows)


def cases_in(rows, table):
    cases: dict = {}
    for row in rows:
        cases.setdefault(row["case"] or row["id"], []).append(row)
    return sum(1 for case_rows in cases.values() if counted(case_rows, table))


def check_case(rows, case_rows):
    for table in PLAN_TABLES:
        change = contribution(rows, case_rows, table)
        norms = {period: float(np.linalg.norm(vector)) for period, vector in change.items()}
        assert max(norms.values()) <= 1 + TOLERANCE, (table.name, norms)
        # A periodic series: the case is in one period only, so the squares add up to <= 1.
        assert sum(n * n for n in norms.values()) <= 1 + TOLERANCE, (table.name, norms)
        assert all((v >= -TOLERANCE).all() for v in change.values()), table.name
        total = sum(float(v.sum()) for v in change.values())
        assert total == pytest.approx(1 if counted(case_rows, table) else 0, abs=TOLERANCE)


# -- the plan's budget -------------------------------------------------------------------------


def test_the_tables_rho_add_up_to_the_plan_rho_within_the_default_cap():
    assert sum((t.rho for t in PLAN_TABLES), Fraction(0)) == PLAN_RHO == Fraction("0.226")
    cap = Cap.of()
    assert cap.rho - PLAN_RHO == Fraction("0.085064")  # left for the shares of consumers
    assert epsilon_at(PLAN_RHO) < 4


def test_every_table_has_a_name_of_its_own_and_every_part_has_tables():
    names = [t.name for t in PLAN_TABLES]
    assert len(names) == len(set(names))
    assert all(plan_table(name).name == name for name in names)
    with pytest.raises(KeyError):
        plan_table("bestaat_niet")
    assert sorted(t.name for part in Part for t in tables_of(part)) == sorted(names)
    assert all(tables_of(part) for part in Part)


@pytest.mark.parametrize("table", PLAN_TABLES, ids=lambda t: t.name)
def test_a_tables_noise_is_one_over_root_two_rho(table):
    assert table.sigma == pytest.approx(1 / math.sqrt(2 * float(table.rho)), rel=1e-12)
    scale, loss = calibrate_sigma(table.rho)
    assert Fraction(loss) <= table.rho
    assert scale == pytest.approx(table.sigma, rel=1e-6)


# -- levels and periods ------------------------------------------------------------------------


@pytest.mark.parametrize("org", [ORG, demo_org()], ids=["small", "demo"])
def test_dg_cells_maps_every_unit_to_its_large_dg_or_its_organisation(org):
    cells = dg_cells(org)
    assert set(cells) == {u.code for u in org.units}
    for unit in org.units:
        row = cells[unit.code]
        chain = org.ancestors(unit.code)
        if row == unit.organisation:
            dgs = [code for code in chain if org.get(code).parent == unit.organisation]
            assert all(org.get(dg).headcount < DG_MIN_FTE for dg in dgs), unit.code
        else:
            assert row in chain or row == unit.code
            assert org.get(row).parent == unit.organisation
            assert org.get(row).headcount >= DG_MIN_FTE
    assert set(level_units(Level.DG, org)) == set(cells.values())


def test_dg_rows_come_after_their_dgs_per_organisation():
    assert dg_cells(ORG) == {
        "MIN-A": "MIN-A", "MIN-A-DG1": "MIN-A-DG1", "MIN-A-DG1-D1": "MIN-A-DG1",
        "MIN-A-DG1-D1-A1": "MIN-A-DG1", "MIN-A-DG1-D2": "MIN-A-DG1", "MIN-A-DG2": "MIN-A",
        "MIN-A-DG2-D1": "MIN-A", "MIN-B": "MIN-B", "MIN-B-D1": "MIN-B-D1",
        "MIN-B-D1-A1": "MIN-B-D1", "MIN-B-D2": "MIN-B"}
    assert level_units(Level.DG, ORG) == ("MIN-A-DG1", "MIN-A", "MIN-B-D1", "MIN-B")
    assert level_units(Level.ORGANISATION, ORG) == ("MIN-A", "MIN-B")
    assert level_units(Level.RIJK, ORG) == (RIJK,)


def test_directie_rows_are_the_large_units_two_levels_down():
    assert directie_cells(ORG) == {
        "MIN-A-DG1-D1": "MIN-A-DG1-D1", "MIN-A-DG1-D1-A1": "MIN-A-DG1-D1",
        "MIN-A-DG1-D2": "MIN-A-DG1-D2", "MIN-A-DG2-D1": "MIN-A-DG2-D1"}
    assert level_units(Level.DIRECTIE, ORG) == ("MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG2-D1")
    org = demo_org()
    for unit, row in directie_cells(org).items():
        assert org.depth(row) == org.depth(org.get(row).organisation) + 2
        assert org.get(row).headcount >= DIRECTIE_MIN_FTE
        assert row in org.ancestors(unit) or row == unit


def test_periods_of_a_year():
    assert period_labels(Part.YEAR, YEAR) == ()
    assert period_labels(Part.HALF, YEAR) == ("2026-H1", "2026-H2")
    assert period_labels(Part.QUARTER, YEAR) == ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
    assert period_labels(Part.MONTH, YEAR)[::11] == ("2026-01", "2026-12")
    for part in (Part.HALF, Part.QUARTER, Part.MONTH):
        for label in period_labels(part, YEAR):
            assert period_of(part, period_end(part, label)) == label
    assert period_of(Part.QUARTER, Month(2026, 4)) == "2026-Q2"
    assert period_of(Part.YEAR, Month(2026, 4)) == "2026"
    assert period_end(Part.YEAR, "2026") == Month(2026, 12)


def test_only_closed_periods_are_due():
    assert closed_periods(Part.MONTH, YEAR, Month(2026, 4)) == tuple(
        f"2026-0{m}" for m in range(1, 5))
    assert closed_periods(Part.QUARTER, YEAR, Month(2026, 5)) == ("2026-Q1",)
    assert closed_periods(Part.HALF, YEAR, Month(2026, 5)) == ()
    assert closed_periods(Part.YEAR, YEAR, Month(2026, 11)) == ()
    assert closed_periods(Part.YEAR, YEAR, Month(2026, 12)) == ("2026",)
    assert closed_periods(Part.HALF, YEAR, Month(2027, 1)) == ("2026-H1", "2026-H2")


# -- exact case mass ---------------------------------------------------------------------------


@pytest.mark.parametrize("table", PLAN_TABLES, ids=lambda t: t.name)
def test_each_tables_mass_adds_up_to_the_number_of_cases(table):
    rows = background()
    whole = mass(rows, table)
    assert float(whole.sum()) == pytest.approx(cases_in(rows, table), abs=1e-9)
    assert (whole >= 0).all()
    # Published period by period, a periodic table holds exactly the slices of the whole year.
    if table.part is not Part.YEAR:
        slices = by_period(table, whole)
        for period in periods_of(table):
            assert np.allclose(mass(rows, table, period), slices[period], rtol=0, atol=1e-12)


@pytest.mark.parametrize("case_rows", [BUSY_CASE, SIMPLE_CASE], ids=["busy", "simple"])
def test_adding_or_removing_one_case_moves_every_table_by_at_most_one(case_rows):
    check_case(background(), case_rows)
    check_case([], case_rows)


def test_a_case_with_all_its_mass_in_one_cell_moves_a_table_by_exactly_one():
    change = contribution(background(), SIMPLE_CASE, plan_table("org_total"))
    assert float(np.linalg.norm(change[None])) == pytest.approx(1, abs=1e-12)


def test_the_busy_case_spreads_its_mass_over_its_cells():
    def spread(name):
        table = plan_table(name)
        change = contribution([], BUSY_CASE, table)[None]
        grid = plan_grid(table, YEAR, TAXONOMY, ORG)
        return {(unit, code): value
                for (unit, _, code), value in zip(grid.keys(), change, strict=True) if value}

    # Advisers' contacts: MIN-A pesten, intimidatie, overig; MIN-B agressie_extern: 1/4 each.
    assert spread("org_category") == pytest.approx({
        ("MIN-A", "pesten"): 1 / 4, ("MIN-A", "intimidatie"): 1 / 4, ("MIN-A", "overig"): 1 / 4,
        ("MIN-B", "agressie_extern"): 1 / 4})
    # The meldknop's self-report is counted apart, as a case of mass 1 of its own table.
    assert spread("org_meldknop_category") == pytest.approx({
        ("MIN-B", "werkdruk"): 1 / 3, ("MIN-B", "discriminatie"): 1 / 3,
        ("MIN-B", "racisme"): 1 / 3})
    # Directie rows: the contacts in MIN-B-D2 have none, so all mass goes to MIN-A's directies.
    directies = spread("directie_category")
    assert sum(directies.values()) == pytest.approx(1)
    assert {unit for unit, _ in directies} == {"MIN-A-DG1-D1", "MIN-A-DG2-D1", "MIN-A-DG1-D2"}


def test_a_case_counts_only_in_the_period_of_its_first_contact():
    rows = background()
    for part, anchor in ((Part.MONTH, "2026-02"), (Part.QUARTER, "2026-Q1"),
                         (Part.HALF, "2026-H1")):
        for table in tables_of(part):
            change = contribution(rows, BUSY_CASE, table)
            moved = [period for period, vector in change.items()
                     if np.abs(vector).max() > TOLERANCE]
            assert moved == [anchor], (table.name, moved)
    # In its first month it counts with the contacts of that month only (two units of MIN-A).
    table = plan_table("org_total_month")
    month = mass(BUSY_CASE, table, "2026-02")
    grid = plan_grid(table, YEAR, TAXONOMY, ORG, "2026-02")
    assert dict(zip(grid.keys(), month, strict=True))[("MIN-A", "2026-02", "total")] == 1
    # A case whose first contact is in March counts in March, with March's contacts only.
    later = [r for r in BUSY_CASE if r["period"] != "2026-02"]
    march = [r for r in later if r["period"] == "2026-03"]
    assert march and all(r["channel"] == SELF_REPORT_CHANNEL for r in march)
    moved = contribution(rows, later, table)
    assert [p for p, v in moved.items() if np.abs(v).max() > TOLERANCE] == ["2026-05"]


contacts = st.lists(st.builds(
    lambda month, unit, categories, impact, channel: contact(
        "extra", str(Month(YEAR, month)), unit, categories=categories, impact=impact,
        channel=channel),
    st.integers(1, 12), st.sampled_from(UNITS),
    st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=4, unique=True),
    st.lists(st.sampled_from(IMPACTS), max_size=2, unique=True),
    st.sampled_from(TAXONOMY.codes("channel")),
), min_size=1, max_size=6)  # the meldknop's channel among them: both sources are exercised


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_rows=contacts, seed=st.integers(0, 3))
def test_any_case_moves_every_table_by_at_most_one(case_rows, seed):
    check_case(background(seed, cases=15), case_rows)


# -- noise -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["org_total", "dg_category_half"])
def test_a_noisy_table_holds_estimates_and_the_noise_spread_only(name):
    table = plan_table(name)
    period = None if table.part is Part.YEAR else "2026-H1"
    exact = exact_plan_table(frame(background()), table, YEAR, TAXONOMY, ORG, period=period)
    assert repr(exact) == f"ExactPlanTable({name}, cells={exact.grid.n_cells})"  # no counts
    shape = noisy_plan_table(exact).as_json()
    assert shape["standard_deviation"] == pytest.approx(1 / math.sqrt(2 * float(table.rho)),
                                                        rel=1e-6)
    assert shape["privacy_loss_rho"] <= float(table.rho)
    assert {k: shape[k] for k in ("part", "level", "dimension", "measure", "rho", "mechanism",
                                  "l2_sensitivity")} == {
        "part": table.part.value, "level": table.level.value,
        "dimension": table.dimension.value, "measure": "cases", "rho": format_epsilon(table.rho),
        "mechanism": "gaussian", "l2_sensitivity": 1}
    assert shape["source"] == table.source.value
    keys = {"unit", "code", "estimate"} | ({"period"} if period else set())
    assert len(shape["cells"]) == exact.grid.n_cells
    assert all(set(cell) == keys for cell in shape["cells"])
