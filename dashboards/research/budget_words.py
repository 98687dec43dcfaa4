"""What the research pages say about budgets, in the ledger's unit and the page's decimal sign.

Every query is charged in rho to each data year its months fall in (``privacy.queries``), also
a Laplace query asked in epsilon; so the flash after a run and the budget box name rho and the
data years charged, not the calendar year of today.

The spec's budget messages come from ``privacy.budgets`` in the API's words, with decimal points
(the API reads nothing else). The form also takes a comma, so for its two budget messages (not
a decimal, out of range) it says the same in its own words, numbers written as the page writes
them (``web.numbers``); every other message is shown as the API words it.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from flask_babel import gettext as _

from privacy.budgets import BUDGET_LIMITS, MAX_DECIMALS, BudgetProblem
from privacy.ledger import BudgetLedger, BudgetStatus
from registry.errors import FieldError
from web.numbers import exact_number

YearBudgets = list[tuple[int, BudgetStatus]]
EXAMPLE_BUDGET = Fraction(1, 4)


def charged_years(ledger: BudgetLedger, consumer: str, *, also: Iterable[int] = (),
                  fallback: int) -> YearBudgets:
    """The consumer's status in every data year it has a share or a charge in, and in ``also``
    (the years of the release shown); ``fallback`` (this year) when there is none at all."""
    years = set(also)
    for year in ledger.years():
        status = ledger.status(consumer, year)
        if status.total or status.spent:
            years.add(year)
    return [(year, ledger.status(consumer, year)) for year in sorted(years or {fallback})]


def run_message(cost: Fraction, charged: YearBudgets) -> str:
    """The flash after a query was run and paid: its cost in rho, and what is left per year."""
    if len(charged) == 1:
        year, status = charged[0]
        return _("De vraag is uitgevoerd. Besteed: rho %(cost)s van uw aandeel voor gegevensjaar "
                 "%(year)s; daar is nog rho %(left)s over.",
                 cost=exact_number(cost), year=year, left=exact_number(status.remaining))
    left = "; ".join(_("rho %(left)s in %(year)s", left=exact_number(status.remaining), year=year)
                     for year, status in charged)
    return _("De vraag is uitgevoerd. Besteed: rho %(cost)s van uw aandeel in elk van de "
             "gegevensjaren %(years)s; nog over: %(left)s.",
             cost=exact_number(cost), years=", ".join(str(year) for year, _status in charged),
             left=left)


def split_budget_errors(errors: Iterable[FieldError]) -> tuple[list[FieldError], list[FieldError]]:
    """(the spec's messages to show as they are, the form's own words for its budget messages)."""
    kept: list[FieldError] = []
    worded: list[FieldError] = []
    for error in errors:
        own = _form_words(error)
        if own is None:
            kept.append(error)
        else:
            worded.append(FieldError(error.field, own))
    return kept, worded


def _form_words(error: FieldError) -> str | None:
    unit = error.field
    if unit not in BUDGET_LIMITS:
        return None
    if error.problem == BudgetProblem.RANGE:
        low, high = BUDGET_LIMITS[unit]
        return _("%(unit)s moet per vraag tussen %(low)s en %(high)s liggen (grenzen inbegrepen): "
                 "kleiner maakt aftasten met heel veel vragen mogelijk, groter laat één vraag de "
                 "cijfers bijna zonder ruis zien.",
                 unit=unit, low=exact_number(low), high=exact_number(high))
    if error.problem == BudgetProblem.FORMAT:
        return _("%(unit)s moet een decimaal getal zijn met hoogstens %(places)s cijfers achter "
                 "de komma, bijvoorbeeld %(example)s.",
                 unit=unit, places=MAX_DECIMALS, example=exact_number(EXAMPLE_BUDGET))
    return None
