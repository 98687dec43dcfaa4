"""The rijk-integriteit mapping under taxonomy 2026.2: every Rijk integrity type has its own
code; misuse of official resources is not fraud; nothing of the Rijk's types lands in overig."""

import pytest

from tests.intake_adapters.mapping_samples import TAXONOMY, coded

HEADER = "Periode,Onderdeel,Type schending,Functie betrokkene,Dossiernummer,Toelichting\n"


@pytest.mark.parametrize("source, code", [
    ("Financiële schendingen", "fraude_diefstal"),
    ("Oneigenlijk gebruik dienstmiddelen / overschrijding interne regels", "misbruik_dienstmiddelen"),
    ("Oneigenlijk gebruik dienstmiddelen", "misbruik_dienstmiddelen"),
    ("Misdragingen in de privésfeer", "misdragingen_privesfeer"),
    ("Ongewenste omgangsvormen", "ongewenste_omgangsvormen"),
    ("Nevenwerkzaamheden", "nevenwerkzaamheden"),
    ("Aannemen van geschenken", "omkoping_geschenken"),
    ("Misbruik van (geweld)bevoegdheden", "machtsmisbruik"),
])
def test_each_rijk_type_has_its_own_code(source, code):
    rows = coded("rijk-integriteit", HEADER + f'2025-01,MIN-A,"{source}",Medewerker,INT-1,vrije tekst\n')
    assert rows[2]["categories"] == (code,)
    assert rows[2]["follow_up"] == ("integriteitsmelding",)


def test_no_rijk_type_goes_to_overig_and_none_is_counted_as_fraud_unless_it_is():
    from intake_adapters.spreadsheet import shipped_mappings

    values = shipped_mappings(TAXONOMY)["rijk-integriteit"].columns["categories"].values
    assert ("overig",) not in values.values()
    fraud = [source for source, codes in values.items() if codes == ("fraude_diefstal",)]
    assert all(source.startswith("financiele") for source in fraud), fraud


@pytest.mark.parametrize("source, code", [("Inhuur", "inhuur_extern"),
                                          ("Ondergeschikte", "ondergeschikte"),
                                          ("Medewerker", "collega")])
def test_hired_staff_is_not_a_colleague(source, code):
    rows = coded("rijk-integriteit", HEADER + f"2025-01,MIN-A,Belangenverstrengeling,{source},I,\n")
    assert rows[2]["implicated_party"] == (code,)


def test_the_notes_no_longer_send_types_to_overig():
    from intake_adapters.spreadsheet import shipped_mappings

    mapping = shipped_mappings(TAXONOMY)["rijk-integriteit"]
    assert mapping.version == 2
    assert "overig" not in mapping.notes.replace("'overig'", "")
