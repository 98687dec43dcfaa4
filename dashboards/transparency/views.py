"""``/privacy/budget``: the privacy budget in plain Dutch, for anyone, without signing in.

``bp``, the transparency blueprint (public pages, no account needed), is defined here.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from flask import Blueprint, render_template
from flask_babel import gettext as _

from dashboards.transparency.budget import budget_years
from privacy.accounting import epsilon_at
from privacy.ledger import CapChangeEntry, YearBudget
from privacy.plan import PLAN_CONSUMER, PLAN_RHO, PLAN_TABLES, Dimension, Level, Part, PlanTable, Source
from registry.organisations import OrgStructure
from registry.periods import Month
from web.access import services
from web.labels import consumer_label
from web.numbers import number

bp = Blueprint("transparency", __name__, url_prefix="/privacy", template_folder="templates")


Z95 = 1.959964  # two-sided 95% quantile of the normal distribution


def delta_text(delta: Fraction) -> str:
    """1e-06 as a reader knows it: 0,000001 (one in a million)."""
    return number(delta, digits=12)


@dataclass(frozen=True)
class ShareRow:
    label: str
    allocated: str
    spent: str
    remaining: str


@dataclass(frozen=True)
class ChangeRow:
    changed_on: str
    previous: str
    epsilon: str
    delta: str
    reason: str


@dataclass(frozen=True)
class YearView:
    year: int
    cap_epsilon: str
    cap_delta: str
    cap_rho: str
    allocated: str
    unallocated: str
    spent: str
    left: str
    loss_epsilon: str
    shares: tuple[ShareRow, ...]
    changes: tuple[ChangeRow, ...]


@dataclass(frozen=True)
class PlanRow:
    what: str
    when: str
    rho: str
    margin: str


def year_view(budget: YearBudget, org: OrgStructure) -> YearView:
    cap = budget.cap
    shares = tuple(
        ShareRow(consumer_label(s.consumer, org), number(s.allocated), number(s.spent),
                 number(max(s.allocated - s.spent, Fraction(0))))
        for s in sorted(budget.shares, key=lambda s: (s.consumer != PLAN_CONSUMER, s.consumer)))
    return YearView(
        year=budget.year, cap_epsilon=number(cap.epsilon), cap_delta=delta_text(cap.delta),
        cap_rho=number(cap.rho), allocated=number(budget.allocated),
        unallocated=number(max(cap.rho - budget.allocated, Fraction(0))),
        spent=number(budget.spent), left=number(max(cap.rho - budget.spent, Fraction(0))),
        loss_epsilon=number(epsilon_at(budget.spent, cap.delta), digits=2),
        shares=shares, changes=tuple(change_row(c) for c in budget.changes))


def change_row(change: CapChangeEntry) -> ChangeRow:
    previous = number(change.previous_epsilon) if change.previous_epsilon is not None else "-"
    return ChangeRow(change.changed_on.isoformat(), previous, number(change.epsilon),
                     delta_text(change.delta), change.reason)


def plan_row(table: PlanTable) -> PlanRow:
    levels = {Level.RIJK: _("het hele Rijk"), Level.ORGANISATION: _("per organisatie"),
              Level.DG: _("per directoraat-generaal (groot) en de rest van de organisatie"),
              Level.DIRECTIE: _("per directie (groot)")}
    dimensions = {Dimension.TOTAL: _("aantal zaken"), Dimension.CATEGORY: _("zaken per onderwerp"),
                  Dimension.CHANNEL: _("zaken per kanaal"),
                  Dimension.IMPLICATED_PARTY: _("zaken per betrokkene"),
                  Dimension.REPORTER_ROLE: _("zaken per rol van de melder"),
                  Dimension.FOLLOW_UP: _("zaken per opvolging"),
                  Dimension.IMPACT: _("zaken per gevolg"),
                  Dimension.ACKNOWLEDGED_7D: _("zaken per ontvangstbevestiging binnen 7 dagen"),
                  Dimension.FEEDBACK_3M: _("zaken per terugkoppeling binnen 3 maanden"),
                  Dimension.EMPLOYER_ACTED: _("zaken per actie van de werkgever"),
                  Dimension.OUTCOME: _("zaken per uitkomst"),
                  Dimension.MEASURES: _("zaken per genomen maatregel"),
                  Dimension.AFTERCARE: _("zaken per aangeboden nazorg")}
    parts = {Part.YEAR: _("na afloop van het jaar"), Part.HALF: _("elk half jaar"),
             Part.QUARTER: _("elk kwartaal"), Part.MONTH: _("elke maand")}
    what = f"{dimensions[table.dimension]}, {levels[table.level]}"
    if table.source is Source.MELDKNOP:
        what += " " + _("(alleen de meldknop)")
    margin = _("plus of min %(n)s", n=number(Z95 * table.sigma, digits=1))
    return PlanRow(what, parts[table.part], number(table.rho), margin)


@bp.get("/budget", endpoint="budget")
def budget() -> tuple[str, int]:
    svc = services()
    ledger, org = svc.ledger, svc.org()
    years = [year_view(ledger.year(year), org)
             for year in reversed(budget_years(ledger, Month.current().year))]
    cap = svc.cap
    return render_template(
        "transparency/budget.html", years=years, plan=[plan_row(t) for t in PLAN_TABLES],
        plan_rho=number(PLAN_RHO), cap_epsilon=number(cap.epsilon),
        cap_delta=delta_text(cap.delta), cap_rho=number(cap.rho),
        rest_rho=number(max(cap.rho - PLAN_RHO, Fraction(0)))), 200
