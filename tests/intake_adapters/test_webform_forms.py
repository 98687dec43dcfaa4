"""The form's pure parts: the unit list and turning a post into a record payload."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from intake_adapters.webform.forms import INDENT, FormValues, unit_groups
from registry.checked_codes import parse_case_token
from registry.organisations import OrgStructure, OrgUnit


@st.composite
def org_trees(draw: st.DrawFn) -> OrgStructure:
    """One to three organisations, each a random tree of up to 12 units."""
    units = []
    for org_no in range(draw(st.integers(1, 3))):
        root = f"ORG{org_no}"
        codes = [root]
        units.append(OrgUnit(root, f"Organisatie {org_no}", None, root, 1000))
        for unit_no in range(draw(st.integers(0, 11))):
            parent = draw(st.sampled_from(codes))
            code = f"{root}-U{unit_no}"
            codes.append(code)
            units.append(OrgUnit(code, f"Eenheid {org_no}.{unit_no}", parent, root, 10))
    order = draw(st.permutations(units))
    return OrgStructure(tuple(order))


@given(org=org_trees(), data=st.data())
def test_unit_list_holds_each_unit_once_after_its_parent_indented_by_depth(org, data):
    in_scope = data.draw(st.frozensets(st.sampled_from([u.code for u in org.organisations])))
    groups = unit_groups(org, in_scope)
    assert [g.code for g in groups] == [u.code for u in org.organisations if u.code in in_scope]
    for group in groups:
        codes = [option.code for option in group.options]
        assert sorted(codes) == sorted(u.code for u in org.units_of(group.code))
        assert codes[0] == group.code
        for position, option in enumerate(group.options):
            unit = org.get(option.code)
            assert option.label == INDENT * org.depth(option.code) + unit.name
            if unit.parent is not None:
                assert codes.index(unit.parent) < position
                # Searching for a parent's name finds its sub-units too.
                assert org.get(unit.parent).name.lower() in option.search


def test_unit_list_with_no_scope_shows_every_organisation():
    org = OrgStructure((OrgUnit("A", "A", None, "A", 5), OrgUnit("B", "B", None, "B", 5)))
    assert [g.code for g in unit_groups(org, None)] == ["A", "B"]
    assert unit_groups(org, frozenset()) == []


def test_new_case_token_is_generated_only_when_none_was_typed():
    asked = FormValues.from_form(MultiDict({"new_case_token": "1"}))
    payload, generated = asked.payload()
    assert generated is not None and parse_case_token(generated) == generated
    assert payload["case_token"] == generated
    assert asked.payload()[1] != generated  # a fresh token every time

    typed = FormValues.from_form(MultiDict({"new_case_token": "1", "case_token": " abcd-efgh "}))
    payload, generated = typed.payload()
    assert generated is None
    assert payload["case_token"] == "abcd-efgh"  # the record upper-cases and checks it

    neither = FormValues.from_form(MultiDict({}))
    assert neither.payload()[0]["case_token"] is None


def test_post_becomes_a_payload_of_known_fields_only():
    form = MultiDict([("period", " 2026-03 "), ("categories", "pesten"), ("categories", "werkdruk"),
                      ("impact", "verzuim"), ("notes", "vrije tekst"), ("unit", "X")])
    payload, _ = FormValues.from_form(form).payload()
    assert set(payload) == {"period", "unit", "channel", "categories", "implicated_party",
                            "reporter_role", "follow_up", "impact", "case_token"}
    assert payload["period"] == "2026-03"
    assert payload["categories"] == ["pesten", "werkdruk"]
    assert payload["impact"] == ["verzuim"]
