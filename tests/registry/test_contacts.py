"""The contact list per organisation: validated whole, in Dutch, ordered, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from registry.contacts import (
    MAX_PER_ORGANISATION,
    ContactPointDraft,
    ContactPointService,
    ContactRole,
)
from registry.errors import Conflict, NotFound, ValidationFailed
from registry.organisations import parse_org_csv
from server.migrations import alembic_config

FIXTURE = Path(__file__).parent.parent / "fixtures" / "org-small.csv"


@pytest.fixture
def contacts(services):  # type: ignore[no-untyped-def]
    return ContactPointService(services.db)


def item(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {"name": "Anna de Vries", "role": "vertrouwenspersoon",
                                 "reach": "070 123 45 67", "confidential": True}
    values.update(changes)
    return values


def test_add_returns_a_random_id_and_the_list_keeps_the_order_of_adding(contacts):
    first = contacts.add("MIN-A", "Anna de Vries", "vertrouwenspersoon", "vp@min-a.example.nl", True)
    second = contacts.add("MIN-A", "Carla Integer", "integriteitscoordinator", "Intranet: Integriteit", False)
    contacts.add("MIN-B", "Dirk Ander", "vertrouwenspersoon", "070 000 00 00", True)
    assert len(first) == 32 and first != second
    listed = contacts.list_for("MIN-A")
    assert [c.name for c in listed] == ["Anna de Vries", "Carla Integer"]
    assert [c.id for c in listed] == [first, second]
    assert listed[0].role is ContactRole.VERTROUWENSPERSOON
    assert listed[0].confidential is True and listed[1].confidential is False
    assert listed[1].role_label() == "Integriteitscoördinator"
    assert listed[1].role_label("en") == "Integrity coordinator"
    assert [c.name for c in contacts.list_for("MIN-B")] == ["Dirk Ander"]


def test_text_is_trimmed_to_one_clean_line(contacts):
    contacts.add("MIN-A", "  Anna   de Vries ", "vertrouwenspersoon", " bel  070 123 45 67 ", True)
    [stored] = contacts.list_for("MIN-A")
    assert stored.name == "Anna de Vries"
    assert stored.reach == "bel 070 123 45 67"


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"name": ""}, "name", "Vul de naam van de adviseur of dienst in"),
        ({"name": "A"}, "name", "2 tot 120 tekens"),
        ({"name": "x" * 121}, "name", "2 tot 120 tekens"),
        ({"name": "Anna\nde Vries"}, "name", "op één regel"),
        ({"name": 42}, "name", "Vul de naam"),
        ({"role": "bedrijfsarts"}, "role", "Kies een bekende rol: vertrouwenspersoon, personeelsraadgever"),
        ({"role": None}, "role", "Kies een bekende rol"),
        ({"reach": "ab"}, "reach", "te bereiken"),
        ({"reach": "x" * 301}, "reach", "3 tot 300 tekens"),
        ({"reach": "bel\t070"}, "reach", "te bereiken"),
        ({"confidential": "ja"}, "confidential", "vertrouwelijk kan zijn (ja of nee)"),
        ({"confidential": None}, "confidential", "vertrouwelijk"),
    ],
)
def test_add_refuses_bad_input_with_a_dutch_message_and_stores_nothing(contacts, changes, field, fragment):
    values = item(**changes)
    with pytest.raises(ValidationFailed) as caught:
        contacts.add("MIN-A", values["name"], values["role"], values["reach"], values["confidential"])
    assert [e.field for e in caught.value.errors] == [field]
    assert fragment in caught.value.errors[0].message
    assert contacts.count() == 0


def test_add_reports_every_problem_at_once(contacts):
    with pytest.raises(ValidationFailed) as caught:
        contacts.add("GEEN-ORG", "", "onbekend", "", "nee")  # type: ignore[arg-type]
    assert [e.field for e in caught.value.errors] == ["organisation", "name", "role", "reach", "confidential"]


@pytest.mark.parametrize("organisation", ["GEEN-ORG", "MIN-A-DG1", ""])
def test_only_an_organisation_can_have_a_list(contacts, organisation):
    with pytest.raises(ValidationFailed) as caught:
        contacts.add(organisation, "Anna de Vries", "vertrouwenspersoon", "070 123 45 67", True)
    assert caught.value.errors[0].message == "Deze organisatie bestaat niet."
    assert contacts.count() == 0


def test_the_same_contact_point_cannot_be_added_twice(contacts):
    contacts.add("MIN-A", "Anna de Vries", "vertrouwenspersoon", "070 123 45 67", True)
    with pytest.raises(Conflict) as caught:
        contacts.add("MIN-A", "anna de vries", "vertrouwenspersoon", "06 12 34 56 78", True)
    assert "staat al in de lijst" in caught.value.errors[0].message
    # Same name in another role, or in another organisation, is a different contact point.
    contacts.add("MIN-A", "Anna de Vries", "personeelsraadgever", "070 123 45 67", False)
    contacts.add("MIN-B", "Anna de Vries", "vertrouwenspersoon", "070 123 45 67", True)
    assert contacts.count("MIN-A") == 2


def test_a_list_has_a_maximum_length(contacts):
    contacts.replace_all("MIN-A", [item(name=f"Adviseur {i}") for i in range(MAX_PER_ORGANISATION)])
    with pytest.raises(ValidationFailed, match="hoogstens"):
        contacts.add("MIN-A", "Nog een", "overig", "070 123 45 67", False)
    with pytest.raises(ValidationFailed) as caught:
        contacts.replace_all("MIN-B", [item(name=f"Adviseur {i}") for i in range(MAX_PER_ORGANISATION + 1)])
    assert caught.value.errors[0].field == "contacts"
    assert contacts.count() == MAX_PER_ORGANISATION


def test_remove_takes_one_contact_point_off_the_list(contacts):
    keep = contacts.add("MIN-A", "Anna de Vries", "vertrouwenspersoon", "070 123 45 67", True)
    gone = contacts.add("MIN-A", "Bram Jansen", "personeelsraadgever", "070 765 43 21", True)
    contacts.remove(gone)
    assert [c.id for c in contacts.list_for("MIN-A")] == [keep]
    with pytest.raises(NotFound, match="bestaat niet"):
        contacts.remove(gone)
    with pytest.raises(NotFound):
        contacts.remove("niet-een-id")


def test_remove_scoped_to_an_organisation_leaves_other_lists_alone(contacts):
    other = contacts.add("MIN-B", "Dirk Ander", "vertrouwenspersoon", "070 000 00 00", True)
    with pytest.raises(NotFound):
        contacts.remove(other, organisation="MIN-A")
    assert contacts.count("MIN-B") == 1
    contacts.remove(other, organisation="MIN-B")
    assert contacts.count("MIN-B") == 0


def test_replace_all_sets_the_whole_list_in_the_given_order(contacts):
    contacts.add("MIN-A", "Oud Contact", "overig", "070 111 11 11", False)
    contacts.add("MIN-B", "Dirk Ander", "vertrouwenspersoon", "070 000 00 00", True)
    count = contacts.replace_all("MIN-A", [
        item(name="Carla Integer", role="integriteitscoordinator", confidential=False),
        ContactPointDraft("Anna de Vries", ContactRole.VERTROUWENSPERSOON, "070 123 45 67", True),
        item(name="Team BMW", role="bedrijfsmaatschappelijk_werk", reach="https://intranet.example/bmw"),
    ])
    assert count == 3
    listed = contacts.list_for("MIN-A")
    assert [c.name for c in listed] == ["Carla Integer", "Anna de Vries", "Team BMW"]
    assert [c.position for c in listed] == [0, 1, 2]
    assert [c.name for c in contacts.list_for("MIN-B")] == ["Dirk Ander"]
    contacts.add("MIN-A", "Bram Jansen", "personeelsraadgever", "070 765 43 21", True)
    assert contacts.list_for("MIN-A")[-1].name == "Bram Jansen"


def test_replace_all_with_an_empty_list_clears_it(contacts):
    contacts.add("MIN-A", "Anna de Vries", "vertrouwenspersoon", "070 123 45 67", True)
    assert contacts.replace_all("MIN-A", []) == 0
    assert contacts.list_for("MIN-A") == []


def test_replace_all_is_all_or_nothing_and_names_each_bad_item(contacts):
    contacts.add("MIN-A", "Anna de Vries", "vertrouwenspersoon", "070 123 45 67", True)
    with pytest.raises(ValidationFailed) as caught:
        contacts.replace_all("MIN-A", [
            item(name="Bram Jansen", role="personeelsraadgever"),
            item(role="psycholoog", reach="x"),
            item(name="bram jansen", role="personeelsraadgever"),
            item(notitie="vrije tekst"),
            "geen object",
        ])
    messages = {(e.field, e.message) for e in caught.value.errors}
    assert ("contacts.1.role", "Contactpunt 2: Kies een bekende rol: vertrouwenspersoon, "
            "personeelsraadgever, bedrijfsmaatschappelijk werk, integriteitscoördinator, "
            "ander contactpunt.") in messages
    assert any(f == "contacts.1.reach" and m.startswith("Contactpunt 2: ") for f, m in messages)
    assert ("contacts.2.name", "Contactpunt 3: staat ook als contactpunt 1 in de lijst.") in messages
    assert ("contacts.3.notitie", "Contactpunt 4: onbekend veld notitie.") in messages
    assert any(f == "contacts.4" for f, _ in messages)
    assert caught.value.message == "De lijst met contactpunten is niet opgeslagen."
    assert [c.name for c in contacts.list_for("MIN-A")] == ["Anna de Vries"]


def test_replace_all_refuses_an_unknown_organisation(contacts):
    with pytest.raises(ValidationFailed) as caught:
        contacts.replace_all("GEEN-ORG", [item()])
    assert caught.value.errors[0].field == "organisation"
    assert contacts.count() == 0


def test_list_of_an_unknown_organisation_is_empty(contacts):
    assert contacts.list_for("GEEN-ORG") == []


def test_the_list_goes_with_its_organisation_when_the_structure_drops_it(services, contacts):
    contacts.add("MIN-A", "Anna de Vries", "vertrouwenspersoon", "070 123 45 67", True)
    contacts.add("MIN-B", "Dirk Ander", "vertrouwenspersoon", "070 000 00 00", True)
    only_a = "\n".join(line for line in FIXTURE.read_text().splitlines() if "MIN-B" not in line)
    services.replace_org(parse_org_csv(only_a + "\n"))
    assert contacts.count("MIN-B") == 0
    assert contacts.count("MIN-A") == 1


def test_migration_0003_adds_and_drops_the_table(services):
    engine = services.db.engine
    assert "contact_points" in inspect(engine).get_table_names()
    command.downgrade(alembic_config(engine), "0002")
    assert "contact_points" not in inspect(engine).get_table_names()
    command.upgrade(alembic_config(engine), "head")
    assert "contact_points" in inspect(engine).get_table_names()
    assert {c["name"] for c in inspect(engine).get_columns("contact_points")} == {
        "id", "organisation", "position", "name", "role", "reach", "confidential"}
