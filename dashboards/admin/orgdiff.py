"""What an uploaded organisation file would change, shown before it replaces the structure.

Compares the stored structure with the uploaded one by unit code: units added and removed,
renamed, moved to another parent, with another headcount, and what the coarsening threshold
(``privacy.coarsening``) makes of them: which units lose their own row in the figures (merged
into a parent) and which get one. Reads only the public structure, never a signal.
"""

from __future__ import annotations

from dataclasses import dataclass

from privacy.coarsening import coarsen_map
from registry.organisations import OrgStructure, OrgUnit


@dataclass(frozen=True)
class Pair:
    old: OrgUnit
    new: OrgUnit


@dataclass(frozen=True)
class Merge:
    unit: OrgUnit
    into: OrgUnit


@dataclass(frozen=True)
class OrgDiff:
    added: tuple[OrgUnit, ...]
    removed: tuple[OrgUnit, ...]
    renamed: tuple[Pair, ...]
    moved: tuple[Pair, ...]
    headcount: tuple[Pair, ...]
    newly_merged: tuple[Merge, ...]
    """Units without a row of their own after the change that had one (or are new)."""
    newly_released: tuple[OrgUnit, ...]
    """Units with a row of their own after the change that were merged before."""

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.renamed or self.moved or self.headcount
                    or self.newly_merged or self.newly_released)


def org_diff(old: OrgStructure, new: OrgStructure, threshold: int) -> OrgDiff:
    old_codes = {u.code for u in old.units}
    new_codes = {u.code for u in new.units}
    kept = sorted(old_codes & new_codes)
    pairs = [Pair(old.get(c), new.get(c)) for c in kept]
    before = coarsen_map(old, threshold) if old.units else {}
    after = coarsen_map(new, threshold)
    merged = [Merge(new.get(c), new.get(after[c])) for c in sorted(new_codes)
              if after[c] != c and before.get(c, c) == c]
    released = [new.get(c) for c in sorted(new_codes)
                if after[c] == c and c in before and before[c] != c]
    return OrgDiff(
        added=tuple(new.get(c) for c in sorted(new_codes - old_codes)),
        removed=tuple(old.get(c) for c in sorted(old_codes - new_codes)),
        renamed=tuple(p for p in pairs if p.old.name != p.new.name),
        moved=tuple(p for p in pairs if p.old.parent != p.new.parent),
        headcount=tuple(p for p in pairs if p.old.headcount != p.new.headcount),
        newly_merged=tuple(merged),
        newly_released=tuple(released),
    )
