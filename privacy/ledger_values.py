"""The ledger's values: statuses, refusals and the public view of a data year.

Kept apart from ``privacy.ledger`` (which reads and writes them) so that pages and the public
budget endpoint can use them without the ledger's locking code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import NamedTuple

from privacy.accounting import Cap, epsilon_at
from privacy.exact import format_epsilon
from registry.errors import FieldError, Forbidden


def _nl(value: Fraction) -> str:
    return format_epsilon(value).replace(".", ",")


class BudgetExceeded(Forbidden):
    """A charge larger than what remains; the message says in Dutch what remains."""

    title = "Onvoldoende privacybudget"

    def __init__(self, consumer: str, year: int, requested: Fraction, remaining: Fraction,
                 *, cap: bool = False):
        self.consumer = consumer
        self.year = year
        self.requested = requested
        self.remaining = remaining
        where = (f"van het jaarplafond voor gegevensjaar {year}" if cap
                 else f"van het aandeel voor gegevensjaar {year}")
        message = (f"Onvoldoende privacybudget: deze vraag kost rho {_nl(requested)}, er resteert "
                   f"rho {_nl(remaining)} {where}.")
        if not cap and remaining == 0 and requested > 0:
            message += " Zonder toegekend aandeel kunnen geen nieuwe cijfers worden gemaakt."
        super().__init__(message, [FieldError("epsilon", message)])


@dataclass(frozen=True)
class BudgetStatus:
    """One consumer's share of one data year, in rho."""

    total: Fraction
    spent: Fraction
    remaining: Fraction

    def __post_init__(self) -> None:
        if self.total < 0 or self.spent < 0:
            raise ValueError("total and spent must not be negative")
        # A share lowered below what was already spent leaves nothing, not a negative amount.
        if self.remaining != max(self.total - self.spent, Fraction(0)):
            raise ValueError("remaining must equal total - spent (and not be negative)")

    def as_dict(self) -> dict[str, str]:
        return {"unit": "rho", "total": format_epsilon(self.total),
                "spent": format_epsilon(self.spent), "remaining": format_epsilon(self.remaining)}


class BudgetPreview(NamedTuple):
    """Whether a charge would be allowed, and what would remain after it (unchanged if refused)."""

    allowed: bool
    remaining_after: Fraction


@dataclass(frozen=True)
class Spend:
    release_id: str
    consumer: str
    year: int
    rho: Fraction


@dataclass(frozen=True)
class ConsumerShare:
    consumer: str
    allocated: Fraction
    spent: Fraction


@dataclass(frozen=True)
class YearBudget:
    """The whole of one data year: its cap, what is allocated and what is spent, per consumer."""

    year: int
    cap: Cap
    shares: tuple[ConsumerShare, ...]
    changes: tuple[CapChangeEntry, ...]

    @property
    def allocated(self) -> Fraction:
        return sum((s.allocated for s in self.shares), Fraction(0))

    @property
    def spent(self) -> Fraction:
        return sum((s.spent for s in self.shares), Fraction(0))

    def as_json(self) -> dict[str, object]:
        """The public shape of ``GET /api/v1/privacy-budget``."""
        delta = float(self.cap.delta)
        return {
            "year": self.year,
            "cap": {"epsilon": format_epsilon(self.cap.epsilon), "delta": f"{delta:g}",
                    "rho": format_epsilon(self.cap.rho)},
            "allocated": {"rho": format_epsilon(self.allocated)},
            "spent": {"rho": format_epsilon(self.spent),
                      "epsilon": round(epsilon_at(self.spent, self.cap.delta), 4)},
            "allocations": [
                {"consumer": s.consumer, "rho": format_epsilon(s.allocated),
                 "spent": format_epsilon(s.spent),
                 # What the share alone amounts to for one case, at the cap's delta.
                 "epsilon": round(epsilon_at(s.allocated, self.cap.delta), 4)}
                for s in self.shares
            ],
            "cap_changes": [c.as_json() for c in self.changes],
        }


@dataclass(frozen=True)
class CapChangeEntry:
    year: int
    previous_epsilon: Fraction | None
    epsilon: Fraction
    delta: Fraction
    changed_on: date
    reason: str

    def as_json(self) -> dict[str, object]:
        return {"year": self.year, "changed_on": self.changed_on.isoformat(),
                "previous_epsilon": (format_epsilon(self.previous_epsilon)
                                     if self.previous_epsilon is not None else None),
                "epsilon": format_epsilon(self.epsilon), "delta": f"{float(self.delta):g}",
                "reason": self.reason}


def _log_order(entries: list[CapChangeEntry]) -> tuple[CapChangeEntry, ...]:
    """Oldest first. A change carries a date, no time, so the changes of one day are put in the
    order their ``previous_epsilon`` chains them: each starts from the cap the one before set."""
    rest = sorted(entries, key=lambda e: (e.changed_on, e.epsilon))
    ordered: list[CapChangeEntry] = []
    while rest:
        day = [e for e in rest if e.changed_on == rest[0].changed_on]
        if ordered:
            follows = [e for e in day if e.previous_epsilon == ordered[-1].epsilon]
        else:  # the first: the change no other change of its day leads to
            follows = [e for e in day if all(e.previous_epsilon != o.epsilon
                                             for o in day if o is not e)]
        ordered.append((follows or day)[0])
        rest.remove(ordered[-1])
    return tuple(ordered)
