"""The shipped taxonomy file is valid and covers what the Rijk-wide definitions require."""

import json
from importlib import resources

import pytest

from registry.taxonomy import load_taxonomy
from registry.taxonomy.loader import FIELD_NAMES, parse_taxonomy

REQUIRED = {
    "categories": {"pesten", "intimidatie", "seksuele_intimidatie", "agressie_intern",
                   "agressie_extern", "discriminatie", "racisme", "uitsluiting", "machtsmisbruik",
                   "werkdruk", "conflict_leidinggevende", "conflict_collega",
                   "belangenverstrengeling", "informatie_lekken_misbruik", "fraude_diefstal",
                   "ondermijning_bedreiging", "vermoeden_misstand", "overig",
                   "benadeling_na_melding", "omkoping_geschenken", "nevenwerkzaamheden",
                   "misdragingen_privesfeer", "misbruik_dienstmiddelen",
                   "ongewenste_omgangsvormen"},
    "implicated_party": {"collega", "direct_leidinggevende", "hoger_leidinggevende",
                         "politiek_bestuurder", "burger_extern", "onbekend", "ondergeschikte",
                         "inhuur_extern"},
    "reporter_role": {"medewerker", "leidinggevende", "inhuur_extern", "stagiair",
                      "oud_medewerker", "getuige"},
    "follow_up": {"alleen_luisteren", "advies", "doorverwijzing", "bemiddeling",
                  "informele_oplossing", "formele_klacht", "integriteitsmelding",
                  "melding_misstand", "aangifte", "zelfmelding_geen_opvolging"},
    "channel": {"vp_intern", "vp_extern", "bmw", "personeelsraadgever",
                "integriteitscoordinator", "meldpunt", "leidinggevende", "po_hr", "bedrijfsarts",
                "klachtencommissie", "ondernemingsraad", "onafhankelijk_personeelsadviseur"},
    "impact": {"verzuim", "overweegt_vertrek"},
}


def _raw() -> dict:
    path = resources.files("registry.taxonomy").joinpath("data/taxonomy-2026.2.json")
    return json.loads(path.read_text(encoding="utf-8"))


def test_taxonomy_has_every_field_with_required_codes():
    taxonomy = load_taxonomy()
    assert set(FIELD_NAMES) <= set(taxonomy.fields)
    for name, codes in REQUIRED.items():
        assert codes <= set(taxonomy.codes(name)), name


def test_every_code_has_labels_in_both_languages_and_a_one_line_definition():
    for field in load_taxonomy().fields.values():
        for code in field.codes:
            assert code.label_nl and code.label_en, code.code
            for text in (code.definition_nl, code.definition_en):
                assert text and "\n" not in text and len(text) < 200, code.code


def test_definitions_of_signaal_melding_incident_are_in_both_languages():
    definitions = load_taxonomy().definitions
    for term in ("signaal", "melding", "incident"):
        assert definitions[term]["nl"] and definitions[term]["en"]


def test_only_categories_and_impact_take_several_codes():
    taxonomy = load_taxonomy()
    multiple = {name for name, field in taxonomy.fields.items() if field.multiple}
    assert multiple == {"categories", "impact"}
    assert taxonomy.fields["categories"].min_count == 1
    assert taxonomy.fields["impact"].min_count == 0


def test_duplicate_codes_are_refused():
    raw = _raw()
    raw["fields"]["channel"]["values"].append(raw["fields"]["channel"]["values"][0])
    with pytest.raises(ValueError, match="duplicate codes"):
        parse_taxonomy(raw)


def test_missing_definition_is_refused():
    raw = _raw()
    del raw["definitions"]["incident"]
    with pytest.raises(ValueError, match="incident"):
        parse_taxonomy(raw)


def test_api_shape_lists_codes_with_labels_and_definitions():
    api = load_taxonomy().as_api()
    assert api["version"] == "2026.2"
    first = api["fields"]["categories"][0]
    assert set(first) >= {"code", "label_nl", "label_en", "definition_nl"}
