"""Analytics errors are types with a field (analytics/errors.py); views catch them by type and
never search an exception's message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analytics.errors import (
    AnalyticsError,
    NoHeadcount,
    NotInRelease,
    PeriodNotPublished,
    StructureChanged,
    UnknownTable,
)
from analytics.intervals import Estimate, rate_per_100_fte
from analytics.plan import PlanRelease, PlanTableReading, PlanYear
from privacy.plan import Dimension, Part
from registry.organisations import parse_org_csv

ROOT = Path(__file__).resolve().parents[2]
VIEW_PACKAGES = ("dashboards", "intake_adapters", "server", "web")
# Reading an exception's text to decide what it was: ``"unit" in str(exc)``, ``str(e).startswith``,
# ``... in exc.args``.
EXCEPTION = r"(e|exc|err|error|problem)"
SNIFFING = re.compile(rf"""in\s+str\(
                           | str\(\s*{EXCEPTION}\s*\)\s*\.\s*(startswith|endswith|find|index|lower)\b
                           | in\s+{EXCEPTION}\.(args|message)\b""", re.VERBOSE)
ORG = parse_org_csv("""code,name,parent,organisation,headcount
MIN-A,Ministerie A,,MIN-A,5000
MIN-B,Ministerie B,,MIN-B,800
""")


def test_no_view_searches_an_exception_message() -> None:
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for package in VIEW_PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if SNIFFING.search(line)]
    assert found == []


def test_the_sniffing_pattern_finds_what_it_is_for() -> None:
    assert SNIFFING.search('FieldError("unit" if "unit" in str(exc) else "from", message)')
    assert SNIFFING.search("if str(error).startswith('no totals'):")
    assert SNIFFING.search('if "gone" in exc.args[0]:')
    assert not SNIFFING.search("raise _invalid(name, str(exc)) from exc")
    assert not SNIFFING.search('end = _month("to") if "to" in request.args else None')


@pytest.mark.parametrize(("error", "field", "also"), [
    (UnknownTable("x"), "table", ()),
    (PeriodNotPublished("x"), "period", ()),
    (StructureChanged("x"), "from", (KeyError,)),
    (NotInRelease("x"), "organisation", (KeyError,)),
    (NoHeadcount("x"), "unit", ()),
])
def test_every_error_names_a_field_and_reads_as_its_message(
        error: AnalyticsError, field: str, also: tuple[type, ...]) -> None:
    assert isinstance(error, AnalyticsError) and isinstance(error, ValueError)
    assert error.field == field and str(error) == "x"
    assert all(isinstance(error, kind) for kind in also)


def _year_with_months(organisations: tuple[str, ...]) -> PlanYear:
    table = PlanTableReading("org_total_month", Part.MONTH, Dimension.TOTAL, 3.0,
                             {(o, "2025-01", "total"): 10.0 for o in organisations})
    return PlanYear(2025, ORG, (PlanRelease("r1", 2025, Part.MONTH, "2025-01",
                                            {"org_total_month": table}),))


def test_an_organisation_missing_from_a_release_is_not_in_release() -> None:
    assert [e.value for _m, e in _year_with_months(("MIN-A", "MIN-B")).monthly("MIN-A")] == [10]
    with pytest.raises(NotInRelease) as caught:
        _year_with_months(("MIN-A",)).monthly("MIN-B")
    assert caught.value.field == "organisation"


def test_a_year_without_totals_is_not_published_for_the_year() -> None:
    with pytest.raises(PeriodNotPublished) as caught:
        PlanYear(2025, ORG, ()).total("MIN-A")
    assert caught.value.field == "year"


def test_a_rate_of_a_unit_without_staff_names_the_unit() -> None:
    with pytest.raises(NoHeadcount) as caught:
        rate_per_100_fte(Estimate(4.0, 1.0), 0, 12)
    assert caught.value.field == "unit"
