"""The vertrouwenspersoon-contactregistratie mapping (formerly vertrouwenspersoon-jaarverslag):
named after what it is, the old name still accepted, and the 2026.2 codes."""

import pytest

from intake_adapters.spreadsheet import shipped_mappings
from intake_adapters.spreadsheet.mapping import canonical_name, resolve_mapping
from tests.intake_adapters.mapping_samples import TAXONOMY, coded

NAME = "vertrouwenspersoon-contactregistratie"
HEADER = "Datum;Naam melder;Afdeling;Onderwerp;Betrokkene;Functie melder;Afhandeling;Gevolgen\n"


def test_it_claims_no_national_format_and_keeps_its_old_name_as_an_alias():
    mapping = shipped_mappings(TAXONOMY)[NAME]
    assert "LVV" not in mapping.source + mapping.notes + mapping.label
    assert mapping.aliases == ("vertrouwenspersoon-jaarverslag",)
    assert "vertrouwenspersoon-jaarverslag" not in shipped_mappings(TAXONOMY)
    assert resolve_mapping("vertrouwenspersoon-jaarverslag", TAXONOMY).name == NAME
    assert canonical_name("vertrouwenspersoon-jaarverslag", shipped_mappings(TAXONOMY)) == NAME


@pytest.mark.parametrize("source, codes", [
    ("Corruptie", ("omkoping_geschenken",)),  # corruption is not theft
    ("Geschenken", ("omkoping_geschenken",)),
    ("Represaille", ("benadeling_na_melding",)),
    ("Nevenwerkzaamheden", ("nevenwerkzaamheden",)),
    ("Misdragingen in de privésfeer", ("misdragingen_privesfeer",)),
    ("Werkdruk", ("werkdruk",)),
])
def test_subjects(source, codes):
    rows = coded(NAME, HEADER + f"03-01-2025;J. de Vries;MIN-A;{source};Collega;Medewerker;Advies;\n")
    assert rows[2]["categories"] == codes


@pytest.mark.parametrize("source, code", [("Inhuur", "inhuur_extern"),
                                          ("Externe medewerker", "inhuur_extern"),
                                          ("Ondergeschikte", "ondergeschikte"),
                                          ("Burger", "burger_extern")])
def test_the_implicated_party(source, code):
    rows = coded(NAME, HEADER + f"03-01-2025;J. de Vries;MIN-A;Pesten;{source};Medewerker;Advies;\n")
    assert rows[2]["implicated_party"] == (code,)
