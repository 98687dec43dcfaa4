"""Answering a query: spec in, signed and paid-for differentially private release out.

The one path by which a figure leaves the registry: validate the spec (``specs``), count exactly
over the full public grid after coarsening and contribution bounds (``aggregate``), add OpenDP
noise to the whole table (``noise``), derive the consistent display table (``consistency``),
and store the result as an immutable, signed release paid from the consumer's yearly budget
(``releases``, ``ledger``). The same spec asked again by the same consumer returns the stored
release and spends nothing.

Budgets: every query is charged in zCDP rho to every data year from its first to its last
month, from the consumer's share of each year's cap (``privacy.ledger``): a Gaussian spec its
rho, a Laplace spec epsilon^2 / 2 (``privacy.accounting``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from privacy.accounting import laplace_rho
from privacy.aggregate import exact_table
from privacy.consistency import make_consistent
from privacy.contributions import ContributionBounds, table_sensitivity
from privacy.kinds import BudgetUnit
from privacy.ledger import format_epsilon
from privacy.noise import NoisyTable, add_noise, expected_accuracy
from privacy.released import ReleasedCell, ReleasedTable
from privacy.releases import Release, ReleaseService
from privacy.specs import QuerySpec
from privacy.tables import key_grid
from registry.db import Database
from registry.errors import FieldError, ValidationFailed
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.taxonomy import Taxonomy


def query_cost(spec: QuerySpec) -> Fraction:
    """What ``spec`` is charged, in rho, to each data year it touches."""
    return spec.budget if spec.budget_unit is BudgetUnit.RHO else laplace_rho(spec.budget)


def data_years(spec: QuerySpec) -> tuple[int, ...]:
    """Every data year from the spec's first to its last month: each is charged in full."""
    return tuple(range(spec.start.year, spec.end.year + 1))


@dataclass
class QueryService:
    db: Database
    taxonomy: Taxonomy
    org: OrgStructure
    releases: ReleaseService
    threshold: int
    bounds: ContributionBounds
    today: Callable[[], Month] = Month.current

    def parse(self, raw: Any, organisations: frozenset[str] | None) -> QuerySpec:
        """Validate a JSON spec; a scoped consumer only ever sees its own organisations."""
        if isinstance(raw, Mapping) and organisations is not None:
            raw = dict(raw)
            filters = raw.get("filters", {})
            if not isinstance(filters, Mapping):
                raise ValidationFailed(errors=[FieldError("filters", "Geef filters als object.")])
            asked = filters.get("organisation")
            # Codes are text: a list holding a list or object is refused, not hashed (TypeError).
            if asked is not None and (not isinstance(asked, list)
                                      or not all(isinstance(code, str) for code in asked)
                                      or not set(asked) <= organisations):
                raise ValidationFailed(errors=[FieldError(
                    "filters", "U kunt alleen cijfers van uw eigen organisatie opvragen.")])
            raw["filters"] = {**filters, "organisation": asked or sorted(organisations)}
        return QuerySpec.from_json(raw, self.taxonomy, self.org, self.today(),
                                   threshold=self.threshold)

    def release_spec(self, spec: QuerySpec) -> dict[str, Any]:
        """What identifies a release: the question plus the settings that shape its answer.

        Changing the contribution bounds or the coarsening threshold changes the answer, so a
        stored release made under other settings is never handed out as if it were this one.
        """
        return {
            "query": spec.as_json(),
            "coarsening_threshold": self.threshold,
            "contacts_per_case": self.bounds.contacts_per_case,
            "categories_per_signal": self.bounds.categories_per_signal,
        }

    def preview(self, consumer: str, spec: QuerySpec) -> dict[str, Any]:
        """Cost and expected accuracy, without data and without spending anything."""
        grid = key_grid(spec, self.taxonomy, self.org, self.threshold)
        sens = table_sensitivity(spec.measure, spec.group_by, grid.size("category"),
                                 grid.size("impact"), self.bounds)
        accuracy = expected_accuracy(spec, grid.n_cells, sens)
        preview = self.releases.preview(consumer, consumer, data_years(spec),
                                        self.release_spec(spec), query_cost(spec))
        return {
            "cached": preview.cached,
            "release_id": preview.release_id,
            "budget_unit": BudgetUnit.RHO.value,
            "data_years": list(data_years(spec)),
            "cost": format_epsilon(preview.cost) if not preview.cached else "0",
            "allowed": preview.allowed,
            "budget_remaining": format_epsilon(preview.remaining),
            "budget_remaining_after": format_epsilon(preview.remaining_after),
            "cells": grid.n_cells,
            "noise_scale": accuracy.noise_scale,
            "ci95_halfwidth": accuracy.half_width,
            "simultaneous_ci95_halfwidth": accuracy.simultaneous_half_width,
        }

    def run(self, consumer: str, spec: QuerySpec) -> tuple[Release, bool, Any]:
        """The release for ``spec``: stored if asked before, else computed, paid and signed."""
        result = self.releases.release(
            consumer, consumer, data_years(spec), self.release_spec(spec), query_cost(spec),
            lambda: self.compute(spec),
        )
        return result.release, result.spent_now, result.budget

    def compute(self, spec: QuerySpec) -> dict[str, Any]:
        """Aggregate exactly, add noise, and describe the result; the exact counts stay here."""
        exact = exact_table(self.db, spec, self.taxonomy, self.org, threshold=self.threshold,
                            bounds=self.bounds)
        noisy = add_noise(exact)
        del exact  # nothing below may see the exact counts
        return release_payload(noisy, self.org, self.threshold, self.bounds)


