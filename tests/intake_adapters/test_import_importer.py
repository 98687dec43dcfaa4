"""Importing rows: dry runs store nothing, real imports store all or nothing, days never survive."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from intake_adapters.spreadsheet.importer import MAX_PROBLEMS, RowCoder, import_file, run_import
from intake_adapters.spreadsheet.mapping import parse_mapping
from intake_adapters.spreadsheet.reader import open_sheet
from registry.errors import ValidationFailed
from registry.organisations import parse_org_csv
from registry.periods import Month
from registry.records import SignalRecord
from registry.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()
ORG = parse_org_csv((Path(__file__).parent.parent / "fixtures" / "org-small.csv").read_text())
MAPPING = parse_mapping({
    "name": "proef",
    "version": 2,
    "source": "Testbron met een zaaknummer.",
    "columns": {
        "period": {"column": "Datum", "format": "auto"},
        "unit": {"column": "Afdeling", "values": {"Juridische zaken": "MIN-A-DG1-D1"}},
        "categories": {"column": "Onderwerp", "separator": "/",
                       "values": {"Pesten": "pesten", "Roddelen": "pesten", "Chantage": "intimidatie"},
                       "skip": ["Privé"]},
        "follow_up": {"column": "Afhandeling", "values": {"Advies": "advies", "": "alleen_luisteren"}},
        "case_token": {"column": "Zaak"},
    },
    "defaults": {"implicated_party": "collega", "reporter_role": "medewerker"},
}, TAXONOMY)
HEADER = "Datum;Afdeling;Onderwerp;Afhandeling;Zaak;Naam\n"
TARGETS = {"pesten", "intimidatie"}


def dry(body: str, allowed: frozenset[str] | None = frozenset({"MIN-A"})):  # type: ignore[no-untyped-def]
    return import_file((HEADER + body).encode(), MAPPING, channel="bmw", taxonomy=TAXONOMY, org=ORG,
                       signals=None, allowed_organisations=allowed, dry_run=True)


def real(services, body: str, allowed: frozenset[str] | None = frozenset({"MIN-A"})):  # type: ignore[no-untyped-def]
    return import_file((HEADER + body).encode(), MAPPING, channel="bmw", taxonomy=services.taxonomy,
                       org=services.org(), signals=services.signals, allowed_organisations=allowed,
                       dry_run=False)


def texts(report) -> str:  # type: ignore[no-untyped-def]
    """Everything a report could show, as one string."""
    parts = [*report.summary(), *(p.text for p in report.problems)]
    parts += [f"{u.column} {u.value}" for u in report.unmapped.values()]
    parts += [str(row.coded) + str(row.skipped) for row in report.preview]
    return "\n".join(parts)


def test_a_dry_run_stores_nothing_and_lists_what_it_would_store(services):
    report = import_file((HEADER + "14-02-2025;MIN-A-DG1;Pesten/Chantage;Advies;;Jan\n").encode(),
                         MAPPING, channel="bmw", taxonomy=services.taxonomy, org=services.org(),
                         signals=services.signals, allowed_organisations=frozenset({"MIN-A"}),
                         dry_run=True)
    assert services.signals.count() == 0 and report.stored == 0 and report.valid == 1
    assert report.preview[0].coded == {
        "period": ("2025-02",), "unit": ("MIN-A-DG1",), "channel": ("bmw",),
        "categories": ("pesten", "intimidatie"), "implicated_party": ("collega",),
        "reporter_role": ("medewerker",), "follow_up": ("advies",), "case_token": (),
    }
    assert report.dropped_columns == ("Naam",)
    assert "14-02-2025" not in texts(report) and "Jan" not in texts(report)


def test_a_dry_run_lists_every_unmapped_value_with_its_lines(services):
    report = dry("01-01-2025;MIN-A;Pesten/Treiteren;Advies;;\n"
                 "01-02-2025;Onbekend bureau;Treiteren;Doorsturen;;\n"
                 "01-03-2025;MIN-A;Pesten;Advies;;\n")
    assert report.refused and report.valid == 1 and report.problem_lines == 2
    unmapped = {(u.column, u.value): u.lines for u in report.unmapped.values()}
    assert unmapped == {("Onderwerp", "Treiteren"): [2, 3], ("Afdeling", "Onbekend bureau"): [3],
                        ("Afhandeling", "Doorsturen"): [3]}
    first = report.problems[0].text
    assert first.startswith("Regel 2, kolom 'Onderwerp' ('Treiteren'): Deze waarde staat niet in")
    assert services.signals.count() == 0


def test_one_bad_row_and_nothing_is_stored(services):
    real(services, "01-01-2025;MIN-A;Pesten;Advies;;\n")
    before = services.signals.count()
    report = real(services, "01-01-2025;MIN-A;Pesten;Advies;;\n" * 50
                  + "01-02-2025;MIN-A;Onbekend onderwerp;Advies;;\n"
                  + "01-03-2025;MIN-A;Pesten;Advies;;\n" * 50)
    assert report.refused and report.stored == 0
    assert [(p.line, p.column) for p in report.problems] == [(52, "Onderwerp")]
    assert services.signals.count() == before == 1


def test_a_formula_on_the_last_line_refuses_the_whole_file(services):
    with pytest.raises(ValidationFailed, match="Regel 12, kolom 'Naam'"):
        real(services, "01-01-2025;MIN-A;Pesten;Advies;;\n" * 10 + "01-01-2025;MIN-A;Pesten;;;@SUM(1)\n")
    assert services.signals.count() == 0


def test_a_good_import_stores_every_row_once_in_one_go(services):
    report = real(services, "01-01-2025;MIN-A;Pesten;Advies;;\n" * 30 + "\n"
                  + "2025-02-03;juridische zaken;Roddelen;;;\n")
    assert not report.refused and report.stored == 31 == services.signals.count()
    assert report.blank == 1
    with services.db.session() as session:
        rows = session.execute(text(
            "SELECT period, unit, channel, follow_up, receipt_hash FROM signals "
            "WHERE follow_up = 'alleen_luisteren'")).all()
    assert [tuple(r) for r in rows] == [("2025-02", "MIN-A-DG1-D1", "bmw", "alleen_luisteren", None)]


def test_units_outside_the_uploaders_organisations_are_refused_but_the_cli_may_import_them(services):
    report = dry("01-01-2025;MIN-B-D1;Pesten;Advies;;\n")
    assert report.refused
    assert report.problems[0].text == ("Regel 2, kolom 'Afdeling' ('MIN-B-D1'): Dit onderdeel hoort niet "
                                       "bij uw organisatie.")
    assert not dry("01-01-2025;MIN-B-D1;Pesten;Advies;;\n", allowed=None).refused


def test_units_match_by_code_in_any_case_or_by_a_name_unique_in_scope():
    report = dry("01-01-2025;min-a-dg2;Pesten;;;\n01-01-2025;Team Klein;Pesten;;;\n"
                 "01-01-2025;Directie Onderzoek;Pesten;;;\n")
    assert [row.coded.get("unit") for row in report.preview] == [("MIN-A-DG2",), ("MIN-A-DG1-D2-T1",), None]
    # Directie Onderzoek exists, but in MIN-B: for a MIN-A adviser it is not a known name.
    assert report.problems[0].line == 4 and report.problems[0].column == "Afdeling"


def test_invalid_and_future_dates_are_refused_without_showing_the_day():
    future = Month.current().add(1)
    report = dry(f"31-02-2025;MIN-A;Pesten;;;\n15-{future.month:02d}-{future.year};MIN-A;Pesten;;;\n"
                 ";MIN-A;Pesten;;;\n13/13/2025;MIN-A;Pesten;;;\n")
    messages = [(p.line, p.message) for p in report.problems]
    assert messages[0][1].startswith("Geen geldige datum") and messages[0][0] == 2
    assert messages[1] == (3, "De maand mag niet in de toekomst liggen.")
    assert messages[2] == (4, "De datum ontbreekt.")
    assert messages[3][0] == 5
    shown = texts(report)
    assert "31-02" not in shown and "13/13" not in shown and f"15-{future.month:02d}" not in shown
    assert all(p.value is None for p in report.problems)


def test_times_and_excel_serial_numbers_are_coarsened_to_the_month():
    report = dry("2025-03-04 14:35:00;MIN-A;Pesten;;;\n45717;MIN-A;Pesten;;;\n2025-1;MIN-A;Pesten;;;\n")
    assert [row.coded["period"] for row in report.preview] == [("2025-03",), ("2025-03",), ("2025-01",)]
    assert "14:35" not in texts(report)


def test_a_date_typed_into_another_column_is_not_echoed_with_its_day():
    report = dry("01-01-2025;MIN-A;Pesten op 14-02-2025 om 10:15;;;\n")
    assert report.problems[0].value == "Pesten op [datum/tijd] om [datum/tijd]"
    assert "14-02" not in texts(report) and "10:15" not in texts(report)


def test_a_skipped_value_leaves_the_row_out_and_says_so():
    report = dry("01-01-2025;MIN-A;Privé;;;\n01-01-2025;MIN-A;Privé/Pesten;;;\n")
    assert report.skipped_count == 1 and report.skipped[0][0] == 2 and report.valid == 1
    assert report.preview[1].coded["categories"] == ("pesten",)


def test_case_tokens_are_validated_never_echoed_and_stored_as_pseudonyms(services):
    report = dry("01-01-2025;MIN-A;Pesten;;geheim-123;\n")
    assert report.problems[0].column == "Zaak" and report.problems[0].value is None
    assert "geheim" not in texts(report)
    real(services, "01-01-2025;MIN-A;Pesten;;abcd-efgh-jkmn-pqrs;\n")
    with services.db.session() as session:
        stored = session.execute(text("SELECT case_pseudonym FROM signals")).scalar_one()
    assert stored and "ABCD" not in stored


def test_an_unknown_channel_is_refused_before_the_file_is_read():
    with pytest.raises(ValidationFailed) as caught:
        RowCoder(MAPPING, TAXONOMY, ORG, "fax", allowed_organisations=None)
    assert caught.value.errors[0].field == "channel"


def test_problem_details_are_capped_but_counted():
    report = dry("01-01-2025;MIN-A;Treiteren;;;\n" * (MAX_PROBLEMS + 5))
    assert len(report.problems) == MAX_PROBLEMS and report.problem_count == MAX_PROBLEMS + 5
    assert len(next(iter(report.unmapped.values())).lines) == 20


def test_a_file_with_only_a_header_is_refused():
    with pytest.raises(ValidationFailed, match="geen regels met gegevens"):
        dry("\n\n")


# --- properties ---------------------------------------------------------------------------

FORMATS = {
    "dd-mm-jjjj": lambda d: f"{d.day:02d}-{d.month:02d}-{d.year}",
    "d-m-jjjj": lambda d: f"{d.day}-{d.month}-{d.year}",
    "dd/mm/jjjj": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "jjjj-mm-dd": lambda d: d.isoformat(),
}
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2025, 12, 31))
known = st.sampled_from(["Pesten", "pesten ", "RODDELEN", "Chantage", "Pesten/Chantage", "intimidatie"])
unknown = st.text(alphabet="qxzwv", min_size=3, max_size=8)


@st.composite
def rows(draw):  # type: ignore[no-untyped-def]
    day = draw(dates)
    rendered = FORMATS[draw(st.sampled_from(sorted(FORMATS)))](day)
    subject = draw(st.one_of(known, known, known, unknown))
    return day, rendered, subject


@settings(max_examples=60, deadline=None)
@given(st.lists(rows(), min_size=1, max_size=25))
def test_no_stored_record_carries_a_day_or_an_unmapped_value(generated):
    body = "".join(f"{rendered};MIN-A;{subject};;;\n" for _, rendered, subject in generated)
    stored: list[SignalRecord] = []
    sheet = open_sheet((HEADER + body).encode(), MAPPING.source_columns)
    coder = RowCoder(MAPPING, TAXONOMY, ORG, "bmw", allowed_organisations=frozenset({"MIN-A"}),
                     today=Month(2026, 1))
    report = run_import(sheet, coder, dry_run=False,
                        store=lambda records: stored.extend(records) or len(records))
    any_unknown = any(set(subject) <= set("qxzwv") for _, _, subject in generated)
    # All or nothing: one unmapped value and no record at all reaches the store.
    assert report.refused == any_unknown
    assert (len(stored) == len(generated)) != any_unknown and (not stored) == any_unknown
    for (day, _, _), record in zip(generated, stored, strict=False):
        assert re.fullmatch(r"\d{4}-\d{2}", str(record.period))
        assert record.period == Month(day.year, day.month)
        assert set(record.categories) <= TARGETS
    shown = texts(report)
    for _, rendered, _ in generated:
        assert rendered not in shown  # the day, in any format, never reaches the report
