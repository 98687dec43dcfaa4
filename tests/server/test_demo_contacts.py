"""The demo ships fictional but plausible contact points for every organisation."""

from __future__ import annotations

import re

from intake_adapters.meldknop.guide import load_guide, reach_link
from registry.contacts import ContactPointService, ContactRole, validate_contact
from server.demo_contacts import demo_contacts, ensure_demo_contacts
from server.demo_data import demo_org

ROUTE_ROLES = {ContactRole(role) for route in load_guide().routes for role in route["contact_roles"]}


def test_every_demo_organisation_has_someone_for_every_route():
    org = demo_org()
    lists = demo_contacts(org)
    assert set(lists) == {root.code for root in org.organisations}
    for drafts in lists.values():
        assert {draft.role for draft in drafts} >= ROUTE_ROLES
        for draft in drafts:
            assert validate_contact(draft.name, draft.role.value, draft.reach, draft.confidential)[1] == []


def test_demo_contacts_are_roles_with_plainly_fictional_addresses():
    for drafts in demo_contacts(demo_org()).values():
        for draft in drafts:
            link = reach_link(draft.reach)
            # An address on the reserved .example domain, or text that says it is made up: never
            # a dialable number or a real site.
            if link is not None:
                assert link.href.startswith("mailto:") and link.href.endswith(".example"), draft
            else:
                assert "fictie" in draft.reach, draft
            assert not re.search(r"\b(de|van der|van) [A-Z][a-z]+$", draft.name)  # no personal names


def test_the_demo_fills_empty_lists_once_and_keeps_a_kept_list(services):
    contacts = ContactPointService(services.db)
    contacts.add("MIN-B", "Eigen vertrouwenspersoon", "vertrouwenspersoon", "vp@min-b.example", True)
    added = ensure_demo_contacts(services.db, services.org())
    assert added == len(demo_contacts(services.org())["MIN-A"])
    assert [c.name for c in contacts.list_for("MIN-B")] == ["Eigen vertrouwenspersoon"]
    assert ensure_demo_contacts(services.db, services.org()) == 0


def test_with_the_demo_contacts_the_meldknop_names_its_own_advisers(client, services):
    ensure_demo_contacts(services.db, services.org())
    page = client.get("/meldknop/waar-terecht?organisatie=MIN-A").get_data(as_text=True)
    assert "Vertrouwenspersonen ongewenst gedrag" in page
    assert "vertrouwenspersoon@min-a.voorbeeld.example" in page
    assert "centrale vertrouwenspersonen van het Rijk" not in page
