"""Import mappings: the shipped ones are valid and import their samples; bad mappings are refused."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from intake_adapters.spreadsheet import import_file, shipped_mappings
from intake_adapters.spreadsheet.mapping import (
    MAPPINGS_DIR,
    load_mapping,
    normalise,
    parse_mapping,
    resolve_mapping,
)
from registry.errors import NotFound, ValidationFailed
from registry.taxonomy import load_taxonomy

SAMPLES = Path(__file__).parent.parent / "fixtures" / "import"
TAXONOMY = load_taxonomy()
SHIPPED = ("bmw-registratie", "personeelsraadgever", "rijk-integriteit",
           "vertrouwenspersoon-contactregistratie")
# What each sample must store: (line, period, unit, categories, implicated party, reporter role,
# follow-up, impact) for a few lines, and how many rows in all.
EXPECTED = {
    "vertrouwenspersoon-contactregistratie": (9, [
        (3, "2025-01", "MIN-A-DG1-D2", ("intimidatie",), "direct_leidinggevende", "medewerker",
         "advies", ("verzuim",)),
        (7, "2025-03", "MIN-A-DG1-D2", ("machtsmisbruik", "fraude_diefstal"),
         "direct_leidinggevende", "leidinggevende", "integriteitsmelding", ()),
        (10, "2025-04", "MIN-A", ("pesten",), "onbekend", "inhuur_extern", "bemiddeling", ()),
    ]),
    "bmw-registratie": (5, [
        (5, "2025-02", "MIN-A-DG1-D2-T1", ("pesten", "uitsluiting"), "onbekend", "medewerker",
         "bemiddeling", ()),
        (7, "2025-03", "MIN-A-DG2", ("agressie_extern",), "onbekend", "medewerker",
         "doorverwijzing", ("verzuim",)),
    ]),
    "personeelsraadgever": (6, [
        (3, "2025-02", "MIN-A-DG1-D2", ("machtsmisbruik",), "hoger_leidinggevende", "leidinggevende",
         "advies", ()),
        (6, "2025-04", "MIN-A-DG1", ("racisme",), "burger_extern", "stagiair", "doorverwijzing", ()),
    ]),
    "rijk-integriteit": (7, [
        (3, "2025-01", "MIN-A-DG2", ("misbruik_dienstmiddelen",), "inhuur_extern", "medewerker",
         "integriteitsmelding", ()),
        (7, "2025-03", "MIN-A-DG1-D2-T1", ("misdragingen_privesfeer",), "onbekend", "medewerker",
         "integriteitsmelding", ()),
    ]),
}


def sample(name: str) -> Path:
    found = sorted(SAMPLES.glob(f"{name}.*"))
    assert len(found) == 1, f"one sample per mapping, found {found}"
    return found[0]


def minimal() -> dict:
    return {
        "name": "proef",
        "version": 1,
        "source": "Een proefbron.",
        "columns": {
            "period": {"column": "Maand", "format": "jjjj-mm"},
            "unit": {"column": "Onderdeel"},
            "categories": {"column": "Onderwerp", "values": {"Pesten": "pesten"}},
        },
        "defaults": {"implicated_party": "collega", "reporter_role": "medewerker",
                     "follow_up": "advies"},
    }


def refusal(data: dict) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_mapping(data, TAXONOMY)
    return [f"{e.field}: {e.message}" for e in caught.value.errors]


def test_the_four_sources_ship_with_a_valid_mapping_named_after_its_file():
    mappings = shipped_mappings(TAXONOMY)
    assert tuple(sorted(mappings)) == SHIPPED
    for name, mapping in mappings.items():
        assert (MAPPINGS_DIR / f"{name}.json").is_file()
        assert mapping.version >= 1 and mapping.source and mapping.label


def test_every_code_a_shipped_mapping_can_produce_exists_in_the_taxonomy():
    for mapping in shipped_mappings(TAXONOMY).values():
        for name, spec in mapping.columns.items():
            if name in ("period", "unit", "case_token"):
                continue
            for codes in spec.values.values():
                assert set(codes) <= TAXONOMY.fields[name].code_set, (mapping.name, name, codes)
        for name, codes in mapping.defaults.items():
            if name != "unit":
                assert set(codes) <= TAXONOMY.fields[name].code_set


def test_the_rijk_and_adviser_category_lists_from_the_domain_notes_are_all_covered():
    rijk = shipped_mappings(TAXONOMY)["rijk-integriteit"].columns["categories"].values
    for label in ("Financiële schendingen",
                  "Oneigenlijk gebruik dienstmiddelen / overschrijding interne regels",
                  "Misbruik van (geweld)bevoegdheden", "Lekken of misbruik van informatie",
                  "Belangenverstrengeling", "Misdragingen in de privésfeer", "Ongewenste omgangsvormen"):
        assert normalise(label) in rijk, label
    adviser = shipped_mappings(TAXONOMY)["vertrouwenspersoon-contactregistratie"].columns["categories"].values
    for label in ("intimidatie", "pesten", "agressie", "discriminatie", "seksuele intimidatie",
                  "machtsmisbruik", "diefstal", "corruptie", "afpersing", "chantage", "bedreiging",
                  "geweld", "roddelen"):
        assert label in adviser, label


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_mapping_imports_its_sample(services, name):
    mapping = shipped_mappings(services.taxonomy)[name]
    count, checks = EXPECTED[name]
    report = import_file(sample(name).read_bytes(), mapping, channel="vp_extern",
                         taxonomy=services.taxonomy, org=services.org(), signals=services.signals,
                         allowed_organisations=frozenset({"MIN-A"}), dry_run=False)
    assert not report.refused, [p.text for p in report.problems]
    assert report.stored == count == services.signals.count()
    assert report.dropped_columns  # every sample carries a column the mapping leaves out
    by_line = {row.line: row.coded for row in report.preview}
    for line, period, unit, categories, party, role, follow_up, impact in checks:
        coded = by_line[line]
        assert coded["period"] == (period,) and coded["unit"] == (unit,)
        assert set(coded["categories"]) == set(categories)
        assert coded["implicated_party"] == (party,) and coded["reporter_role"] == (role,)
        assert coded["follow_up"] == (follow_up,) and set(coded.get("impact", ())) == set(impact)
        assert coded["channel"] == ("vp_extern",)
    with services.db.session() as session:
        periods = session.execute(text("SELECT period FROM signals")).scalars().all()
        units = set(session.execute(text("SELECT unit FROM signals")).scalars().all())
    assert all(re.fullmatch(r"\d{4}-\d{2}", p) for p in periods)
    assert units == {row.coded["unit"][0] for row in report.preview if row.record is not None}


def test_a_mapping_with_a_code_outside_the_taxonomy_is_refused():
    data = minimal()
    data["columns"]["categories"]["values"]["Roddelen"] = "roddelen"
    assert any("Code 'roddelen' bestaat niet" in e for e in refusal(data))


def test_a_mapping_must_cover_every_required_field_and_not_name_the_channel():
    data = minimal()
    del data["defaults"]["follow_up"]
    data["columns"]["channel"] = {"column": "Kanaal"}
    errors = refusal(data)
    assert any(e.startswith("columns.follow_up:") and "verplicht" in e for e in errors)
    assert any(e.startswith("columns.channel:") and "kiest" in e for e in errors)


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["columns"]["period"].update(format="dd.mm.jj"), "Onbekend datumformaat"),
    (lambda d: d["columns"]["categories"].update(separator="ab"), "scheidingsteken"),
    (lambda d: d["columns"]["categories"].update(skip=["Pesten"]), "staat ook bij values"),
    (lambda d: d["columns"]["categories"].update(colour="blauw"), "Onbekende sleutel"),
    (lambda d: d.update(extra=1), "Onbekende sleutel"),
    (lambda d: d.update(version=0), "versie"),
    (lambda d: d.update(name="Met Spaties"), "naam"),
    (lambda d: d.update(source=""), "bron"),
    (lambda d: d["defaults"].update(period="2025-01"), "geen standaardwaarde"),
    (lambda d: d["defaults"].update(categories="pesten"), "komt al uit een kolom"),
    (lambda d: d["defaults"].update(follow_up=["advies", "bemiddeling"]), "precies één code"),
    (lambda d: d["columns"].update(impact={"column": "Onderwerp"}), "ook gekoppeld"),
    (lambda d: d["columns"]["categories"]["values"].update({"pesten ": "intimidatie"}),
     "andere code"),
])
def test_each_kind_of_bad_mapping_is_named(change, expected):
    data = copy.deepcopy(minimal())
    change(data)
    assert any(expected in e for e in refusal(data)), refusal(data)


def test_a_valid_minimal_mapping_parses_with_normalised_values():
    mapping = parse_mapping(minimal(), TAXONOMY)
    assert mapping.source_columns == ("Maand", "Onderdeel", "Onderwerp")
    assert mapping.columns["categories"].values == {"pesten": ("pesten",)}
    assert mapping.title == "proef (v1)"


def test_mapping_files_are_found_by_name_or_path_and_unknown_names_are_refused(tmp_path):
    assert resolve_mapping("bmw-registratie", TAXONOMY).name == "bmw-registratie"
    path = tmp_path / "eigen.json"
    path.write_text(json.dumps(minimal()), encoding="utf-8")
    assert resolve_mapping(str(path), TAXONOMY).name == "proef"
    with pytest.raises(NotFound, match="kies uit"):
        resolve_mapping("bestaat-niet", TAXONOMY)
    path.write_text("{niet json", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="kan niet worden gelezen"):
        load_mapping(path, TAXONOMY)
