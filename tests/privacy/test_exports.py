"""Release files: JSON and CSV verify when untouched and fail when one estimate is changed."""

import csv
import io
import json
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from privacy.accounting import Cap
from privacy.exports import release_to_csv, release_to_json, result_cells, verify_release_file
from privacy.ledger import BudgetLedger
from privacy.releases import Release, ReleaseService, canonical_spec, release_document
from privacy.signing import Signer, canonical_json

RESULT = {
    "tables": {
        "contacts": [
            {"unit": "MIN-A", "category": "pesten", "estimate": 12, "ci90": 4.5},
            {"unit": "MIN-A/DG-1", "category": "intimidatie", "estimate": -3, "ci90": 4.5},
        ],
    },
    "accuracy": {"mechanism": "discrete Laplace", "note": "=HYPERLINK(\"x\")"},
    "labels": ["-geen-", "@risk", "+1", "gewoon", "Zoë"],
    "post_processed": False,
    "coarsened_into": None,
}


@pytest.fixture(scope="module")
def signer(tmp_path_factory):
    return Signer.from_file(tmp_path_factory.mktemp("keys") / "signing-key", create_missing=True)


@pytest.fixture(scope="module")
def other_signer(tmp_path_factory):
    return Signer.from_file(tmp_path_factory.mktemp("keys") / "other-key", create_missing=True)


def make_release(signer, result=RESULT, replaces=None):
    spec_json, spec_hash = canonical_spec({"measure": "contacts"})
    result_json = canonical_json(result).decode()
    document = release_document(
        release_id="f" * 32, scope="or:MIN-A", spec=json.loads(spec_json),
        result=json.loads(result_json), epsilon_spent="0.5", release_date=date(2026, 3, 1),
        replaces=replaces, public_key=signer.public_key_b64,
    )
    return Release(
        id="f" * 32, consumer="or:MIN-A", scope="or:MIN-A", year=2026, spec_json=spec_json,
        spec_hash=spec_hash, result_json=result_json, epsilon_spent=Fraction(1, 2),
        release_date=date(2026, 3, 1), replaces=replaces, signature=signer.sign(document),
        public_key=signer.public_key_b64, key_id=signer.key_id,
    )


def split(csv_text):
    """(comment header, table body); only the leading comment lines are the header."""
    lines = list(io.StringIO(csv_text, newline=""))
    count = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    return "".join(lines[:count]), "".join(lines[count:])


def data_rows(csv_text):
    return list(csv.reader(io.StringIO(split(csv_text)[1], newline="")))


def with_rows(csv_text, rows):
    header = split(csv_text)[0]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return header + out.getvalue()


# -- JSON --------------------------------------------------------------------------------------


def test_untouched_json_verifies_against_the_published_key(signer):
    outcome = verify_release_file(release_to_json(make_release(signer)), signer.public_key_b64)
    assert outcome.ok, outcome.message
    assert outcome.release_id == "f" * 32
    assert outcome.key_id == signer.key_id


def test_json_with_one_estimate_changed_fails(signer):
    text = release_to_json(make_release(signer))
    assert text.count('"estimate": 12') == 1
    outcome = verify_release_file(text.replace('"estimate": 12', '"estimate": 13'),
                                  signer.public_key_b64)
    assert not outcome.ok
    assert "gewijzigd" in outcome.message


def test_json_with_changed_epsilon_or_date_fails(signer):
    payload = json.loads(release_to_json(make_release(signer)))
    for field, value in (("epsilon_spent", "0.05"), ("release_date", "2026-03-02")):
        forged = {**payload, "document": {**payload["document"], field: value}}
        assert not verify_release_file(json.dumps(forged), signer.public_key_b64).ok


def test_json_survives_reformatting(signer):
    payload = json.loads(release_to_json(make_release(signer)))
    assert verify_release_file(json.dumps(payload), signer.public_key_b64).ok


def test_json_signed_by_another_key_fails(signer, other_signer):
    outcome = verify_release_file(release_to_json(make_release(other_signer)),
                                  signer.public_key_b64)
    assert not outcome.ok
    assert "andere sleutel" in outcome.message


def test_without_a_key_the_files_own_key_is_used_and_said_so(signer):
    outcome = verify_release_file(release_to_json(make_release(signer)))
    assert outcome.ok
    assert "sleutel uit het bestand" in outcome.message


def test_json_with_an_extra_field_fails(signer):
    payload = json.loads(release_to_json(make_release(signer)))
    payload["document"]["extra"] = 1
    assert not verify_release_file(json.dumps(payload), signer.public_key_b64).ok


# -- CSV ---------------------------------------------------------------------------------------


def test_untouched_csv_verifies(signer):
    text = release_to_csv(make_release(signer))
    outcome = verify_release_file(text, signer.public_key_b64)
    assert outcome.ok, outcome.message
    for key in ("release_id", "signature", "public_key", "document_sha256"):
        assert f"# {key}: " in text


def test_csv_has_one_row_per_cell(signer):
    rows = data_rows(release_to_csv(make_release(signer)))
    assert rows[0] == ["table", "row", "column", "value"]
    assert ["tables/contacts", "1", "estimate", "-3"] in rows
    assert ["tables/contacts", "0", "unit", "MIN-A"] in rows
    assert len(rows) - 1 == len(result_cells(RESULT))


def test_csv_guards_text_against_formulas_but_keeps_negative_numbers(signer):
    rows = data_rows(release_to_csv(make_release(signer)))
    values = [row[3] for row in rows[1:]]
    assert "-3" in values  # a number stays a number
    assert "'=HYPERLINK(\"x\")" in values
    assert {"'-geen-", "'@risk", "'+1", "gewoon", "Zoë"} <= set(values)
    assert "=HYPERLINK(\"x\")" not in values


