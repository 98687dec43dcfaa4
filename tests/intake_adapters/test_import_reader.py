"""Bad files are refused whole, with a Dutch message that names the line and column."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import pytest
from openpyxl import Workbook

from intake_adapters.spreadsheet.reader import UPLOAD_LIMITS, Limits, open_sheet
from registry.errors import PayloadTooLarge, ValidationFailed
from registry.periods import Month

WANTED = ("Datum", "Afdeling", "Onderwerp")
GOOD = "Datum;Afdeling;Onderwerp;Naam\n01-02-2025;MIN-A-DG1;Pesten;Jan\n"


def read(data: bytes | str, **kwargs: object) -> list[tuple[int, tuple]]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    sheet = open_sheet(raw, WANTED, **kwargs)  # type: ignore[arg-type]
    return list(sheet.rows)


def refused(data: bytes | str, **kwargs: object) -> str:
    with pytest.raises(ValidationFailed) as caught:
        read(data, **kwargs)
    return caught.value.message


def xlsx(rows: list[list[object]], title: str = "Blad1") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_good_file_yields_only_the_mapped_columns_and_names_the_dropped_ones():
    sheet = open_sheet(GOOD.encode(), WANTED)
    assert sheet.delimiter == ";" and sheet.dropped == ("Naam",)
    assert list(sheet.rows) == [(2, ("01-02-2025", "MIN-A-DG1", "Pesten"))]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_comma_semicolon_and_tab_are_detected(delimiter):
    data = GOOD.replace(";", delimiter)
    assert read(data)[0][1] == ("01-02-2025", "MIN-A-DG1", "Pesten")


def test_a_quoted_cell_may_hold_the_delimiter_and_a_header_may_be_cased_differently():
    data = 'datum,AFDELING, onderwerp \n01-02-2025,MIN-A-DG1,"Pesten, Intimidatie"\n'
    assert read(data)[0][1][2] == "Pesten, Intimidatie"


def test_an_unknown_delimiter_is_refused():
    message = refused("Datum|Afdeling|Onderwerp\n01-02-2025|MIN-A|Pesten\n")
    assert "scheidingsteken" in message


def test_a_header_on_another_delimiter_than_the_data_is_refused():
    message = refused("Datum,Afdeling,Onderwerp\n01-02-2025;MIN-A;Pesten\n01-03-2025;MIN-A;Pesten\n")
    assert message.startswith("Regel 2: 1 cel(len)") and "puntkomma" in message


def test_a_header_that_does_not_split_names_the_missing_columns_and_the_delimiter():
    message = refused("Datum|Afdeling|Onderwerp;x\n01-02-2025|MIN-A|Pesten;y\n")
    assert "mist de kolom(men)" in message and "scheidingsteken" in message


def test_an_excel_sep_line_is_honoured_and_line_numbers_count_it():
    data = "sep=;\n" + GOOD
    assert read(data)[0][0] == 3


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused(data):
    assert "leeg" in refused(data)


def test_a_header_without_the_mapped_columns_names_the_missing_ones():
    message = refused("Datum;Eenheid;Thema\n01-02-2025;MIN-A;Pesten\n")
    assert "'Afdeling'" in message and "'Onderwerp'" in message and "Regel 1" in message
    assert "Gevonden kolommen: 'Datum', 'Eenheid', 'Thema'" in message


def test_a_column_named_twice_is_refused():
    assert "meer dan eens" in refused("Datum;Afdeling;Onderwerp;Onderwerp\n1-1-2025;A;B;C\n")


def test_a_windows_1252_file_is_refused_unless_declared():
    data = "Datum;Afdeling;Onderwerp\n01-02-2025;Privé;Pesten\n".encode("cp1252")
    message = refused(data)
    assert "Regel 2" in message and "geen UTF-8" in message and "Windows-1252" in message
    assert read(data, encoding="cp1252")[0][1][1] == "Privé"


def test_a_utf8_byte_order_mark_is_accepted_and_utf16_is_refused():
    assert read(b"\xef\xbb\xbf" + GOOD.encode())[0][1][0] == "01-02-2025"
    assert "UTF-16" in refused(GOOD.encode("utf-16"))


def test_an_unknown_encoding_name_is_refused():
    assert "tekenset" in refused(GOOD, encoding="latin-9")


@pytest.mark.parametrize("sign", ["=", "+", "-", "@", "\t", " ="])
def test_a_cell_that_a_spreadsheet_would_run_is_refused_naming_line_and_column(sign):
    data = GOOD + f'01-03-2025;MIN-A;Pesten;"{sign}HYPERLINK(""http://x"")"\n'
    message = refused(data)
    assert "Regel 3, kolom 'Naam'" in message and "formule" in message


def test_a_negative_number_is_refused_too_and_so_is_a_formula_in_the_header():
    assert "Regel 2, kolom 'Afdeling'" in refused("Datum;Afdeling;Onderwerp\n1-1-2025;-5;Pesten\n")
    assert "Regel 1" in refused("Datum;Afdeling;Onderwerp;=1+1\n1-1-2025;A;Pesten;x\n")


def test_a_dash_inside_a_cell_is_fine():
    assert read("Datum;Afdeling;Onderwerp\n01-02-2025;MIN-A-DG1;Pesten - intern\n")


def test_a_file_over_the_byte_limit_is_refused_before_it_is_parsed():
    with pytest.raises(PayloadTooLarge, match="te groot"):
        read(GOOD + "x" * UPLOAD_LIMITS.max_bytes)


def test_a_file_over_the_row_limit_is_refused():
    data = "Datum;Afdeling;Onderwerp\n" + "01-02-2025;MIN-A;Pesten\n" * 4
    assert len(read(data, limits=Limits(10_000, 4))) == 4
    assert "meer dan 3 regels" in refused(data, limits=Limits(10_000, 3))


def test_a_row_whose_cells_do_not_line_up_with_the_header_is_refused():
    assert "Regel 2: 4 cel(len)" in refused("Datum;Afdeling;Onderwerp\n1-1-2025;A;B;C\n")
    assert "Regel 2: 2 cel(len)" in refused("Datum;Afdeling;Onderwerp\n1-1-2025;A\n")
    # Empty cells after the last column (a trailing delimiter) are harmless.
    assert read("Datum;Afdeling;Onderwerp\n1-1-2025;A;B;;\n")[0][1] == ("1-1-2025", "A", "B")


def test_blank_rows_are_counted_not_yielded():
    sheet = open_sheet(b"Datum;Afdeling;Onderwerp\n\n ; ; \n01-02-2025;MIN-A;Pesten\n", WANTED)
    assert [line for line, _ in sheet.rows] == [4]
    assert sheet.blank_rows == 2


def test_binary_and_legacy_excel_files_are_refused():
    assert "binaire" in refused(b"Datum;Afdeling;Onderwerp\n\x00\x01;a;b\n")
    assert ".xls" in refused(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    assert "Excel-bestand kan niet worden gelezen" in refused(b"PK\x03\x04 not really a zip")


def test_an_xlsx_date_cell_is_cut_to_its_month_as_it_is_read_and_numbers_become_text():
    data = xlsx([["Datum", "Afdeling", "Onderwerp"], [datetime(2025, 2, 14, 9, 30), 12, "Pesten"],
                 [None, None, None], ["2025-03", "MIN-A", date(2024, 12, 24)]])
    sheet = open_sheet(data, WANTED)
    assert list(sheet.rows) == [(2, (Month(2025, 2), "12", "Pesten")),
                                (4, ("2025-03", "MIN-A", Month(2024, 12)))]
    assert sheet.blank_rows == 1 and sheet.kind == "xlsx"
    timed = xlsx([["Datum", "Afdeling", "Onderwerp"], ["2025-03", "MIN-A", time(9, 30)]])
    assert read(timed)[0][1][2] == "(tijd weggelaten)"


def test_an_xlsx_formula_cell_is_refused():
    data = xlsx([["Datum", "Afdeling", "Onderwerp"], ["2025-03", "=A1", "Pesten"]])
    assert "Regel 2, kolom 'Afdeling'" in refused(data)


def test_an_xlsx_sheet_is_chosen_by_name_and_a_missing_sheet_is_named():
    data = xlsx([["Datum", "Afdeling", "Onderwerp"], ["2025-03", "MIN-A", "Pesten"]], title="Meldingen")
    assert read(data, sheet_name="Meldingen")
    assert "'Elders' ontbreekt" in refused(data, sheet_name="Elders")


def test_an_xlsx_with_data_beyond_the_named_columns_or_an_empty_header_is_refused():
    assert "rechts van de laatste kolom" in refused(
        xlsx([["Datum", "Afdeling", "Onderwerp"], ["2025-03", "MIN-A", "Pesten", "extra"]]))
    assert "kopregel is leeg" in refused(xlsx([[None, None], ["2025-03", "MIN-A"]]))
