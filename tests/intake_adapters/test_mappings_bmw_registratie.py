"""The bmw-registratie mapping under taxonomy 2026.2: 'ongewenst gedrag (overig)' is unwanted
conduct not further classified, no longer 'overig'; work pressure is werkdruk."""

import pytest

from tests.intake_adapters.mapping_samples import coded

HEADER = "Maand,Organisatieonderdeel,Thema,Vervolg,Verzuim,Notities\n"


@pytest.mark.parametrize("source, code", [
    ("Ongewenst gedrag (overig)", "ongewenste_omgangsvormen"),
    ("Werkdruk / stress", "werkdruk"),
    ("Agressie van klanten of burgers", "agressie_extern"),
])
def test_themes(source, code):
    rows = coded("bmw-registratie", HEADER + f"2025-03,MIN-A,{source},Eenmalig gesprek,ja,notitie\n")
    assert rows[2]["categories"] == (code,)
    assert rows[2]["impact"] == ("verzuim",)
    assert rows[2]["implicated_party"] == ("onbekend",)


def test_themes_outside_the_registry_are_still_skipped():
    rows = coded("bmw-registratie", HEADER + "2025-03,MIN-A,Financiële problemen,Doorverwijzing,nee,\n")
    assert rows == {}
