"""Proposals waiting for a second administrator: approve or reject them.

A budget allocation, a new account with a role that sees figures and an account's change to
such a role take effect only when an administrator other than the proposer approves them
(``registry.approvals``). The proposer sees their own proposals here and may withdraw them, but
never approve them. Approving carries the action out at once; a new account's one-time
activation link is shown once, to the approving administrator.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from dashboards.admin.views import acting_admin, bp, role_label
from dashboards.admin.views_roles import changed_message
from dashboards.audit_view import KIND_LABELS
from privacy.exact import format_epsilon
from registry.approvals import EXPIRY_DAYS, ApprovalKind, Approved, Proposal
from registry.errors import Conflict, Forbidden, NotFound, ValidationFailed
from web.access import services
from web.labels import consumer_label


@dataclass(frozen=True)
class ProposalRow:
    proposal: Proposal
    kind: str
    description: str
    mine: bool


def describe(proposal: Proposal, now: bool = False) -> str:
    """The proposal in one line; ``now`` adds an account's current role to another role."""
    payload = proposal.payload
    if proposal.kind is ApprovalKind.BUDGET_ALLOCATION:
        return _("Aandeel van %(consumer)s voor %(year)s: rho %(rho)s",
                 consumer=consumer_label(str(payload["consumer"]), services().org()),
                 year=payload["year"], rho=payload["rho"])
    scope = [str(payload[key]) for key in ("organisation", "project") if payload.get(key)]
    name, role = str(payload["username"]), role_label(str(payload["role"]))
    scoped = f" ({', '.join(scope)})" if scope else ""
    if payload["operation"] != "change_role":
        return _("Nieuw account %(name)s met de rol %(role)s%(scope)s", name=name, role=role,
                 scope=scoped)
    if now:
        try:
            current = services().accounts.by_username(name)
        except NotFound:
            pass
        else:
            return _("Andere rol voor account %(name)s: van %(current)s naar %(role)s%(scope)s",
                     name=name, current=role_label(current.role.value), role=role, scope=scoped)
    return _("Andere rol voor account %(name)s: %(role)s%(scope)s", name=name, role=role,
             scope=scoped)


def _rows(proposals: list[Proposal], now: bool = False) -> list[ProposalRow]:
    me = acting_admin().username
    return [ProposalRow(p, str(KIND_LABELS[p.kind]), describe(p, now), p.proposed_by == me)
            for p in proposals]




@bp.get("/goedkeuringen")
def approvals() -> str:
    service = services().approvals
    service.expire_stale()
    return render_template("admin/approvals.html", pending=_rows(service.pending(), now=True),
                           decided=_rows(service.decided()), expiry_days=EXPIRY_DAYS)


@bp.post("/goedkeuringen/<approval_id>/goedkeuren")
def approve(approval_id: str) -> Response | str:
    try:
        outcome = services().approvals.approve(approval_id, acting_admin().username)
    except Forbidden as refused:
        flash(refused.message, "error")
        return redirect(url_for("admin.approvals"))
    except Conflict as refused:
        # Decided already, expired, or (for an account) the name was taken meanwhile.
        flash(" ".join(e.message for e in refused.errors) or refused.message, "error")
        return redirect(url_for("admin.approvals"))
    except ValidationFailed as refused:
        # The ledger or the account rules refuse it as things stand now: nothing changed.
        reasons = " ".join(e.message for e in refused.errors) or refused.message
        flash(_("Niet uitgevoerd; het voorstel wacht nog: %(reason)s", reason=reasons), "error")
        return redirect(url_for("admin.approvals"))
    return _done(outcome)


def _done(outcome: Approved) -> Response | str:
    proposal, result = outcome.proposal, outcome.result
    if proposal.kind is ApprovalKind.BUDGET_ALLOCATION:
        flash(_("Goedgekeurd: het aandeel van %(consumer)s voor %(year)s is nu rho %(total)s; "
                "besteed %(spent)s, resterend %(remaining)s.",
                consumer=consumer_label(str(proposal.payload["consumer"]), services().org()),
                year=proposal.payload["year"], total=format_epsilon(result["total"]),
                spent=format_epsilon(result["spent"]),
                remaining=format_epsilon(result["remaining"])), "success")
        return redirect(url_for("admin.budgets", jaar=proposal.payload["year"]))
    if "change" in result:
        flash(_("Goedgekeurd.") + " " + changed_message(result["change"]), "success")
        return redirect(url_for("admin.approvals"))
    account, activation = result["principal"], result["activation"]
    flash(_("Goedgekeurd: account %(name)s is aangemaakt.", name=account.username), "success")
    # The approving administrator hands the one-time link to the holder.
    return render_template("admin/secret.html", kind="activation", role_label=role_label,
                           secret=url_for("account.activate", token=activation.token,
                                          _external=True), account=account,
                           expires=format_datetime(activation.expires, "d MMMM yyyy, HH:mm"))


@bp.post("/goedkeuringen/<approval_id>/afwijzen")
def reject(approval_id: str) -> Response:
    try:
        proposal = services().approvals.reject(approval_id, acting_admin().username)
    except Conflict as refused:
        flash(refused.message, "error")
        return redirect(url_for("admin.approvals"))
    flash(_("Afgewezen: %(what)s. Er is niets veranderd.", what=describe(proposal)), "success")
    return redirect(url_for("admin.approvals"))
