"""The routes the meldknop shows (routes.json): what they say about the police, aggression by
citizens, political office holders and the internal procedure before the Huis voor
Klokkenluiders, in Dutch and English."""

import re

import pytest

from intake_adapters.meldknop.guide import load_guide
from registry.taxonomy import load_taxonomy

GUIDE = load_guide()
ROUTES = {route["code"]: route for route in GUIDE.routes}


def test_the_routes_fit_taxonomy_2026_2():
    assert GUIDE.problems(load_taxonomy()) == []


def test_the_police_route_says_the_employer_can_report_or_lend_its_address():
    police = GUIDE.services["politie"]
    text = " ".join([ROUTES["dreiging"]["intro_nl"], police["note_nl"]])
    assert "domiciliekeuze" in text and "adres van uw werkgever" in text
    assert "werkgever kan ook zelf aangifte doen" in text.lower()
    assert "provincies" in text
    assert "op naam" not in text  # a report is not always in the employee's own name
    assert "employer's address" in ROUTES["dreiging"]["intro_en"]


def test_aggression_by_citizens_has_its_own_route_first_after_emergencies():
    assert GUIDE.route_codes(["agressie_extern"])[:2] == ["dreiging", "agressie_burgers"]
    route = ROUTES["agressie_burgers"]
    assert "leidinggevende" in route["intro_nl"] and "nazorg" in route["intro_nl"]
    assert "politie" in route["services"]


def test_a_political_office_holder_adds_the_political_route():
    assert "politiek" not in GUIDE.route_codes(["pesten"], "collega")
    assert "politiek" in GUIDE.route_codes(["pesten"], "politiek_bestuurder")
    assert "commissaris van de Koning" in ROUTES["politiek"]["intro_nl"]


@pytest.mark.parametrize("category", ["vermoeden_misstand", "benadeling_na_melding"])
def test_a_suspected_misstand_goes_through_the_internal_procedure_before_the_huis(category):
    codes = GUIDE.route_codes([category])
    assert codes.index("interne_melding") < codes.index("misstand")
    assert "interne meldprocedure" in ROUTES["interne_melding"]["intro_nl"]
    assert "huis_voor_klokkenluiders" in ROUTES["misstand"]["services"]


@pytest.mark.parametrize("category", ["omkoping_geschenken", "nevenwerkzaamheden",
                                      "misbruik_dienstmiddelen", "misdragingen_privesfeer"])
def test_the_new_integrity_subjects_lead_to_the_integrity_route(category):
    assert GUIDE.route_codes([category]) == ["integriteit"]


@pytest.mark.parametrize("code", sorted(ROUTES))
def test_every_route_speaks_dutch_and_english_in_short_sentences(code):
    route = ROUTES[code]
    for key in ("title", "intro"):
        assert route[f"{key}_nl"] and route[f"{key}_en"]
    for sentence in re.split(r"(?<=[.?!])\s+", route["intro_nl"]):
        assert len(sentence.split()) <= 25, sentence  # B1: short sentences
