"""The earlier design's monthly publication, kept so that its releases stay readable.

Superseded by the release plan (``privacy.plan``, ``privacy.plan_service``): the command line,
the demo and every page publish and read the plan. What was published this way stays verifiable
and is shown as made under the earlier design. Publishing a month this way is still possible
through this class (tests make archive months with it), and is charged honestly to the capped
ledger: the month's epsilon 0.8 (pure DP) is rho 0.32, more than a year's default cap allows.

One signed release per organisation and month.

Each month every organisation gets one release holding the standard tables (below), each an
ordinary differentially private table over its full public key grid (``privacy.aggregate`` +
``privacy.noise`` + ``privacy.queries.release_payload``), each noised with its own epsilon. The
release is paid from the organisation's publication budget (``publication:ORG``) for the
calendar year of the month (the privacy unit is one case within one calendar year, so all
publications about a year compose within that year's budget), and its epsilon is the sum of
its tables' epsilons. Dashboards, trends, benchmarks, checks and the annual report read these
releases only: they are post-processing and spend nothing.

A month is published once. Publishing it again is refused (409) naming the existing release.
After a correction of the registry, ``replace=True`` makes a new release with ``replaces`` set
to the latest one and ``revision`` one higher; it is paid for in full again (fresh noise on the
same month is a new release of the same people, so it composes). Readers take the latest
revision of each month.

Cases that span months: the case tables count a case once in every month it has a (kept)
contact. Summing monthly case tables over a year therefore counts case-months, an upper bound
on the number of distinct cases; reports label such sums as "zaak-maanden".

Default epsilon per table (``TABLE_EPSILON``; also read by ``analytics.published``, which
explains the choice): 0.8 per month, 9.6 per calendar year, within the default yearly budget of
10. A replacement costs another 0.8.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from privacy.accounting import laplace_rho
from privacy.aggregate import exact_table
from privacy.consumers import publication_consumer
from privacy.ledger import format_epsilon
from privacy.noise import add_noise
from privacy.queries import QueryService, release_payload
from privacy.releases import Release, ReleaseService
from privacy.specs import QuerySpec, decimal_text
from registry.errors import Conflict, FieldError, ValidationFailed
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.taxonomy import Taxonomy

SPEC_KIND = "standard-monthly"
SPEC_VERSION = 1

# Name -> (measure, group_by in canonical dimension order). Every table is filtered to the
# organisation and the month.
PUBLICATION_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "contacts_unit_category": ("contacts", ("unit", "category")),
    "cases_unit_category": ("cases", ("unit", "category")),
    "contacts_unit_category_channel": ("contacts", ("unit", "category", "channel")),
    "contacts_channel": ("contacts", ("channel",)),
    "contacts_implicated_party": ("contacts", ("implicated_party",)),
    "contacts_reporter_role": ("contacts", ("reporter_role",)),
    "contacts_follow_up": ("contacts", ("follow_up",)),
    "contacts_impact": ("contacts", ("impact",)),
    "contacts_total": ("contacts", ()),
}

TABLE_EPSILON: dict[str, Fraction] = {
    "contacts_unit_category": Fraction("0.35"),
    "cases_unit_category": Fraction("0.10"),
    "contacts_unit_category_channel": Fraction("0.10"),
    "contacts_total": Fraction("0.10"),
    "contacts_follow_up": Fraction("0.05"),
    "contacts_channel": Fraction("0.03"),
    "contacts_implicated_party": Fraction("0.03"),
    "contacts_reporter_role": Fraction("0.02"),
    "contacts_impact": Fraction("0.02"),
}


def publication_scope(organisation: str) -> str:
    return publication_consumer(organisation)


def is_publication(release: Release) -> bool:
    spec = release.spec
    return isinstance(spec, dict) and spec.get("kind") == SPEC_KIND


@dataclass(frozen=True)
class PublicationEntry:
    """One month's latest publication, without its tables."""

    release_id: str
    month: Month
    revision: int


