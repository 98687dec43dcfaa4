"""The demo's contact points: a plausible list for every organisation of the fictional Rijk.

Without them the meldknop's answer would show, for every ministry, that nobody is listed. The
entries are roles and services, never people: no real name and no real phone number. Addresses
use the reserved ``.example`` domain, intranet pages and internal numbers say they are fictional.
"""

from __future__ import annotations

from registry.contacts import ContactPointDraft, ContactPointService, ContactRole
from registry.db import Database
from registry.organisations import OrgStructure

# (name, role, reach with {org} for the organisation's code in lower case, confidential)
DEMO_CONTACTS: tuple[tuple[str, ContactRole, str, bool], ...] = (
    ("Vertrouwenspersonen ongewenst gedrag", ContactRole.VERTROUWENSPERSOON,
     "vertrouwenspersoon@{org}.voorbeeld.example", True),
    ("Vertrouwenspersoon integriteit", ContactRole.VERTROUWENSPERSOON,
     "Intranet: /{org}/integriteit/vertrouwenspersoon (fictieve pagina)", True),
    ("Personeelsraadgevers", ContactRole.PERSONEELSRAADGEVER,
     "Intranet: /{org}/personeel/personeelsraadgever (fictieve pagina)", True),
    ("Bedrijfsmaatschappelijk werk", ContactRole.BEDRIJFSMAATSCHAPPELIJK_WERK,
     "0800-000 {number} (fictief demonummer)", True),
    ("Integriteitscoördinator", ContactRole.INTEGRITEITSCOORDINATOR,
     "integriteit@{org}.voorbeeld.example", False),
    ("Bedrijfsarts (arbodienst)", ContactRole.OVERIG,
     "Intranet: /{org}/gezond-werken/bedrijfsarts (fictieve pagina)", True),
)


def demo_contacts(org: OrgStructure) -> dict[str, list[ContactPointDraft]]:
    """The list of every organisation, by its code."""
    out: dict[str, list[ContactPointDraft]] = {}
    for index, root in enumerate(org.organisations):
        slug = root.code.lower()
        out[root.code] = [
            ContactPointDraft(name, role, reach.format(org=slug, number=f"{100 + index:03d}"),
                              confidential)
            for name, role, reach, confidential in DEMO_CONTACTS
        ]
    return out


def ensure_demo_contacts(db: Database, org: OrgStructure) -> int:
    """Give every organisation without contact points the demo's list; returns how many were added.

    A list someone already keeps (an administrator tried the admin page) stays as it is.
    """
    contacts = ContactPointService(db)
    added = 0
    for code, drafts in demo_contacts(org).items():
        if contacts.count(code) == 0:
            added += contacts.replace_all(code, drafts)
    return added
