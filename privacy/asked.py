"""A question as its release recorded it: the typed reader of a stored query spec.

``privacy.queries`` stores each answered question under the release spec's ``"query"`` key,
written by :meth:`privacy.specs.QuerySpec.as_json`. The pages that list, summarise and ask a
question again read it back through :class:`AskedQuery`, never by indexing the dict.

It is read *without* validating against today's code lists and organisation structure (that is
what :meth:`QuerySpec.from_json` does for a new question): a release made under an older
taxonomy, before a reorganisation or before the cap must still say what was asked. Missing keys
read as empty, so a damaged or very old spec shows blanks rather than an error page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from privacy.kinds import BudgetUnit, Mechanism
from privacy.specs import QuerySpec


@dataclass(frozen=True)
class AskedQuery:
    """The recorded question: codes and month texts as stored, the budget as decimal text."""

    measure: str = ""
    group_by: tuple[str, ...] = ()
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    start: str = ""
    """First month, "YYYY-MM" ("from" in the JSON)."""
    end: str = ""
    """Last month, "YYYY-MM" ("to" in the JSON)."""
    grain: str = ""
    mechanism: Mechanism = Mechanism.LAPLACE
    budget: str | None = None
    """What the question spent, in ``mechanism.budget_unit``, as recorded ("0.25")."""

    @property
    def budget_unit(self) -> BudgetUnit:
        return self.mechanism.budget_unit

    @classmethod
    def from_json(cls, data: Any) -> AskedQuery:
        """Read :meth:`QuerySpec.as_json`'s shape back; anything unreadable reads as empty."""
        if not isinstance(data, Mapping):
            return cls()
        try:
            mechanism = Mechanism(str(data.get("mechanism", Mechanism.LAPLACE.value)))
        except ValueError:
            mechanism = Mechanism.LAPLACE
        raw_filters = data.get("filters")
        filters = ({str(name): tuple(map(str, codes)) for name, codes in raw_filters.items()
                    if isinstance(codes, list | tuple)}
                   if isinstance(raw_filters, Mapping) else {})
        raw_group_by = data.get("group_by")
        budget = data.get(mechanism.budget_unit.value)
        return cls(measure=str(data.get("measure", "")),
                   group_by=tuple(map(str, raw_group_by))
                   if isinstance(raw_group_by, list | tuple) else (),
                   filters=MappingProxyType(filters),
                   start=str(data.get("from", "")), end=str(data.get("to", "")),
                   grain=str(data.get("grain", "")), mechanism=mechanism,
                   budget=None if budget is None else str(budget))

    @classmethod
    def of_release(cls, spec: Any) -> AskedQuery:
        """The question of a stored release spec (its ``"query"``)."""
        return cls.from_json(spec.get("query") if isinstance(spec, Mapping) else None)

    @classmethod
    def of(cls, spec: QuerySpec) -> AskedQuery:
        """A question about to be asked, as its release will record it."""
        return cls.from_json(spec.as_json())