@dataclass
class PublicationService:
    queries: QueryService
    releases: ReleaseService
    org: OrgStructure
    taxonomy: Taxonomy
    epsilons: Mapping[str, Fraction] = field(default_factory=lambda: dict(TABLE_EPSILON))
    today: Callable[[], Month] = Month.current

    # -- reading ---------------------------------------------------------------------------

    def revisions(self, organisation: str, month: Month) -> list[Release]:
        """Every publication of this organisation and month, oldest revision first."""
        found = [r for r in self.releases.list_for(publication_scope(organisation))
                 if is_publication(r) and r.spec.get("period") == str(month)]
        return sorted(found, key=lambda r: int(r.spec.get("revision", 1)))

    def latest(self, organisation: str, month: Month) -> Release | None:
        revisions = self.revisions(organisation, month)
        return revisions[-1] if revisions else None

    def published_months(self, organisation: str, start: Month, end: Month) -> list[Release]:
        """The latest revision of every published month from ``start`` to ``end``, oldest first.

        Months without a publication are left out (a reader must not take them for zero).
        """
        return [self.releases.get(entry.release_id) for entry in self.index(organisation)
                if start <= entry.month <= end]

    def index(self, organisation: str) -> list[PublicationEntry]:
        """The latest revision of every published month, oldest first, read from the specs
        only: what a page needs to list months or to find the releases it has cached."""
        latest: dict[Month, PublicationEntry] = {}
        for release_id, spec in self.releases.specs_for(publication_scope(organisation)):
            if not isinstance(spec, dict) or spec.get("kind") != SPEC_KIND:
                continue
            try:
                month = Month.parse(str(spec.get("period")))
            except ValueError:
                continue
            revision = int(spec.get("revision", 1))
            current = latest.get(month)
            if current is None or revision > current.revision:
                latest[month] = PublicationEntry(release_id, month, revision)
        return [latest[m] for m in sorted(latest)]

    # -- publishing ------------------------------------------------------------------------

    def publish(self, organisation: str, month: Month, *, replace: bool = False) -> Release:
        """Make (and pay for) the canonical release of ``organisation`` for ``month``."""
        self._check(organisation, month)
        previous = self.latest(organisation, month)
        if previous is not None and not replace:
            raise Conflict(
                f"{month} van {organisation} is al gepubliceerd (release {previous.id}, revisie "
                f"{previous.spec.get('revision', 1)}). Een maand wordt één keer gepubliceerd; "
                "gebruik --replace alleen na een correctie in het register.",
                [FieldError("period", f"Al gepubliceerd in release {previous.id}.")],
            )
        revision = int(previous.spec.get("revision", 1)) + 1 if previous is not None else 1
        spec = self.spec(organisation, month, revision)
        result = self.releases.release(
            publication_consumer(organisation), publication_scope(organisation), month.year,
            spec, laplace_rho(self.total_epsilon), lambda: self.compute(organisation, month),
            replaces=previous.id if previous is not None else None,
        )
        return result.release

    @property
    def total_epsilon(self) -> Fraction:
        return sum(self.epsilons.values(), Fraction(0))

    def table_specs(self, organisation: str, month: Month) -> dict[str, QuerySpec]:
        return {
            name: QuerySpec(measure=measure, group_by=group_by,
                            filters={"organisation": (organisation,)}, start=month, end=month,
                            grain="month", mechanism="laplace", epsilon=self.epsilons[name])
            for name, (measure, group_by) in PUBLICATION_TABLES.items()
        }

    def spec(self, organisation: str, month: Month, revision: int) -> dict[str, Any]:
        """What identifies a publication; the revision makes a replacement a new question."""
        bounds = self.queries.bounds
        return {
            "kind": SPEC_KIND,
            "version": SPEC_VERSION,
            "organisation": organisation,
            "period": str(month),
            "revision": revision,
            "tables": {
                name: {"measure": measure, "group_by": list(group_by),
                       "epsilon": decimal_text(self.epsilons[name])}
                for name, (measure, group_by) in PUBLICATION_TABLES.items()
            },
            "epsilon": format_epsilon(self.total_epsilon),
            "coarsening_threshold": self.queries.threshold,
            "contacts_per_case": bounds.contacts_per_case,
            "categories_per_signal": bounds.categories_per_signal,
            "taxonomy_version": self.taxonomy.version,
        }

    def compute(self, organisation: str, month: Month) -> dict[str, Any]:
        """Every standard table, exactly counted, noised on its own and described."""
        q = self.queries
        tables: dict[str, Any] = {}
        for name, spec in self.table_specs(organisation, month).items():
            exact = exact_table(q.db, spec, self.taxonomy, self.org, threshold=q.threshold,
                                bounds=q.bounds)
            noisy = add_noise(exact)
            del exact  # nothing below may see the exact counts
            tables[name] = release_payload(noisy, self.org, q.threshold, q.bounds)
        return {"organisation": organisation, "period": str(month), "tables": tables}

    def _check(self, organisation: str, month: Month) -> None:
        known = {u.code for u in self.org.organisations}
        if organisation not in known:
            message = f"Onbekende organisatie: {organisation[:64]!r}."
            raise ValidationFailed(message, [FieldError("organisation", message)])
        if month > self.today():
            message = f"{month} ligt in de toekomst; publiceer alleen afgelopen maanden."
            raise ValidationFailed(message, [FieldError("period", message)])
        missing = set(PUBLICATION_TABLES) - set(self.epsilons)
        if missing:
            raise ValueError(f"no epsilon for tables {sorted(missing)}")
