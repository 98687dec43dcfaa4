"""Organisation structure: CSV parsing refuses bad files whole, with line numbers."""

from pathlib import Path

import pytest

from registry.errors import ValidationFailed
from registry.organisations import parse_org_csv, structure_to_csv

FIXTURE = Path(__file__).parent.parent / "fixtures" / "org-small.csv"
HEADER = "code,name,parent,organisation,headcount\n"


def test_fixture_parses_into_a_tree():
    org = parse_org_csv(FIXTURE.read_text())
    assert [o.code for o in org.organisations] == ["MIN-A", "MIN-B"]
    assert org.ancestors("MIN-A-DG1-D2-T1") == ["MIN-A-DG1-D2-T1", "MIN-A-DG1-D2", "MIN-A-DG1", "MIN-A"]
    assert set(org.subtree("MIN-A-DG1")) == {"MIN-A-DG1", "MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG1-D2-T1"}
    assert org.total_headcount == 1800


def test_round_trip_through_csv():
    org = parse_org_csv(FIXTURE.read_text())
    assert parse_org_csv(structure_to_csv(org.units)) == org


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("A,Org,,A,10\nB,Unit,X,A,5\n", "Regel 3: parent X bestaat niet."),
        ("A,Org,,A,10\nA,Dubbel,,A,10\n", "Regel 3: code A staat ook op regel 2."),
        ("A,Org,,A,10\nB,Unit,A,A,nul\n", "Regel 3: headcount moet een positief geheel getal zijn."),
        ("A,Org,,A,10\nB,Unit,A,A,20\n",
         "Regel 2: headcount 10 is kleiner dan de som van de onderliggende eenheden (20)."),
        ("A,Org,,B,10\n", "Regel 2: een organisatie (zonder parent) moet zichzelf als organisatie hebben."),
        ("A,Org,,A,10\nB,Unit,A,A\n", "Regel 3: verwacht 5 kolommen."),
        ("A,Org,,A,10\nC,Other,,C,10\nB,Unit,A,C,5\n", "Regel 4: parent hoort bij een andere organisatie."),
    ],
)
def test_bad_file_is_refused_with_line_numbers(body, expected):
    with pytest.raises(ValidationFailed) as caught:
        parse_org_csv(HEADER + body)
    assert expected in [e.message for e in caught.value.errors]


def test_wrong_header_is_refused():
    with pytest.raises(ValidationFailed, match="kopregel"):
        parse_org_csv("code;name\nA;B\n")


def test_empty_file_is_refused():
    with pytest.raises(ValidationFailed, match="leeg"):
        parse_org_csv("")


def test_replacing_the_structure_keeps_units_with_signals(services):
    from registry.periods import Month
    from registry.records import SignalRecord

    record = SignalRecord(period=Month.current(), unit="MIN-B-D2", organisation="MIN-B",
                          channel="bmw", categories=("pesten",), implicated_party="collega",
                          reporter_role="medewerker", follow_up="advies")
    services.signals.store(record)
    without_unit = "".join(line for line in FIXTURE.read_text().splitlines(keepends=True)
                           if not line.startswith("MIN-B-D2"))
    with pytest.raises(ValidationFailed, match="signalen"):
        services.replace_org(parse_org_csv(without_unit))
    assert "MIN-B-D2" in services.org()


def test_replacing_the_structure_updates_and_removes_units(services):
    changed = FIXTURE.read_text().replace("Directie Onderzoek,MIN-B,MIN-B,350",
                                          "Directie Research,MIN-B,MIN-B,360")
    changed = "".join(line for line in changed.splitlines(keepends=True)
                      if not line.startswith("MIN-A-DG1-D2-T1"))
    result = services.replace_org(parse_org_csv(changed))
    org = services.org()
    assert result["removed"] == 1
    assert "MIN-A-DG1-D2-T1" not in org
    assert org.get("MIN-B-D1").name == "Directie Research"
    assert org.get("MIN-B-D1").headcount == 360
