"""Coarsening by public structure: small units are merged into their parent before counting.

A unit whose headcount (FTE, from the published org chart) is below the threshold never appears
in a release: its signals are counted with its nearest ancestor whose headcount reaches the
threshold, or with the organisation itself. The decision reads the public structure only, never
the data, so which units are shown reveals nothing about the signals.

Headcounts include sub-units and a parent is never smaller than the sum of its children (the org
loader checks this), so the released units form an upward-closed part of the tree: the parent of
a released unit is released too. An organisation is always released, whatever its size; the
guarantee for it comes from the noise alone.

Note what coarsening does not do: a released parent's own cell (its own staff plus merged-in
small children) can stand for fewer people than the threshold. The differential-privacy noise,
not the threshold, is what protects every cell; coarsening only keeps small units off the table.
"""

from __future__ import annotations

from registry.organisations import OrgStructure

DEFAULT_THRESHOLD = 50


def _check(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        raise ValueError(f"threshold must be a non-negative integer, got {threshold!r}")


def is_released(org: OrgStructure, code: str, threshold: int) -> bool:
    """True when ``code`` appears in releases under its own name."""
    _check(threshold)
    unit = org.get(code)
    return unit.parent is None or unit.headcount >= threshold


def coarsen_map(org: OrgStructure, threshold: int) -> dict[str, str]:
    """Every unit code -> the code it is released under (itself when large enough)."""
    _check(threshold)
    out: dict[str, str] = {}
    for unit in org.units:
        for code in org.ancestors(unit.code):
            if is_released(org, code, threshold):
                out[unit.code] = code
                break
    return out


def released_units(org: OrgStructure, threshold: int) -> tuple[str, ...]:
    """The codes that appear in releases, in the order of the structure."""
    _check(threshold)
    return tuple(u.code for u in org.units if is_released(org, u.code, threshold))


def released_parent(org: OrgStructure, code: str, threshold: int) -> str | None:
    """The nearest released ancestor of a released unit (None for an organisation).

    With a valid structure that is simply the parent; the walk up only matters for a structure
    built by hand in which a parent is smaller than its child.
    """
    if not is_released(org, code, threshold):
        raise ValueError(f"unit {code!r} is not released at threshold {threshold}")
    for ancestor in org.ancestors(code)[1:]:
        if is_released(org, ancestor, threshold):
            return ancestor
    return None