def released_table(noisy: NoisyTable, org: OrgStructure, threshold: int,
                   bounds: ContributionBounds) -> ReleasedTable:
    """The stored result: every public key with its estimate, interval and display value."""
    consistent = make_consistent(noisy, org, threshold)
    half = noisy.accuracy.half_width
    names = noisy.grid.names
    cells = tuple(
        ReleasedCell(tuple(str(key[n]) for n in names), int(estimate),
                     (int(estimate) - half, int(estimate) + half), int(count), int(total))
        for key, estimate, count, total in zip(noisy.grid.keys(), noisy.estimates,
                                               consistent.count, consistent.total, strict=True)
    )
    return ReleasedTable(
        measure=noisy.spec.measure, group_by=tuple(names), mechanism=noisy.mechanism,
        budget_unit=noisy.spec.budget_unit, budget=noisy.budget,
        noise_scale=noisy.noise_scale, standard_deviation=noisy.accuracy.standard_deviation,
        ci95_halfwidth=half,
        simultaneous_ci95_halfwidth=noisy.accuracy.simultaneous_half_width,
        confidence=noisy.accuracy.confidence, l1_sensitivity=noisy.sensitivity.l1,
        l2_sensitivity=noisy.sensitivity.l2, coarsening_threshold=threshold,
        contacts_per_case=bounds.contacts_per_case,
        categories_per_signal=bounds.categories_per_signal, cells=cells,
    )


def release_payload(noisy: NoisyTable, org: OrgStructure, threshold: int,
                    bounds: ContributionBounds) -> dict[str, Any]:
    """:func:`released_table` as the JSON document that is signed and stored."""
    return released_table(noisy, org, threshold, bounds).to_json()


def query_answer(release: Release, spent_now: bool, budget: Any) -> dict[str, Any]:
    """The researcher API's answer shape for a release."""
    table = ReleasedTable.from_json(release.result)
    return {
        "release_id": release.id,
        "cached": not spent_now,
        "budget_unit": (BudgetUnit.EPSILON if release.legacy else BudgetUnit.RHO).value,
        "rho_spent": format_epsilon(release.epsilon_spent) if spent_now else "0",
        "release_cost": release.cost_text,
        "budget_remaining": format_epsilon(budget.remaining),
        "mechanism": table.mechanism,
        "noise_scale": table.noise_scale,
        "simultaneous_ci95_halfwidth": table.simultaneous_ci95_halfwidth,
        "cells": [
            {**dict(zip(table.group_by, cell.key, strict=True)), "estimate": cell.estimate,
             "ci95": list(cell.ci95), "noise_scale": table.noise_scale}
            for cell in table.cells
        ],
        "consistent": [
            {**dict(zip(table.group_by, cell.key, strict=True)), "count": cell.consistent,
             "total": cell.consistent_total}
            for cell in table.cells
        ],
        "release_date": release.release_date.isoformat(),
        "key_id": release.key_id,
        "signature": release.signature,
    }
