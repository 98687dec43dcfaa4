"""One list of signal fields (registry.fields): every reader covers exactly the field specs.

The record, the stored row, the API schema, the web form, the spreadsheet mapping and the
taxonomy all derive their fields from ``SIGNAL_FIELDS``; these tests fail when one of them is
spelled out again and drifts, or when a spec says something a reader does not do.
"""

from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from intake_adapters.api.openapi import SCHEMAS
from intake_adapters.spreadsheet.importer import CODED_ORDER, PAYLOAD_FIELDS
from intake_adapters.spreadsheet.mapping import (
    COLUMN_KEYS,
    MAPPED_FIELDS,
    parse_mapping,
)
from intake_adapters.spreadsheet.mapping import (
    REQUIRED_FIELDS as MAPPING_REQUIRED,
)
from intake_adapters.webform.forms import FORM_FIELDS, FormValues, choice_groups
from registry.errors import ValidationFailed
from registry.fields import (
    FIELDS_BY_NAME,
    RECORD_FIELDS,
    REQUIRED_FIELDS,
    SIGNAL_COLUMNS,
    SIGNAL_FIELDS,
    FieldKind,
)
from registry.models import Signal
from registry.organisations import parse_org_csv
from registry.periods import Month
from registry.records import SignalRecord
from registry.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()
ORG = parse_org_csv((Path(__file__).parent.parent / "fixtures" / "org-small.csv").read_text())
TODAY = Month(2026, 11)
VALID = {
    "period": "2026-10",
    "unit": "MIN-A-DG1-D1",
    "channel": "vp_intern",
    "categories": ["pesten"],
    "implicated_party": "collega",
    "reporter_role": "medewerker",
    "follow_up": "alleen_luisteren",
    "impact": ["verzuim"],
    "case_token": None,
}
CODED = [spec for spec in SIGNAL_FIELDS if spec.coded]


def test_the_specs_name_each_field_once_with_a_label_where_the_taxonomy_has_none() -> None:
    assert len(set(RECORD_FIELDS)) == len(SIGNAL_FIELDS)
    assert set(VALID) == set(RECORD_FIELDS)
    for spec in SIGNAL_FIELDS:
        assert (spec.label is None) == spec.coded, spec.name


def test_the_record_has_an_attribute_per_field_and_its_organisation() -> None:
    assert [f.name for f in dataclass_fields(SignalRecord)] == [
        "period", "unit", "organisation", *RECORD_FIELDS[2:]]


def test_single_values_are_columns_of_the_signals_table() -> None:
    columns = set(Signal.__table__.c.keys())
    assert set(SIGNAL_COLUMNS) <= columns
    assert not {spec.name for spec in SIGNAL_FIELDS if not spec.column} & columns


def test_every_taxonomy_version_codes_the_coded_fields_as_the_specs_say() -> None:
    for version in ("2026.1", "2026.2"):
        taxonomy = load_taxonomy(version)
        for spec in CODED:
            field = taxonomy.fields[spec.taxonomy_field or ""]
            assert field.multiple == spec.multiple, (version, spec.name)
            assert field.min_count == (spec.minimum if spec.multiple else 1), (version, spec.name)


def test_the_api_schema_has_exactly_the_fields_and_their_required_ones() -> None:
    schema = SCHEMAS["SignalInput"]
    assert list(schema["properties"]) == list(RECORD_FIELDS)
    assert set(schema["required"]) == set(REQUIRED_FIELDS)
    for spec in CODED:
        prop = schema["properties"][spec.name]
        lists = [prop] if spec.required else prop["oneOf"][:1]
        assert all(item["type"] == ("array" if spec.multiple else "string") for item in lists)
        if spec.multiple:
            assert lists[0]["minItems"] == spec.minimum


def test_the_web_form_shows_every_field_in_spec_order_and_a_choice_group_per_coded_field() -> None:
    assert (*RECORD_FIELDS, "new_case_token") == FORM_FIELDS
    groups = choice_groups(TAXONOMY, "nl")
    assert list(groups) == [spec.name for spec in CODED]
    assert all(groups[spec.name].multiple == spec.multiple for spec in CODED)
    assert {f.name for f in dataclass_fields(FormValues)} == {*RECORD_FIELDS, "new_case_token"}


def test_the_spreadsheet_mapping_reads_every_field_but_the_channel_chosen_when_importing() -> None:
    assert tuple(n for n in RECORD_FIELDS if n != "channel") == MAPPED_FIELDS
    assert set(COLUMN_KEYS) == set(MAPPED_FIELDS)
    assert tuple(n for n in REQUIRED_FIELDS if n != "channel") == MAPPING_REQUIRED
    assert PAYLOAD_FIELDS == MAPPED_FIELDS
    assert CODED_ORDER == RECORD_FIELDS
    assert all(("separator" in COLUMN_KEYS[n]) == FIELDS_BY_NAME[n].multiple for n in MAPPED_FIELDS)


def test_a_mapping_must_give_every_required_field_and_may_not_default_the_others() -> None:
    with pytest.raises(ValidationFailed) as failed:
        parse_mapping({"name": "leeg", "version": 1, "source": "test",
                       "columns": {"unit": {"column": "Afdeling"}},
                       "defaults": {"period": "2026-01", "case_token": "x"}}, TAXONOMY)
    refused = {e.field for e in failed.value.errors}
    required = {f"columns.{n}" for n in MAPPING_REQUIRED if n != "unit"}
    assert required <= refused
    assert {"defaults.period", "defaults.case_token"} <= refused


@settings(max_examples=60, deadline=None)
@given(st.sets(st.sampled_from(RECORD_FIELDS)))
def test_leaving_fields_out_is_refused_for_exactly_the_required_ones(left_out: set[str]) -> None:
    payload = {name: value for name, value in VALID.items() if name not in left_out}
    try:
        SignalRecord.from_payload(payload, TAXONOMY, ORG, today=TODAY, adviser=True)
    except ValidationFailed as failed:
        refused = {e.field for e in failed.errors}
    else:
        refused = set()
    assert refused == {name for name in left_out if FIELDS_BY_NAME[name].required}


@settings(max_examples=60, deadline=None)
@given(st.fixed_dictionaries({
    spec.name: (st.lists(st.sampled_from(TAXONOMY.codes(spec.name)), unique=True, max_size=3)
                if spec.multiple else st.sampled_from(TAXONOMY.codes(spec.name)))
    for spec in CODED
}))
def test_the_form_posts_prefills_and_sends_every_field_unchanged(codes: dict[str, Any]) -> None:
    stored = {**VALID, **codes}
    del stored["case_token"]
    posted = MultiDict([(name, v) for name, value in stored.items()
                        for v in (value if isinstance(value, list) else [value])])
    for values in (FormValues.from_form(posted), FormValues.from_stored(stored)):
        payload, generated = values.payload()
        assert generated is None
        assert payload == {**stored, "case_token": None}


def test_kinds_are_a_closed_set_every_reader_handles() -> None:
    assert {spec.kind for spec in SIGNAL_FIELDS} == set(FieldKind)
