"""The personeelsraadgever mapping under taxonomy 2026.2: retaliation after a report is its own
subject, and hired staff and subordinates are not colleagues."""

import pytest

from tests.intake_adapters.mapping_samples import coded

HEADER = "Datum contact,Dienstonderdeel,Categorie,Rol melder,Wederpartij,Resultaat,Notitie\n"


@pytest.mark.parametrize("source, code", [
    ("Benadeling na een melding", "benadeling_na_melding"),
    ("Represaille", "benadeling_na_melding"),
    ("Benadeling", "machtsmisbruik"),  # other detriment is not after a report
    ("Nevenwerkzaamheden", "nevenwerkzaamheden"),
    ("Geschenken", "omkoping_geschenken"),
    ("Werkdruk", "werkdruk"),
])
def test_categories(source, code):
    rows = coded("personeelsraadgever",
                 HEADER + f"03-02-2025,MIN-A,{source},Medewerker,Collega,Advies gegeven,tekst\n")
    assert rows[2]["categories"] == (code,)
    assert rows[2]["period"] == ("2025-02",)


@pytest.mark.parametrize("source, code", [("Ondergeschikte", "ondergeschikte"),
                                          ("Ingehuurde collega", "inhuur_extern"),
                                          ("Collega", "collega"), ("", "onbekend")])
def test_the_other_party(source, code):
    rows = coded("personeelsraadgever",
                 HEADER + f"03-02-2025,MIN-A,Pesten,Leidinggevende,{source},Gesprek,\n")
    assert rows[2]["implicated_party"] == (code,)
