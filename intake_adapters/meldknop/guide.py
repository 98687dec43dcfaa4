"""Where to go: which routes fit the chosen situations, and who is on them.

The fixed part (groups of situations, routes, public services such as the police and the Huis
voor Klokkenluiders) lives in ``routes.json`` next to this module, with its English texts. A
route follows from a situation (``category_routes``) or from who is involved (``party_routes``:
a political office holder is not a colleague, so other rules apply); the advisers of each
organisation come from the contact list the administrator keeps (``registry.contacts``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from registry.contacts import ContactPointInfo, ContactRole
from registry.taxonomy import Taxonomy
from web.forms import Choice

_EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_URL_RE = re.compile(r"^https?://[^\s<>\"']+$")
_PHONE_RE = re.compile(r"^\+?[0-9(][0-9 ()-]{5,24}$")


@dataclass(frozen=True)
class Link:
    label: str
    href: str

    @property
    def external(self) -> bool:
        return self.href.startswith(("http://", "https://"))


@dataclass(frozen=True)
class ChoiceGroup:
    code: str
    legend: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class ContactView:
    """One adviser or service as the result page shows it."""

    name: str
    role: str
    reach: str
    link: Link | None
    confidential: bool
    note: str = ""
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class RouteView:
    code: str
    title: str
    intro: str
    contacts: tuple[ContactView, ...]
    # Labels of the roles this route needs that the organisation has not listed yet.
    missing: tuple[str, ...]
    services: tuple[ContactView, ...]
    # Who to ask instead when the organisation listed nobody for this route: never the
    # employee's own manager or HR, who may be the very party the signal is about.
    fallback: tuple[str, ...] = ()


@dataclass(frozen=True)
class Guide:
    groups: tuple[dict[str, Any], ...]
    category_routes: dict[str, tuple[str, ...]]
    routes: tuple[dict[str, Any], ...]
    services: dict[str, dict[str, Any]]
    party_routes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    no_contacts: dict[str, Any] = field(default_factory=dict)
    # Implicated parties that are the employee's manager: routes then use their
    # ``intro_manager_involved`` text, which does not send the employee to that manager.
    manager_parties: frozenset[str] = frozenset()

    @property
    def route_order(self) -> tuple[str, ...]:
        return tuple(route["code"] for route in self.routes)

    def problems(self, taxonomy: Taxonomy) -> list[str]:
        """What does not fit the taxonomy; a test keeps this list empty."""
        out = []
        grouped = [code for group in self.groups for code in group["categories"]]
        codes = set(taxonomy.codes("categories"))
        for code in sorted(codes - set(grouped)):
            out.append(f"category {code} is in no group")
        for code in sorted({c for c in grouped if grouped.count(c) > 1}):
            out.append(f"category {code} is in more than one group")
        for code in sorted(set(grouped) - codes):
            out.append(f"group code {code} is not a taxonomy category")
        for code in sorted(codes):
            routes = self.category_routes.get(code, ())
            if not routes or set(routes) - set(self.route_order):
                out.append(f"category {code} has no known route")
        parties = taxonomy.fields["implicated_party"].code_set
        for party, routes in sorted(self.party_routes.items()):
            if party not in parties:
                out.append(f"party {party} is not a taxonomy code")
            if set(routes) - set(self.route_order):
                out.append(f"party {party} has an unknown route")
        for party in sorted(self.manager_parties - parties):
            out.append(f"manager party {party} is not a taxonomy code")
        for route in self.routes:
            for role in route["contact_roles"]:
                if role not in set(ContactRole):
                    out.append(f"route {route['code']} names unknown role {role}")
            for service in route["services"]:
                if service not in self.services:
                    out.append(f"route {route['code']} names unknown service {service}")
        return out

    def choice_groups(self, taxonomy: Taxonomy, locale: str) -> list[ChoiceGroup]:
        field = taxonomy.fields["categories"]
        return [
            ChoiceGroup(
                code=group["code"],
                legend=_text(group, "label", locale),
                choices=tuple(
                    Choice.of(field.get(code), locale) for code in group["categories"]
                ),
            )
            for group in self.groups
        ]

    def route_codes(self, categories: Iterable[str], implicated_party: str = "") -> list[str]:
        """The routes that fit these situations and who is involved, most urgent first."""
        wanted = {route for code in categories for route in self.category_routes.get(code, ())}
        wanted.update(self.party_routes.get(implicated_party, ()))
        return [code for code in self.route_order if code in wanted]

    def views(
        self, route_codes: Sequence[str], contacts: Sequence[ContactPointInfo], locale: str,
        implicated_party: str = "",
    ) -> list[RouteView]:
        by_code = {route["code"]: route for route in self.routes}
        manager_involved = implicated_party in self.manager_parties
        out = []
        for code in route_codes:
            route = by_code[code]
            roles = [ContactRole(role) for role in route["contact_roles"]]
            listed = [c for role in roles for c in contacts if c.role == role]
            present = {c.role for c in listed}
            intro_key = ("intro_manager_involved"
                         if manager_involved and "intro_manager_involved_nl" in route else "intro")
            out.append(
                RouteView(
                    code=code,
                    title=_text(route, "title", locale),
                    intro=_text(route, intro_key, locale),
                    contacts=tuple(contact_view(c, locale) for c in listed),
                    missing=tuple(role.label(locale) for role in roles if role not in present),
                    services=tuple(self.service_view(s, locale) for s in route["services"]),
                    fallback=() if listed else self.fallback(code, locale),
                )
            )
        return out

    def fallback(self, route_code: str, locale: str) -> tuple[str, ...]:
        """Who to ask when the organisation has no contact point for this route."""
        if not self.no_contacts:
            return ()
        out = [_text(self.no_contacts, "text", locale)]
        if route_code in self.no_contacts.get("misstand_routes", ()):
            out.append(_text(self.no_contacts, "misstand", locale))
        return tuple(out)

    def service_view(self, code: str, locale: str) -> ContactView:
        service = self.services[code]
        return ContactView(
            name=_text(service, "name", locale),
            role=_text(service, "what", locale),
            reach="",
            link=None,
            confidential=bool(service["confidential"]),
            note=_text(service, "note", locale),
            links=tuple(Link(_text(link, "label", locale), link["href"]) for link in service["links"]),
        )


def others(contacts: Sequence[ContactPointInfo], locale: str) -> list[ContactView]:
    """Contact points with the role 'overig': shown with every answer."""
    return [contact_view(c, locale) for c in contacts if c.role == ContactRole.OVERIG]


def contact_view(contact: ContactPointInfo, locale: str) -> ContactView:
    return ContactView(
        name=contact.name,
        role=contact.role_label(locale),
        reach=contact.reach,
        link=reach_link(contact.reach),
        confidential=contact.confidential,
    )


def reach_link(reach: str) -> Link | None:
    """A link for a reach text that is exactly one e-mail address, web address or phone number.

    Anything else stays plain text, so an entry can never become a ``javascript:`` link.
    """
    text = reach.strip()
    if _EMAIL_RE.match(text):
        return Link(text, "mailto:" + text)
    if _URL_RE.match(text):
        return Link(text, text)
    digits = re.sub(r"[^0-9]", "", text)
    if _PHONE_RE.match(text) and len(digits) >= 6:
        return Link(text, ("tel:+" if text.startswith("+") else "tel:") + digits)
    return None


def _text(item: dict[str, Any], key: str, locale: str) -> str:
    return str(item.get(f"{key}_{locale}") or item[f"{key}_nl"])


@cache
def load_guide() -> Guide:
    raw = json.loads(
        resources.files("intake_adapters.meldknop").joinpath("routes.json").read_text(encoding="utf-8")
    )
    return Guide(
        groups=tuple(raw["groups"]),
        category_routes={code: tuple(routes) for code, routes in raw["category_routes"].items()},
        routes=tuple(raw["routes"]),
        services=dict(raw["services"]),
        party_routes={code: tuple(routes) for code, routes in raw.get("party_routes", {}).items()},
        no_contacts=dict(raw.get("no_contacts", {})),
        manager_parties=frozenset(raw.get("manager_parties", ())),
    )
