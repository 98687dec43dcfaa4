"""The organisation CSV parser on any text: a structure or ValidationFailed, never another error.

The file comes from an admin's upload or ``load-org``; whatever is in it is the user's mistake to
fix, so the parser answers every text with a Dutch reason per line instead of a crash.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from registry.errors import ValidationFailed
from registry.organisations import CSV_COLUMNS, MAX_HEADCOUNT, OrgStructure, parse_org_csv

HEADER = ",".join(CSV_COLUMNS) + "\n"
ROOT = "A,Organisatie A,,A,100\n"


def _messages(text: str) -> list[str]:
    with pytest.raises(ValidationFailed) as refused:
        parse_org_csv(text)
    return [error.message for error in refused.value.errors]


@pytest.mark.parametrize("headcount", ["²", "³", "¹²", "٣", "\uff13", "1²", "⑤", "1_000", "+5",
                                       " 5 5", "5.0", "1e3", "0x10", "-1", "0"])
def test_headcount_takes_ascii_digits_only(headcount: str) -> None:
    # '²'.isdigit() is True and int('²') raises; Arabic-Indic and full-width digits are decimals
    # that int() accepts, so they would be stored as a number nobody typed.
    text = HEADER + ROOT + f"B,Afdeling B,A,A,{headcount}\n"
    assert "Regel 3: headcount moet een positief geheel getal zijn." in _messages(text)


def test_headcount_has_a_sane_maximum() -> None:
    too_many = MAX_HEADCOUNT + 1
    messages = _messages(HEADER + f"A,Organisatie A,,A,{too_many}\n")
    assert messages == [f"Regel 2: headcount is groter dan {MAX_HEADCOUNT} fte."]
    assert "Regel 2: headcount moet een positief geheel getal zijn." in _messages(
        HEADER + "A,Organisatie A,,A," + "9" * 5000 + "\n")
    assert parse_org_csv(HEADER + f"A,Organisatie A,,A,{MAX_HEADCOUNT}\n").total_headcount \
        == MAX_HEADCOUNT


def test_unreadable_csv_is_refused_with_its_line() -> None:
    # A field over the csv module's limit made csv.Error escape as a 500.
    huge = HEADER + ROOT + "B," + "x" * 200_000 + ",A,A,5\n"
    assert _messages(huge) == ["Regel 3: deze regel is geen geldige CSV (bijvoorbeeld een veld "
                               "dat veel te lang is)."]


def test_a_lone_carriage_return_is_a_line_end() -> None:
    # Old Mac line ends used to raise csv.Error ("new-line character seen in unquoted field").
    org = parse_org_csv(HEADER.replace("\n", "\r") + ROOT.replace("\n", "\r")
                        + "B,Afdeling B,A,A,5\r")
    assert [u.code for u in org.units] == ["A", "B"]


def test_control_characters_are_refused_by_line() -> None:
    messages = _messages(HEADER + ROOT + "B,Afdeling\x00B,A,A,5\nC,Afdeling\x07C,A,A,5\n")
    assert [m.split(":")[0] for m in messages] == ["Regel 3", "Regel 4"]
    assert all("onzichtbaar stuurteken" in m for m in messages)


def test_lines_are_numbered_where_the_record_starts() -> None:
    text = HEADER + 'A,"Organisatie\nA",,A,100\nB,Afdeling B,A,A,x\n'
    assert "Regel 4: headcount moet een positief geheel getal zijn." in _messages(text)


_cells = st.one_of(
    st.sampled_from(["A", "B", "C", "A-1", "", " ", "x" * 70, "10", "0", "²", "٣", "-3",
                     "99999999999", "\x00", '"', "\r", "\n", "\u2028", "\ufeff"]),
    st.text(max_size=12),
)
_rows = st.lists(st.lists(_cells, min_size=0, max_size=7), max_size=8)


def _as_csv(rows: list[list[str]], separator: str, line_end: str) -> str:
    return line_end.join(separator.join(row) for row in rows)


def _assert_consistent(org: OrgStructure) -> None:
    for unit in org.units:
        assert unit.headcount > 0 and unit.headcount <= MAX_HEADCOUNT
        chain = org.ancestors(unit.code)  # terminates: no cycles
        assert org.get(chain[-1]).parent is None
        assert org.get(chain[-1]).code == unit.organisation
        assert sum(org.get(c).headcount for c in org.children(unit.code)) <= unit.headcount


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300))
@example(text=HEADER + ROOT + "B,Afdeling B,A,A,²\n")
@example(text=HEADER + "A," + "x" * 140_000 + ",,A,5\n")
@example(text=HEADER + "A,a\rB,b\n")
def test_any_text_gives_a_structure_or_validation_failed(text: str) -> None:
    try:
        org = parse_org_csv(text)
    except ValidationFailed as refused:
        assert refused.errors and all(e.message for e in refused.errors)
        return
    _assert_consistent(org)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_rows, separator=st.sampled_from([",", ";"]),
       line_end=st.sampled_from(["\n", "\r\n", "\r"]))
def test_any_csv_under_the_right_header_gives_a_structure_or_validation_failed(
        rows: list[list[str]], separator: str, line_end: str) -> None:
    text = _as_csv([list(CSV_COLUMNS), *rows], separator, line_end)
    try:
        org = parse_org_csv(text)
    except ValidationFailed as refused:
        assert refused.errors
        for error in refused.errors:
            assert error.message.startswith(("Regel ", "Het bestand")), error.message
        return
    _assert_consistent(org)
