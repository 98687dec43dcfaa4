"""Where employees can go: the list of advisers and contact points an administrator keeps.

A contact point is public contact information of an adviser or a service (a vertrouwenspersoon,
a personeelsraadgever, ...), never anything about a reporter. The meldknop shows the list of the
chosen organisation. Every change is validated whole, with a Dutch message per problem.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from registry.db import Base, Database
from registry.errors import Conflict, FieldError, NotFound, ValidationFailed
from registry.models import RandomId, Unit

NAME_MIN, NAME_MAX = 2, 120
REACH_MIN, REACH_MAX = 3, 300
MAX_PER_ORGANISATION = 40
ITEM_KEYS = frozenset({"name", "role", "reach", "confidential"})
_ID_RE = re.compile(r"^[0-9a-f]{32}$")


class ContactRole(StrEnum):
    VERTROUWENSPERSOON = "vertrouwenspersoon"
    PERSONEELSRAADGEVER = "personeelsraadgever"
    BEDRIJFSMAATSCHAPPELIJK_WERK = "bedrijfsmaatschappelijk_werk"
    INTEGRITEITSCOORDINATOR = "integriteitscoordinator"
    OVERIG = "overig"

    def label(self, locale: str = "nl") -> str:
        nl, en = ROLE_LABELS[self]
        return en if locale == "en" else nl


ROLE_LABELS = {
    ContactRole.VERTROUWENSPERSOON: ("Vertrouwenspersoon", "Confidential adviser"),
    ContactRole.PERSONEELSRAADGEVER: ("Personeelsraadgever", "Staff adviser"),
    ContactRole.BEDRIJFSMAATSCHAPPELIJK_WERK: ("Bedrijfsmaatschappelijk werk", "Company social work"),
    ContactRole.INTEGRITEITSCOORDINATOR: ("Integriteitscoördinator", "Integrity coordinator"),
    ContactRole.OVERIG: ("Ander contactpunt", "Other contact point"),
}


class ContactPoint(Base):
    """One entry of an organisation's list. Removed together with its organisation."""

    __tablename__ = "contact_points"

    id: Mapped[RandomId]
    organisation: Mapped[str] = mapped_column(
        String(64), ForeignKey("units.code", ondelete="CASCADE"), index=True
    )
    # The order the administrator chose; the meldknop shows the list in this order.
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    role: Mapped[str] = mapped_column(String(32))
    reach: Mapped[str] = mapped_column(String(REACH_MAX))
    confidential: Mapped[bool] = mapped_column(Boolean)


@dataclass(frozen=True)
class ContactPointInfo:
    """A stored contact point, as the meldknop and the admin pages read it."""

    id: str
    organisation: str
    position: int
    name: str
    role: ContactRole
    reach: str
    confidential: bool

    def role_label(self, locale: str = "nl") -> str:
        return self.role.label(locale)


@dataclass(frozen=True)
class ContactPointDraft:
    """A validated contact point that is not stored yet."""

    name: str
    role: ContactRole
    reach: str
    confidential: bool


def validate_contact(
    name: object, role: object, reach: object, confidential: object, *, prefix: str = "", label: str = ""
) -> tuple[ContactPointDraft | None, list[FieldError]]:
    """Check one contact point; returns it, or None with one Dutch message per problem."""
    errors: list[FieldError] = []
    lead = f"{label}: " if label else ""
    clean_name = _single_line(name)
    if clean_name is None or not NAME_MIN <= len(clean_name) <= NAME_MAX:
        errors.append(FieldError(prefix + "name", f"{lead}Vul de naam van de adviseur of dienst in "
                                                  f"({NAME_MIN} tot {NAME_MAX} tekens, op één regel)."))
    try:
        parsed_role = ContactRole(role) if isinstance(role, str) else None
    except ValueError:
        parsed_role = None
    if parsed_role is None:
        choices = ", ".join(r.label().lower() for r in ContactRole)
        errors.append(FieldError(prefix + "role", f"{lead}Kies een bekende rol: {choices}."))
    clean_reach = _single_line(reach)
    if clean_reach is None or not REACH_MIN <= len(clean_reach) <= REACH_MAX:
        errors.append(FieldError(prefix + "reach", f"{lead}Vul in hoe deze persoon of dienst te bereiken "
                                                   f"is, zoals een telefoonnummer, e-mailadres of "
                                                   f"intranetpagina ({REACH_MIN} tot {REACH_MAX} tekens)."))
    if not isinstance(confidential, bool):
        errors.append(FieldError(prefix + "confidential",
                                 f"{lead}Geef aan of een gesprek hier vertrouwelijk kan zijn (ja of nee)."))
    if errors:
        return None, errors
    assert clean_name is not None and parsed_role is not None and clean_reach is not None
    return ContactPointDraft(clean_name, parsed_role, clean_reach, bool(confidential)), []


