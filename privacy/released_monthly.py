"""The earlier design's monthly publication, typed: its spec and its result of standard tables.

Written by ``privacy.publication`` and read by ``analytics.published``; the tables themselves
are :class:`privacy.released.ReleasedTable` values, and reading follows the same rules
(``privacy.released``): ``from_json`` gives back what ``to_json`` wrote, or raises
:class:`MalformedRelease`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from privacy.exact import format_epsilon, parse_epsilon
from privacy.released import Json, MalformedRelease, ReleasedTable, kind_of, reading
from privacy.releases import Release
from registry.periods import Month

PUBLICATION_KIND = "standard-monthly"
PUBLICATION_VERSION = 1


@dataclass(frozen=True)
class PublicationTableSpec:
    measure: str
    group_by: tuple[str, ...]
    epsilon: Fraction

    def to_json(self) -> Json:
        return {"measure": self.measure, "group_by": list(self.group_by),
                "epsilon": format_epsilon(self.epsilon)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PublicationTableSpec:
        return cls(str(data["measure"]), tuple(str(d) for d in data["group_by"]),
                   parse_epsilon(str(data["epsilon"])))


@dataclass(frozen=True)
class PublicationSpec:
    """What identifies a monthly publication; the revision makes a replacement new."""

    organisation: str
    period: Month
    revision: int
    tables: Mapping[str, PublicationTableSpec]
    epsilon: Fraction
    coarsening_threshold: int
    contacts_per_case: int
    categories_per_signal: int
    taxonomy_version: str
    version: int = PUBLICATION_VERSION

    def to_json(self) -> Json:
        return dict(
            kind=PUBLICATION_KIND, version=self.version, organisation=self.organisation,
            period=str(self.period), revision=self.revision, epsilon=format_epsilon(self.epsilon),
            tables={name: table.to_json() for name, table in self.tables.items()},
            coarsening_threshold=self.coarsening_threshold, taxonomy_version=self.taxonomy_version,
            contacts_per_case=self.contacts_per_case,
            categories_per_signal=self.categories_per_signal)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PublicationSpec:
        with reading("publication spec"):
            if data["kind"] != PUBLICATION_KIND:
                raise MalformedRelease(f"not a monthly publication: {data['kind']!r}")
            return cls(
                organisation=str(data["organisation"]), period=Month.parse(str(data["period"])),
                revision=int(data.get("revision", 1)),
                tables={str(n): PublicationTableSpec.from_json(t)
                        for n, t in data["tables"].items()},
                epsilon=parse_epsilon(str(data["epsilon"])),
                coarsening_threshold=int(data["coarsening_threshold"]),
                contacts_per_case=int(data["contacts_per_case"]),
                categories_per_signal=int(data["categories_per_signal"]),
                taxonomy_version=str(data["taxonomy_version"]), version=int(data["version"]))

    @classmethod
    def read(cls, spec: Any) -> PublicationSpec | None:
        """The spec as a publication's, or None when it is of another kind (for indexes)."""
        return cls.from_json(spec) if kind_of(spec) == PUBLICATION_KIND else None


@dataclass(frozen=True)
class PublicationResult:
    """Every standard table of one organisation and month."""

    organisation: str
    period: Month
    tables: Mapping[str, ReleasedTable]

    def to_json(self) -> Json:
        return {"organisation": self.organisation, "period": str(self.period),
                "tables": {name: table.to_json() for name, table in self.tables.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PublicationResult:
        with reading("publication result"):
            return cls(str(data["organisation"]), Month.parse(str(data["period"])),
                       {str(n): ReleasedTable.from_json(t) for n, t in data["tables"].items()})


def publication_result(release: Release) -> PublicationResult:
    """The tables of a monthly publication; :class:`MalformedRelease` for any other release."""
    PublicationSpec.from_json(release.spec)
    return PublicationResult.from_json(release.result)
