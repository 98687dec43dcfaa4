"""The headcount tree as the admin sees it: per unit, released on its own or merged upward.

Coarsening reads only the public structure and the threshold (``privacy.coarsening``), so this
page shows exactly which units releases will name, without looking at any signal.
"""

from __future__ import annotations

from dataclasses import dataclass

from privacy.coarsening import coarsen_map
from registry.organisations import OrgStructure, OrgUnit


@dataclass(frozen=True)
class TreeRow:
    unit: OrgUnit
    depth: int
    released: bool
    # The unit whose row this unit's signals are counted in, when it is merged (else None).
    merged_into: OrgUnit | None


@dataclass(frozen=True)
class OrganisationTree:
    organisation: OrgUnit
    rows: tuple[TreeRow, ...]

    @property
    def merged_count(self) -> int:
        return sum(1 for row in self.rows if not row.released)


def organisation_trees(org: OrgStructure, threshold: int) -> list[OrganisationTree]:
    """One tree per organisation, depth first with children by code, as the org chart reads."""
    target = coarsen_map(org, threshold)
    trees = []
    for root in sorted(org.organisations, key=lambda u: u.code):
        rows: list[TreeRow] = []
        stack = [(root.code, 0)]
        while stack:
            code, depth = stack.pop()
            unit = org.get(code)
            released = target[code] == code
            rows.append(TreeRow(unit, depth, released, None if released else org.get(target[code])))
            stack.extend((child, depth + 1) for child in sorted(org.children(code), reverse=True))
        trees.append(OrganisationTree(root, tuple(rows)))
    return trees