def _single_line(value: object) -> str | None:
    """Trimmed text with runs of spaces collapsed; None when it is not text or has control characters."""
    if not isinstance(value, str):
        return None
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        return None
    return " ".join(value.split())


class ContactPointService:
    """Reads and changes the contact lists; owns its sessions."""

    def __init__(self, db: Database):
        self.db = db

    def list_for(self, organisation: str) -> list[ContactPointInfo]:
        """The organisation's list in the chosen order; empty for an unknown organisation."""
        with self.db.session() as session:
            rows = session.scalars(
                select(ContactPoint)
                .where(ContactPoint.organisation == organisation)
                .order_by(ContactPoint.position, ContactPoint.name, ContactPoint.id)
            ).all()
            return [_info(row) for row in rows]

    def add(self, organisation: str, name: str, role: str, reach: str, confidential: bool) -> str:
        """Append one contact point to the organisation's list; returns its id."""
        draft, errors = validate_contact(name, role, reach, confidential)
        with self.db.session(immediate=True) as session:
            errors = _organisation_errors(session, organisation) + errors
            if errors:
                raise ValidationFailed(errors=errors)
            assert draft is not None
            existing = session.scalars(
                select(ContactPoint).where(ContactPoint.organisation == organisation)
            ).all()
            if len(existing) >= MAX_PER_ORGANISATION:
                message = f"Een organisatie heeft hoogstens {MAX_PER_ORGANISATION} contactpunten."
                raise ValidationFailed(message, [FieldError("organisation", message)])
            if _key(draft) in {_key(row) for row in existing}:
                raise Conflict(errors=[FieldError("name", "Dit contactpunt staat al in de lijst "
                                                          "van deze organisatie.")])
            position = max((row.position for row in existing), default=-1) + 1
            row = _row(organisation, position, draft)
            session.add(row)
            session.flush()
            return row.id

    def get(self, contact_id: str, organisation: str) -> ContactPointInfo:
        """One contact point of the organisation's list; NotFound for another organisation's."""
        with self.db.session() as session:
            row = session.get(ContactPoint, contact_id) if _ID_RE.match(contact_id or "") else None
            if row is None or row.organisation != organisation:
                raise NotFound("Dit contactpunt bestaat niet (meer).")
            return _info(row)

    def update(self, contact_id: str, organisation: str, name: str, role: str, reach: str,
               confidential: bool) -> None:
        """Change one contact point in place, keeping its position in the list."""
        draft, errors = validate_contact(name, role, reach, confidential)
        if errors:
            raise ValidationFailed(errors=errors)
        assert draft is not None
        with self.db.session(immediate=True) as session:
            row = session.get(ContactPoint, contact_id) if _ID_RE.match(contact_id or "") else None
            if row is None or row.organisation != organisation:
                raise NotFound("Dit contactpunt bestaat niet (meer).")
            others = session.scalars(
                select(ContactPoint).where(ContactPoint.organisation == organisation,
                                           ContactPoint.id != contact_id)
            ).all()
            if _key(draft) in {_key(other) for other in others}:
                raise Conflict(errors=[FieldError("name", "Dit contactpunt staat al in de lijst "
                                                          "van deze organisatie.")])
            row.name, row.role, row.reach = draft.name, draft.role.value, draft.reach
            row.confidential = draft.confidential

    def remove(self, contact_id: str, organisation: str | None = None) -> None:
        """Remove one contact point; with ``organisation``, only from that organisation's list."""
        with self.db.session() as session:
            row = session.get(ContactPoint, contact_id) if _ID_RE.match(contact_id or "") else None
            if row is None or (organisation is not None and row.organisation != organisation):
                raise NotFound("Dit contactpunt bestaat niet (meer).")
            session.delete(row)

    def replace_all(
        self, organisation: str, items: Iterable[ContactPointDraft | Mapping[str, object]]
    ) -> int:
        """Replace the organisation's whole list, in the given order; all or nothing."""
        drafts: list[ContactPointDraft] = []
        errors: list[FieldError] = []
        seen: dict[tuple[str, str], int] = {}
        items = list(items)
        if len(items) > MAX_PER_ORGANISATION:
            message = f"Een organisatie heeft hoogstens {MAX_PER_ORGANISATION} contactpunten."
            errors.append(FieldError("contacts", message))
        for index, item in enumerate(items):
            draft, problems = _validate_item(item, index)
            errors.extend(problems)
            if draft is None:
                continue
            if _key(draft) in seen:
                errors.append(FieldError(f"contacts.{index}.name",
                                         f"Contactpunt {index + 1}: staat ook als contactpunt "
                                         f"{seen[_key(draft)] + 1} in de lijst."))
                continue
            seen[_key(draft)] = index
            drafts.append(draft)
        with self.db.session(immediate=True) as session:
            errors = _organisation_errors(session, organisation) + errors
            if errors:
                raise ValidationFailed("De lijst met contactpunten is niet opgeslagen.", errors)
            session.execute(delete(ContactPoint).where(ContactPoint.organisation == organisation))
            session.add_all(_row(organisation, position, draft) for position, draft in enumerate(drafts))
        return len(drafts)

    def count(self, organisation: str | None = None) -> int:
        with self.db.session() as session:
            query = select(func.count()).select_from(ContactPoint)
            if organisation is not None:
                query = query.where(ContactPoint.organisation == organisation)
            return int(session.scalar(query) or 0)


