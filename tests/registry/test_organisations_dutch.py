"""Organisation files as Dutch Excel saves them: semicolons and decimal commas, whole FTE
stored by rounding half up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.errors import ValidationFailed
from registry.organisations import CSV_COLUMNS, parse_org_csv, parse_org_file

SEMI = ";".join(CSV_COLUMNS) + "\r\n"


def test_a_semicolon_file_with_decimal_commas_is_read() -> None:
    parsed = parse_org_file(SEMI + "A;Organisatie A;;A;100,4\r\nB;Afdeling B, Den Haag;A;A;12,5\r\n")
    assert parsed.delimiter == ";"
    org = parsed.structure
    assert org.get("A").headcount == 100 and org.get("B").headcount == 13
    assert org.get("B").name == "Afdeling B, Den Haag"
    assert [(r.line, r.code, r.typed, r.stored) for r in parsed.rounded] == [
        (2, "A", "100,4", 100), (3, "B", "12,5", 13)]


def test_a_quoted_decimal_comma_in_a_comma_file_is_read() -> None:
    org = parse_org_csv(",".join(CSV_COLUMNS) + '\nA,Organisatie A,,A,"7,5"\n')
    assert org.get("A").headcount == 8


def test_sub_units_are_checked_on_the_typed_fte() -> None:
    # 0,5 + 0,5 fits in 1 fte, though each is stored as 1.
    org = parse_org_csv(SEMI + "A;A;;A;1\nB;B;A;A;0,5\nC;C;A;A;0,5\n")
    assert [u.headcount for u in org.units] == [1, 1, 1]
    with pytest.raises(ValidationFailed) as refused:
        parse_org_csv(SEMI + "A;A;;A;1\nB;B;A;A;0,6\nC;C;A;A;0,5\n")
    assert [e.message for e in refused.value.errors] == [
        "Regel 2: headcount 1 is kleiner dan de som van de onderliggende eenheden (1,1)."]


@pytest.mark.parametrize("typed", ["1.200", "12.5", "12,", ",5", "12,555", "1 200"])
def test_a_point_or_a_malformed_fraction_is_refused(typed: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_org_csv(SEMI + f"A;Organisatie A;;A;{typed}\n")
    assert refused.value.errors[0].message == (
        "Regel 2: headcount moet een positief geheel getal zijn.")


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=99))
def test_stored_fte_is_the_typed_fte_rounded_half_up(whole: int, hundredths: int) -> None:
    typed = f"{whole},{hundredths:02d}"
    exact = Decimal(f"{whole}.{hundredths:02d}")
    expected = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    text = SEMI + f"A;Organisatie A;;A;{typed}\n"
    if expected == 0:
        with pytest.raises(ValidationFailed):
            parse_org_csv(text)
        return
    assert parse_org_csv(text).get("A").headcount == expected
    assert abs(Decimal(expected) - exact) <= Decimal("0.5")
