"""The fixed routes of the meldknop fit the taxonomy, and reach texts become links only when safe."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake_adapters.meldknop.forms import Answers, check
from intake_adapters.meldknop.guide import Link, load_guide, reach_link
from registry.contacts import ContactPointInfo, ContactRole
from registry.errors import ValidationFailed
from registry.organisations import parse_org_csv
from registry.periods import Month
from registry.taxonomy import load_taxonomy

ORG = parse_org_csv((Path(__file__).parent.parent / "fixtures" / "org-small.csv").read_text())


def test_every_category_has_one_group_and_a_known_route():
    assert load_guide().problems(load_taxonomy()) == []


def test_a_category_missing_from_the_groups_is_found():
    guide = load_guide()
    broken = type(guide)(
        groups=tuple({**g, "categories": [c for c in g["categories"] if c != "pesten"]}
                     for g in guide.groups),
        category_routes={**guide.category_routes, "werkdruk": ("nergens",)},
        routes=guide.routes,
        services=guide.services,
    )
    assert broken.problems(load_taxonomy()) == [
        "category pesten is in no group",
        "category werkdruk has no known route",
    ]


def test_every_text_exists_in_dutch_and_english():
    guide = load_guide()
    items = [*guide.groups, *guide.routes, *guide.services.values()]
    items += [link for service in guide.services.values() for link in service["links"]]
    for entry in items:
        for key in [k for k in entry if k.endswith("_nl")]:
            base = key.removesuffix("_nl")
            assert entry[key].strip() and entry[f"{base}_en"].strip(), (entry, base)


@pytest.mark.parametrize(
    ("categories", "routes"),
    [
        (["pesten"], ["gedrag"]),
        (["fraude_diefstal"], ["integriteit"]),
        # The employer's own procedure first, then the Huis voor Klokkenluiders.
        (["vermoeden_misstand"], ["interne_melding", "misstand"]),
        (["agressie_extern"], ["dreiging", "agressie_burgers", "gedrag"]),
        # Most urgent first, whatever the order of the boxes.
        (["pesten", "vermoeden_misstand", "ondermijning_bedreiging"],
         ["dreiging", "interne_melding", "misstand", "integriteit", "gedrag"]),
    ],
)
def test_route_codes_follow_the_situations_most_urgent_first(categories, routes):
    assert load_guide().route_codes(categories) == routes


def _contact(name: str, role: ContactRole, confidential: bool = True) -> ContactPointInfo:
    return ContactPointInfo(id=name, organisation="MIN-A", position=0, name=name, role=role,
                            reach="070 123 45 67", confidential=confidential)


def test_route_views_keep_the_route_role_order_and_name_missing_roles():
    contacts = [
        _contact("Ic", ContactRole.INTEGRITEITSCOORDINATOR, confidential=False),
        _contact("Vp", ContactRole.VERTROUWENSPERSOON),
        _contact("Anders", ContactRole.OVERIG),
    ]
    [misstand, gedrag] = load_guide().views(["misstand", "gedrag"], contacts, "nl")
    assert [c.name for c in misstand.contacts] == ["Ic", "Vp"]
    assert [s.name for s in misstand.services] == ["Huis voor Klokkenluiders"]
    assert misstand.missing == ()
    assert [c.name for c in gedrag.contacts] == ["Vp"]
    assert gedrag.missing == ("Personeelsraadgever", "Bedrijfsmaatschappelijk werk")
    assert gedrag.contacts[0].link == Link("070 123 45 67", "tel:0701234567")


@pytest.mark.parametrize(
    ("reach", "expected"),
    [
        ("vp@min-a.example.nl", Link("vp@min-a.example.nl", "mailto:vp@min-a.example.nl")),
        ("https://intranet.example/vp", Link("https://intranet.example/vp", "https://intranet.example/vp")),
        ("+31 70 123 45 67", Link("+31 70 123 45 67", "tel:+31701234567")),
        ("(070) 123-4567", Link("(070) 123-4567", "tel:0701234567")),
        ("javascript:alert(1)", None),
        ("data:text/html,hoi", None),
        ("Bel 070 123 45 67 of mail vp@min-a.example.nl", None),
        ("Intranet: zoek op vertrouwenspersoon", None),
        ("https://intranet.example/a b", None),
    ],
)
def test_reach_becomes_a_link_only_when_it_is_exactly_one_address(reach, expected):
    assert reach_link(reach) == expected


def test_check_builds_the_signal_of_the_meldknop():
    answers = Answers(categories=("pesten", "pesten", "werkdruk"), organisation="MIN-B")
    record = check(answers, load_taxonomy(), ORG, Month(2026, 3))
    assert (record.channel, str(record.period)) == ("meldpunt", "2026-03")
    assert record.follow_up == "zelfmelding_geen_opvolging"  # nobody acted: not a referral
    assert record.unit == "MIN-B" and record.organisation == "MIN-B"
    assert record.categories == ("pesten", "werkdruk")
    assert record.case_token is None and record.impact == ()


def test_check_does_not_repeat_a_problem_in_other_words():
    with pytest.raises(ValidationFailed) as caught:
        check(Answers(organisation=""), load_taxonomy(), ORG, Month(2026, 3))
    assert [e.field for e in caught.value.errors] == ["categories", "organisation"]


class _Form(dict):
    def getlist(self, name):  # type: ignore[no-untyped-def]
        value = self.get(name, [])
        return value if isinstance(value, list) else [value]


def test_answers_read_codes_only():
    answers = Answers.from_form(_Form(categories=["pesten"], organisation=" MIN-A ", form_id="nope",
                                      reporter_role="", notitie="vrije tekst"))
    assert answers.organisation == "MIN-A"
    assert answers.reporter_role == "medewerker" and answers.implicated_party == "onbekend"
    assert not hasattr(answers, "notitie") and not hasattr(answers, "form_id")