def test_csv_with_one_estimate_changed_fails(signer):
    text = release_to_csv(make_release(signer))
    rows = data_rows(text)
    index = rows.index(["tables/contacts", "0", "estimate", "12"])
    rows[index][3] = "13"
    outcome = verify_release_file(with_rows(text, rows), signer.public_key_b64)
    assert not outcome.ok
    assert "cel" in outcome.message.lower()


def test_csv_with_a_row_removed_or_added_fails(signer):
    text = release_to_csv(make_release(signer))
    rows = data_rows(text)
    assert not verify_release_file(with_rows(text, rows[:-1]), signer.public_key_b64).ok
    extra = [*rows, ["tables/contacts", "2", "estimate", "7"]]
    assert not verify_release_file(with_rows(text, extra), signer.public_key_b64).ok


def test_csv_with_a_changed_header_or_document_fails(signer):
    text = release_to_csv(make_release(signer))
    assert not verify_release_file(text.replace("# release_date: 2026-03-01",
                                                "# release_date: 2026-04-01"),
                                   signer.public_key_b64).ok
    document_line = next(line for line in text.splitlines() if line.startswith("# document: "))
    forged = document_line[:-8] + ("A" * 8 if not document_line.endswith("A" * 8) else "B" * 8)
    assert not verify_release_file(text.replace(document_line, forged), signer.public_key_b64).ok


def test_csv_saved_with_unix_line_endings_still_verifies(signer, tmp_path):
    text = release_to_csv(make_release(signer)).replace("\r\n", "\n")
    path = tmp_path / "release.csv"
    path.write_bytes(text.encode("utf-8"))
    assert verify_release_file(path, signer.public_key_b64).ok
    assert verify_release_file(str(path), signer.public_key_b64).ok


def test_unknown_file_fails_with_a_message():
    outcome = verify_release_file("a,b\n1,2\n")
    assert not outcome.ok
    assert outcome.message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(result=st.dictionaries(st.text(max_size=6), json_values, min_size=1, max_size=4),
       data=st.data())
def test_any_result_round_trips_and_any_changed_cell_fails(signer, result, data):
    release = make_release(signer, result)
    text = release_to_csv(release)
    assert verify_release_file(text, signer.public_key_b64).ok
    assert verify_release_file(release_to_json(release), signer.public_key_b64).ok
    rows = data_rows(text)
    assume(len(rows) > 1)
    row = data.draw(st.integers(1, len(rows) - 1))
    column = data.draw(st.integers(0, 3))
    replacement = data.draw(st.text(min_size=1, max_size=4).filter(lambda t: t != rows[row][column]))
    rows[row][column] = replacement
    assert not verify_release_file(with_rows(text, rows), signer.public_key_b64).ok


# -- a stored release, end to end -------------------------------------------------------------


def test_stored_release_exports_verify(services, signer, tmp_path):
    ledger = BudgetLedger(services.db, Cap.of())
    ledger.set_budget("or:MIN-A", 2026, "0.1")
    service = ReleaseService(services.db, ledger, signer)
    made = service.release("or:MIN-A", "or:MIN-A", 2026, "q", "0.05", lambda: RESULT).release
    stored = service.get(made.id)
    for name, text in (("r.json", release_to_json(stored)), ("r.csv", release_to_csv(stored))):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8", newline="")
        assert verify_release_file(path, signer.public_key_b64).ok


# -- the spent budget in the CSV header: named with its unit ----------------------------------


def _stored_release(services, signer):
    ledger = BudgetLedger(services.db, Cap.of())
    ledger.set_budget("or:MIN-A", 2026, "0.1")
    service = ReleaseService(services.db, ledger, signer)
    return service.release("or:MIN-A", "or:MIN-A", 2026, "q", "0.005", lambda: RESULT).release


def test_csv_header_names_the_unit_of_what_was_spent(services, signer):
    text = release_to_csv(_stored_release(services, signer))
    header = split(text)[0]
    assert "# budget_unit: rho\r\n# budget_spent: 0.005\r\n" in header
    assert "epsilon_spent" not in header  # the old name called a rho an epsilon
    assert verify_release_file(text, signer.public_key_b64).ok


def test_csv_header_of_an_earlier_epsilon_release_says_epsilon(signer):
    text = release_to_csv(make_release(signer))
    assert "# budget_unit: epsilon\r\n# budget_spent: 0.5\r\n" in split(text)[0]
    assert verify_release_file(text, signer.public_key_b64).ok


def test_csv_with_a_changed_spent_header_fails(services, signer):
    text = release_to_csv(_stored_release(services, signer))
    for old, new in (("# budget_spent: 0.005", "# budget_spent: 0.001"),
                     ("# budget_unit: rho", "# budget_unit: epsilon")):
        assert old in text
        assert not verify_release_file(text.replace(old, new), signer.public_key_b64).ok


def test_csv_downloaded_before_the_renamed_header_still_verifies(services, signer):
    """Files already downloaded carry "epsilon_spent: rho 0.005": they stay verifiable, and a
    changed figure in them still fails."""
    text = release_to_csv(_stored_release(services, signer))
    earlier = text.replace("# budget_unit: rho\r\n# budget_spent: 0.005\r\n",
                           "# epsilon_spent: rho 0.005\r\n")
    assert earlier != text
    assert verify_release_file(earlier, signer.public_key_b64).ok
    forged = earlier.replace("# epsilon_spent: rho 0.005", "# epsilon_spent: rho 0.001")
    assert not verify_release_file(forged, signer.public_key_b64).ok
    both = earlier.replace("# replaces:", "# budget_spent: 0.005\r\n# replaces:")
    assert not verify_release_file(both, signer.public_key_b64).ok
