"""The audit log as people read it: Dutch labels per action and detail, the chain's state on top.

Shared by the works councils' page (``council.audit``) and the admin page (``admin.views_audit``);
both show the same log, newest first, in pages, with the result of walking the whole chain and
its head (number and hash of the newest entry), which a reader can note down to notice later
that newer entries went missing (docs/threat-model.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry.accounts import ROLE_LABELS, Role
from registry.approvals import ApprovalKind
from registry.audit import AuditAction, AuditPage, ChainCheck, LoggedEntry
from web.access import services
from web.labels import consumer_label, owner_role_label
from web.numbers import local_decimal

PER_PAGE = 50
MAX_PAGE = 100_000

ACTION_LABELS = {
    AuditAction.ACCOUNT_CREATED: _l("Account aangemaakt"),
    AuditAction.ROLE_CHANGED: _l("Rol gewijzigd"),
    AuditAction.ACCOUNT_DEACTIVATED: _l("Account uitgezet"),
    AuditAction.ACCOUNT_ACTIVATED: _l("Account weer aangezet"),
    AuditAction.PASSWORD_RESET: _l("Wachtwoord vervangen"),
    AuditAction.MFA_RESET: _l("Tweestapsverificatie opnieuw ingesteld"),
    AuditAction.TOKEN_CREATED: _l("API-token aangemaakt"),
    AuditAction.TOKEN_REVOKED: _l("API-token ingetrokken"),
    AuditAction.BUDGET_PROPOSED: _l("Privacybudget voorgesteld"),
    AuditAction.BUDGET_ALLOCATED: _l("Privacybudget toegekend"),
    AuditAction.CAP_CHANGED: _l("Jaarplafond gewijzigd"),
    AuditAction.APPROVAL_PROPOSED: _l("Rol met toegang tot cijfers voorgesteld"),
    AuditAction.APPROVAL_APPROVED: _l("Voorstel goedgekeurd"),
    AuditAction.APPROVAL_REJECTED: _l("Voorstel afgewezen"),
    AuditAction.APPROVAL_EXPIRED: _l("Voorstel verlopen"),
    AuditAction.LOGIN_FAILED_THROTTLED: _l("Inloggen tijdelijk geblokkeerd na mislukte pogingen"),
    AuditAction.ACTION_ADDED: _l("Actie toegevoegd aan het actieregister"),
    AuditAction.ACTION_CHANGED: _l("Actie in het actieregister gewijzigd"),
    AuditAction.ACTION_REMOVED: _l("Actie uit het actieregister verwijderd"),
}

DETAIL_LABELS = {
    "consumer": _l("afnemer"),
    "year": _l("jaar"),
    "rho": _l("aandeel (rho)"),
    "spent": _l("al besteed (rho)"),
    "epsilon": _l("epsilon"),
    "previous_epsilon": _l("vorige epsilon"),
    "delta": _l("delta"),
    "role": _l("rol"),
    "previous_role": _l("vorige rol"),
    "organisation": _l("organisatie"),
    "previous_organisation": _l("vorige organisatie"),
    "project": _l("onderzoeksproject"),
    "previous_project": _l("vorig onderzoeksproject"),
    "tokens_revoked": _l("ingetrokken API-tokens"),
    "operation": _l("handeling"),
    "username": _l("gebruikersnaam"),
    "approval": _l("voorstel"),
    "proposed_by": _l("voorgesteld door"),
    "kind": _l("soort voorstel"),
    "token_id": _l("token"),
    "owner_role": _l("rol die de actie trekt"),
    "status": _l("status"),
    "due_month": _l("gereed in"),
}

KIND_LABELS = {
    ApprovalKind.BUDGET_ALLOCATION: _l("privacybudget"),
    ApprovalKind.GRANT_FIGURE_ROLE: _l("rol met toegang tot cijfers"),
}
OPERATION_LABELS = {"create": _l("nieuw account"), "change_role": _l("andere rol")}
SYSTEM_LABELS = {"cli": _l("opdrachtregel (cli)"), "system": _l("het register zelf")}


@dataclass(frozen=True)
class EntryRow:
    seq: int
    when: str
    actor: str
    action: str
    subject: str
    details: list[tuple[str, str]]


def action_label(action: str) -> str:
    try:
        return str(ACTION_LABELS[AuditAction(action)])
    except ValueError:
        return action


NUMBER_DETAILS = frozenset({"rho", "spent", "epsilon", "previous_epsilon", "delta"})


def _value(key: str, value: Any) -> str:
    if key in ("role", "previous_role") and value in {r.value for r in Role}:
        return ROLE_LABELS[Role(value)][0]
    if key == "consumer" and isinstance(value, str):
        return consumer_label(value, services().org())
    if key == "owner_role" and isinstance(value, str):
        return owner_role_label(value)
    if key in NUMBER_DETAILS and isinstance(value, str | int | float):
        return local_decimal(value)
    if key == "kind" and value in {k.value for k in ApprovalKind}:
        return str(KIND_LABELS[ApprovalKind(value)])
    if key == "operation" and value in OPERATION_LABELS:
        return str(OPERATION_LABELS[value])
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    return "" if value is None else str(value)


def entry_row(entry: LoggedEntry) -> EntryRow:
    details = [(str(DETAIL_LABELS.get(key, key)), _value(key, value))
               for key, value in entry.detail.items()]
    actor = str(SYSTEM_LABELS.get(entry.actor, entry.actor))
    return EntryRow(entry.seq, entry.occurred_at.strftime("%Y-%m-%d %H:%M"), actor,
                    action_label(entry.action), entry.subject, details)


def chain_message(check: ChainCheck) -> str:
    if check.intact and not check.entries:
        return _("Het auditlog is nog leeg.")
    if check.intact:
        return _("De keten is intact: alle %(count)s ingangen sluiten op elkaar aan.",
                 count=check.entries)
    return _("Ingang %(seq)s ontbreekt of is gewijzigd. Alles vanaf die ingang is niet meer te "
             "vertrouwen; meld dit bij de functionaris gegevensbescherming.",
             seq=check.broken_seq)


def page_number() -> int | None:
    """``?pagina=`` as a whole number from 1; None when it is something else."""
    text = request.args.get("pagina", "1").strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        return None
    return int(text)


def page_context(page: AuditPage, check: ChainCheck) -> dict[str, Any]:
    return {"rows": [entry_row(e) for e in page.entries], "page": page, "check": check,
            "chain_message": chain_message(check)}
