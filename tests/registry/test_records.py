"""Signal records: every invalid payload is refused with a message per field."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.errors import ValidationFailed
from registry.organisations import parse_org_csv
from registry.periods import Month
from registry.records import RECORD_FIELDS, SignalRecord
from registry.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()
ORG = parse_org_csv((Path(__file__).parent.parent / "fixtures" / "org-small.csv").read_text())
TODAY = Month(2026, 11)
VALID = {
    "period": "2026-10",
    "unit": "MIN-A-DG1-D1",
    "channel": "vp_intern",
    "categories": ["pesten", "werkdruk"],
    "implicated_party": "collega",
    "reporter_role": "medewerker",
    "follow_up": "alleen_luisteren",
    "impact": ["verzuim"],
}


def _record(payload, **kwargs):
    return SignalRecord.from_payload(payload, TAXONOMY, ORG, today=TODAY, **kwargs)


def test_valid_payload_becomes_a_record_with_its_organisation():
    record = _record(VALID)
    assert record.period == Month(2026, 10)
    assert record.organisation == "MIN-A"
    assert record.categories == ("pesten", "werkdruk")
    assert record.case_token is None


def test_categories_are_kept_in_taxonomy_order():
    record = _record({**VALID, "categories": ["werkdruk", "pesten"]})
    assert record.categories == ("pesten", "werkdruk")


def test_case_token_is_normalised_to_upper_case():
    record = _record({**VALID, "case_token": "abcd-efgh-jkmn-pqrs"})
    assert record.case_token == "ABCD-EFGH-JKMN-PQRS"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"period": "2026-12"}, "period", "De maand mag niet in de toekomst liggen."),
        ({"period": "2026-10-05"}, "period", "Gebruik het formaat JJJJ-MM, bijvoorbeeld 2026-03."),
        ({"period": "2026-13"}, "period", "De maand moet tussen 01 en 12 liggen."),
        ({"period": None}, "period", "Vul de maand in (JJJJ-MM)."),
        ({"unit": "NOPE"}, "unit", "Dit organisatieonderdeel bestaat niet."),
        ({"categories": []}, "categories", "Kies minstens een waarde voor onderwerp(en)."),
        ({"categories": ["pesten", "pesten"]}, "categories", "Een code staat dubbel bij onderwerp(en)."),
        ({"categories": "pesten"}, "categories", "Onderwerp(en): geef een lijst codes."),
        ({"channel": "twitter"}, "channel", "Onbekende code voor kanaal."),
        ({"follow_up": ""}, "follow_up", "Kies een waarde voor opvolging."),
        ({"impact": ["ontslag"]}, "impact", "Onbekende code voor gevolgen."),
        ({"case_token": "1234"}, "case_token", None),
        ({"case_token": "ABC-DEF-GHJ-KLM-NPQ-RST"}, "case_token",
         "Dit zaaknummer klopt niet: controleer het op typefouten."),
        ({"notes": "free text about a person"}, "notes", "Onbekend veld; vrije tekst wordt niet opgeslagen."),
    ],
)
def test_each_invalid_field_is_named_with_a_dutch_message(change, field, message):
    with pytest.raises(ValidationFailed) as caught:
        _record({**VALID, **change})
    errors = {e.field: e.message for e in caught.value.errors}
    assert field in errors
    if message:
        assert errors[field] == message


def test_all_problems_are_reported_at_once():
    with pytest.raises(ValidationFailed) as caught:
        _record({"period": "x", "unit": "x", "channel": "x"})
    fields = {e.field for e in caught.value.errors}
    assert {"period", "unit", "channel", "categories", "implicated_party", "reporter_role",
            "follow_up"} <= fields


def test_unit_of_another_organisation_is_refused_for_a_scoped_adviser():
    with pytest.raises(ValidationFailed) as caught:
        _record({**VALID, "unit": "MIN-B-D1"}, allowed_organisations=frozenset({"MIN-A"}))
    assert caught.value.errors[0].message == "Dit onderdeel hoort niet bij uw organisatie."


def test_non_object_payload_is_refused():
    with pytest.raises(ValidationFailed):
        _record(["not", "a", "dict"])


field_values = st.one_of(
    st.none(), st.text(max_size=12), st.integers(), st.lists(st.text(max_size=10), max_size=3),
    st.sampled_from(["2026-01", "2030-01", "pesten", "collega", "MIN-A-DG1", "vp_intern"]),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*RECORD_FIELDS, "name", "remark"]), field_values))
def test_any_payload_either_validates_fully_or_names_the_bad_fields(payload):
    merged = {**VALID, **payload}
    try:
        record = _record(merged)
    except ValidationFailed as failure:
        assert failure.errors
        assert all(e.field and e.message for e in failure.errors)
        return
    # Accepted: every coded value is one the taxonomy and org know, and the month is not future.
    assert record.unit in ORG
    assert record.channel in TAXONOMY.fields["channel"].code_set
    assert set(record.categories) <= TAXONOMY.fields["categories"].code_set
    assert record.period <= TODAY
    assert set(merged) <= set(RECORD_FIELDS)


def test_a_case_token_is_read_without_hyphens_and_in_any_letter_case():
    issued = "ABC-DEF-GHJ-KLM-NPQ-RSN"  # its last character is its check character
    for typed in ("abcdefghjklmnpqrsn", " ABC DEF GHJ KLM NPQ RSN ", "abc-def-ghj-klm-npq-rsn"):
        assert _record({**VALID, "case_token": typed}).case_token == issued
    # A token issued before check characters, typed without hyphens, keeps its old form.
    assert _record({**VALID, "case_token": "abcdefghjkmnpqrs"}).case_token == "ABCD-EFGH-JKMN-PQRS"


def test_a_mistyped_case_token_is_refused_not_taken_for_a_new_case():
    for typed in ("ABC-DEF-GHJ-KLM-NPQ-RSE", "ABC-DEF-GHJ-KLM-NQP-RSN", "ABC-DEF-GHJ-KLM-NPQ-RS"):
        with pytest.raises(ValidationFailed) as caught:
            _record({**VALID, "case_token": typed})
        assert [(e.field, e.message) for e in caught.value.errors] == [
            ("case_token", "Dit zaaknummer klopt niet: controleer het op typefouten.")]


def test_an_adviser_may_not_log_through_the_meldknop_channel():
    with pytest.raises(ValidationFailed) as caught:
        _record({**VALID, "channel": "meldpunt"}, adviser=True)
    assert [e.field for e in caught.value.errors] == ["channel"]
    assert "meldknop" in caught.value.errors[0].message
    # The meldknop itself (and an import of a reporting point's own file) still may.
    assert _record({**VALID, "channel": "meldpunt"}).channel == "meldpunt"