def _validate_item(
    item: ContactPointDraft | Mapping[str, object], index: int
) -> tuple[ContactPointDraft | None, list[FieldError]]:
    label = f"Contactpunt {index + 1}"
    prefix = f"contacts.{index}."
    if isinstance(item, ContactPointDraft):
        item = {"name": item.name, "role": item.role.value, "reach": item.reach,
                "confidential": item.confidential}
    if not isinstance(item, Mapping):
        return None, [FieldError(f"contacts.{index}", f"{label}: verwacht naam, rol, bereikbaarheid "
                                                      f"en vertrouwelijkheid.")]
    unknown = sorted(str(key)[:64] for key in set(item) - ITEM_KEYS)
    errors = [FieldError(prefix + key, f"{label}: onbekend veld {key}.") for key in unknown]
    draft, problems = validate_contact(item.get("name"), item.get("role"), item.get("reach"),
                                       item.get("confidential"), prefix=prefix, label=label)
    errors.extend(problems)
    return (draft if not errors else None), errors


def _organisation_errors(session: Session, organisation: object) -> list[FieldError]:
    unit = session.get(Unit, organisation) if isinstance(organisation, str) and organisation else None
    if unit is None or unit.parent is not None:
        return [FieldError("organisation", "Deze organisatie bestaat niet.")]
    return []


def _key(item: ContactPointDraft | ContactPoint) -> tuple[str, str]:
    # Two entries with the same name and role are one contact point typed twice.
    return (item.name.casefold(), str(item.role))


def _row(organisation: str, position: int, draft: ContactPointDraft) -> ContactPoint:
    return ContactPoint(organisation=organisation, position=position, name=draft.name,
                        role=draft.role.value, reach=draft.reach, confidential=draft.confidential)


def _info(row: ContactPoint) -> ContactPointInfo:
    return ContactPointInfo(id=row.id, organisation=row.organisation, position=row.position,
                            name=row.name, role=ContactRole(row.role), reach=row.reach,
                            confidential=bool(row.confidential))
