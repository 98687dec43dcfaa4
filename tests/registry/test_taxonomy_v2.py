"""Taxonomy 2026.2: the new codes, Dutch spelling in labels, the PSA group, the meldknop's own
follow-up code, and how 2026.1 codes are read in 2026.2."""

import importlib.util
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from registry.taxonomy import PSA_GROUP, load_taxonomy
from registry.taxonomy.loader import parse_taxonomy
from registry.taxonomy.upgrade import load_upgrade

V1, V2 = load_taxonomy("2026.1"), load_taxonomy()
UPGRADE = load_upgrade("2026.1", "2026.2")
MIGRATION = (Path(__file__).resolve().parents[2]
             / "server/migrations/versions/0007_taxonomy_v2.py")
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# Dutch words as they read when their diacritics are lost; none may appear in a label.
LOST_DIACRITICS = ("coordinator", "financiele", "beinvloeding", "privesfeer", "prive",
                   "categorieen", "ideeen", "geinformeerd", "reele", "een of meer")
CODE_KEYS = {"code", "label_nl", "label_en", "definition_nl", "definition_en", "self_report"}


def _raw() -> dict:
    path = resources.files("registry.taxonomy").joinpath("data/taxonomy-2026.2.json")
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_default_is_version_2_with_the_new_codes():
    assert V2.version == "2026.2"
    assert {"benadeling_na_melding", "omkoping_geschenken", "nevenwerkzaamheden",
            "misdragingen_privesfeer"} <= set(V2.codes("categories"))
    assert {"ondergeschikte", "inhuur_extern"} <= set(V2.codes("implicated_party"))
    assert {"leidinggevende", "po_hr", "bedrijfsarts", "klachtencommissie", "ondernemingsraad",
            "onafhankelijk_personeelsadviseur"} <= set(V2.codes("channel"))
    assert V2.label("channel", "po_hr") == "P&O / HR"


def test_the_independent_staff_adviser_is_a_channel_of_its_own():
    assert "onafhankelijk" not in V2.fields["channel"].get("personeelsraadgever").definition_nl
    assert V2.label("channel", "onafhankelijk_personeelsadviseur") == "Onafhankelijk personeelsadviseur"


def test_werkdruk_means_work_pressure_and_the_psa_group_holds_the_five_forms():
    assert V2.label("categories", "werkdruk") == "Werkdruk"
    group = V2.groups[PSA_GROUP]
    assert group.label_nl == "Psychosociale arbeidsbelasting (Arbowet art. 1 lid 3 sub e)"
    assert {"discriminatie", "seksuele_intimidatie", "agressie_intern", "agressie_extern",
            "pesten", "werkdruk"} <= set(group.codes)
    # integrity subjects are not PSA
    assert not {"fraude_diefstal", "belangenverstrengeling", "benadeling_na_melding",
                "vermoeden_misstand", "overig"} & set(group.codes)


def test_misuse_of_resources_is_not_fraud():
    assert "middelen" not in V2.label("categories", "fraude_diefstal")
    assert "misbruik_dienstmiddelen" in V2.codes("categories")


@pytest.mark.parametrize("field", sorted(V2.fields))
def test_codes_stay_ascii_and_labels_keep_their_diacritics(field):
    for code in V2.fields[field].codes:
        assert CODE_RE.match(code.code), code.code
        for text in (code.label_nl, code.definition_nl):
            words = text.lower()
            for lost in LOST_DIACRITICS:
                assert not re.search(rf"\b{lost}\b", words), (code.code, lost)
    assert V2.label("channel", "integriteitscoordinator") == "Integriteitscoördinator"
    assert "Financiële" in V2.fields["categories"].get("fraude_diefstal").definition_nl
    assert "Beïnvloeding" in V2.fields["categories"].get("ondermijning_bedreiging").definition_nl


def test_only_the_meldknop_code_is_a_self_report_and_advisers_do_not_get_it():
    marked = [(name, c.code) for name, f in V2.fields.items() for c in f.codes if c.self_report]
    assert marked == [("follow_up", "zelfmelding_geen_opvolging")]
    assert V2.label("follow_up", "zelfmelding_geen_opvolging") == "Zelfmelding, geen opvolging bekend"
    assert "zelfmelding_geen_opvolging" not in [c.code for c in V2.fields["follow_up"].adviser_codes]
    assert len(V2.fields["channel"].adviser_codes) == len(V2.fields["channel"].codes)


def test_the_file_holds_codes_and_texts_only():
    raw = _raw()
    for field in raw["fields"].values():
        for value in field["values"]:
            assert set(value) <= CODE_KEYS
    assert set(raw) == {"version", "definitions", "fields", "groups"}


def test_a_group_with_an_unknown_code_is_refused():
    raw = _raw()
    raw["groups"][PSA_GROUP]["codes"].append("geen_code")
    with pytest.raises(ValueError, match="geen_code"):
        parse_taxonomy(raw)


def test_every_version_1_code_has_a_place_in_version_2():
    assert UPGRADE.problems(V1, V2) == []
    for name in V1.fields:
        for code in V1.codes(name):
            assert UPGRADE.code(name, code) in V2.fields[name].code_set


def test_the_meldknop_rule_only_touches_its_own_signals():
    rule = dict(has_receipt=False, has_case=False)
    assert UPGRADE.follow_up("meldpunt", "doorverwijzing", **rule) == "zelfmelding_geen_opvolging"
    assert UPGRADE.follow_up("meldpunt", "doorverwijzing", has_receipt=True,
                             has_case=False) == "doorverwijzing"
    assert UPGRADE.follow_up("meldpunt", "doorverwijzing", has_receipt=False,
                             has_case=True) == "doorverwijzing"
    assert UPGRADE.follow_up("vp_intern", "doorverwijzing", **rule) == "doorverwijzing"
    assert UPGRADE.follow_up("meldpunt", "advies", **rule) == "advies"


def test_the_narrowed_codes_say_what_older_signals_may_hold():
    narrowed = {(n.field, n.code) for n in UPGRADE.narrowed}
    assert {("categories", "werkdruk"), ("categories", "fraude_diefstal"),
            ("categories", "machtsmisbruik"), ("implicated_party", "collega"),
            ("channel", "personeelsraadgever")} <= narrowed


def test_the_migration_applies_the_same_rules_as_the_upgrade_file():
    spec = importlib.util.spec_from_file_location("migration_0007", MIGRATION)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert (UPGRADE.source, UPGRADE.target) == (migration.OLD_VERSION, migration.NEW_VERSION)
    rule = UPGRADE.self_report
    copied = (migration.SELF_REPORT_CHANNEL, migration.OLD_FOLLOW_UP, migration.NEW_FOLLOW_UP)
    assert copied == (rule.channel, rule.source, rule.target)
    assert UPGRADE.renamed == migration.RENAMED
    assert migration.down_revision == "0006"
