"""The organisation's action register (PDCA): what was agreed, whose role owns it, when, status.

Kept by the prevention officer, read by the works council beside the follow-up outcomes. It is
about the organisation, never about persons, so the one piece of text, the title, is short and
checked: at most 120 characters, no e-mail address, no run of digits that could be a phone,
personnel or citizen service number or a date of birth. The owner is a role from a code list,
never a name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.audit import AuditAction, AuditLog
from registry.db import Database
from registry.errors import FieldError, NotFound, ValidationFailed
from registry.outcome_models import ActionItem, ActionStatus
from registry.periods import Month
from registry.taxonomy.outcomes import OutcomeCodes

MAX_TITLE = 120
ACTION_FIELDS = ("title", "owner_role", "due_month", "status")
# Five or more digits, possibly split by spaces, dots, dashes or slashes: 06-1234 5678,
# 123.456.789, 12-03-1980. A year (2026) or "3 teams" stays possible.
_DIGIT_RUN = re.compile(r"\d(?:[\s./-]?\d){4,}")
_EMAIL = re.compile(r"\S+@\S+|@")


@dataclass(frozen=True)
class ActionRecord:
    title: str
    owner_role: str
    due_month: Month
    status: ActionStatus

    @classmethod
    def from_payload(cls, payload: Any, codes: OutcomeCodes) -> ActionRecord:
        """Validate a mapping of the four fields; raise ValidationFailed listing every problem."""
        if not isinstance(payload, Mapping):
            raise ValidationFailed(errors=[FieldError("", "Verwacht een JSON-object.")])
        errors: list[FieldError] = []
        for name in sorted(set(payload) - set(ACTION_FIELDS), key=str):
            errors.append(FieldError(str(name)[:64], "Onbekend veld."))
        title = _title(payload.get("title"), errors)
        role = payload.get("owner_role")
        if not isinstance(role, str) or role not in codes.owner_roles:
            errors.append(FieldError("owner_role", "Kies de rol van de eigenaar uit de lijst."))
        due = _due(payload.get("due_month"), errors)
        try:
            status = ActionStatus(str(payload.get("status")))
        except ValueError:
            errors.append(FieldError("status", "Kies een status: gepland, bezig, afgerond of "
                                               "vervallen."))
        if errors:
            raise ValidationFailed(errors=errors)
        assert title is not None and due is not None and isinstance(role, str)
        return cls(title, role, due, status)


def _title(value: Any, errors: list[FieldError]) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.append(FieldError("title", "Vul de actie in."))
        return None
    title = " ".join(unicodedata.normalize("NFC", value).split())
    if len(title) > MAX_TITLE:
        errors.append(FieldError("title", f"De actie is te lang: hoogstens {MAX_TITLE} tekens."))
        return None
    if any(unicodedata.category(char).startswith("C") for char in title):
        errors.append(FieldError("title", "De actie bevat tekens die niet zijn toegestaan."))
        return None
    if _EMAIL.search(title):
        errors.append(FieldError("title", "Geen e-mailadressen: het actieregister gaat over de "
                                          "organisatie, niet over personen."))
        return None
    if _DIGIT_RUN.search(title):
        errors.append(FieldError("title", "Geen reeksen cijfers zoals telefoon-, personeels- of "
                                          "BSN-nummers of geboortedata: het actieregister gaat "
                                          "over de organisatie, niet over personen."))
        return None
    return title


def _due(value: Any, errors: list[FieldError]) -> Month | None:
    if not isinstance(value, str) or not value.strip():
        errors.append(FieldError("due_month", "Vul de maand in waarin de actie klaar moet zijn "
                                              "(JJJJ-MM)."))
        return None
    try:
        return Month.parse(value)
    except ValueError as exc:
        errors.append(FieldError("due_month", str(exc)))
        return None


@dataclass(frozen=True)
class Action:
    id: str
    organisation: str
    title: str
    owner_role: str
    due_month: str
    status: ActionStatus


class ActionService:
    """The register, with every change written to the audit log in the same transaction.

    The works council reads the register beside the outcomes, so who added, changed or removed
    which action, and when, is on the log it can verify. The entry holds codes only: the action's
    random id, the organisation, the status and the due month; never the title (free text).
    """

    def __init__(self, db: Database, audit: AuditLog | None = None):
        self.db = db
        self.audit = audit or AuditLog(db)

    def list(self, organisation: str) -> list[Action]:
        """The organisation's actions, by due month (then title)."""
        with self.db.session() as session:
            rows = session.scalars(select(ActionItem).where(
                ActionItem.organisation == organisation)).all()
            actions = [_action(row) for row in rows]
        return sorted(actions, key=lambda a: (a.due_month, a.title))

    def add(self, organisation: str, record: ActionRecord, actor: str) -> Action:
        # immediate=True: the audit entry needs the write lock from the start (AuditLog._lock).
        with self.db.session(immediate=True) as session:
            row = ActionItem(organisation=organisation, title=record.title,
                             owner_role=record.owner_role, due_month=str(record.due_month),
                             status=record.status.value)
            session.add(row)
            session.flush()
            action = _action(row)
            self._log(session, actor, AuditAction.ACTION_ADDED, action)
            return action

    def update(self, organisation: str, action_id: str, record: ActionRecord,
               actor: str) -> Action:
        with self.db.session(immediate=True) as session:
            row = _row(session, organisation, action_id)
            row.title, row.owner_role = record.title, record.owner_role
            row.due_month, row.status = str(record.due_month), record.status.value
            action = _action(row)
            self._log(session, actor, AuditAction.ACTION_CHANGED, action)
            return action

    def remove(self, organisation: str, action_id: str, actor: str) -> None:
        with self.db.session(immediate=True) as session:
            row = _row(session, organisation, action_id)
            action = _action(row)
            session.delete(row)
            self._log(session, actor, AuditAction.ACTION_REMOVED, action)

    def _log(self, session: Session, actor: str, what: AuditAction, action: Action) -> None:
        self.audit.record(session, actor, what, f"action:{action.id}",
                          {"organisation": action.organisation, "owner_role": action.owner_role,
                           "status": action.status.value, "due_month": action.due_month})


def _row(session: Session, organisation: str, action_id: str) -> ActionItem:
    row = session.get(ActionItem, action_id) if isinstance(action_id, str) else None
    if row is None or row.organisation != organisation:
        raise NotFound("Deze actie staat niet in het actieregister van uw organisatie.")
    return row


def _action(row: ActionItem) -> Action:
    return Action(row.id, row.organisation, row.title, row.owner_role, row.due_month,
                  ActionStatus(row.status))
