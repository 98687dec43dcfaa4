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

Default epsilon per table: ``privacy.standard_tables`` (the budgets and noise are tabled in
``analytics.published``): 0.8 per month, 9.6 per calendar year, within the default yearly budget
of 10. A replacement costs another 0.8.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from privacy.accounting import laplace_rho
from privacy.aggregate import exact_table
from privacy.consumers import publication_consumer
from privacy.kinds import Grain
from privacy.noise import add_noise
from privacy.queries import QueryService, released_table
from privacy.released import MalformedRelease
from privacy.released_monthly import PublicationResult, PublicationSpec, PublicationTableSpec
from privacy.releases import Release, ReleaseService
from privacy.specs import QuerySpec
from privacy.standard_tables import STANDARD_MECHANISM, STANDARD_TABLES, StandardTable
from registry.errors import Conflict, FieldError, ValidationFailed
from registry.organisations import OrgStructure
from registry.periods import Month
from registry.taxonomy import Taxonomy


def publication_scope(organisation: str) -> str:
    return publication_consumer(organisation)


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
    tables: tuple[StandardTable, ...] = STANDARD_TABLES
    """What a publication holds, each table filtered to the organisation and the month."""
    today: Callable[[], Month] = Month.current

    # -- reading ---------------------------------------------------------------------------

    def revisions(self, organisation: str, month: Month) -> list[Release]:
        """Every publication of this organisation and month, oldest revision first.

        Found from the specs (a small query); only the month's releases are fetched whole."""
        found = [(spec.revision, release_id) for release_id, spec in self._specs(organisation)
                 if spec.period == month]
        return [self.releases.get(release_id) for _revision, release_id in sorted(found)]

    def latest(self, organisation: str, month: Month) -> Release | None:
        entry = self.entry(organisation, month)
        return self.releases.get(entry.release_id) if entry is not None else None

    def entry(self, organisation: str, month: Month) -> PublicationEntry | None:
        """The index entry of the month's latest revision, or None when it is not published."""
        return next((e for e in self.index(organisation) if e.month == month), None)

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
        for release_id, spec in self._specs(organisation):
            current = latest.get(spec.period)
            if current is None or spec.revision > current.revision:
                latest[spec.period] = PublicationEntry(release_id, spec.period, spec.revision)
        return [latest[m] for m in sorted(latest)]

    def _specs(self, organisation: str) -> list[tuple[str, PublicationSpec]]:
        """(id, spec) of the organisation's publications; other releases in the scope and
        specs that do not read as a publication are left out."""
        out = []
        for release_id, raw in self.releases.specs_for(publication_scope(organisation)):
            try:
                spec = PublicationSpec.read(raw)
            except MalformedRelease:
                continue
            if spec is not None:
                out.append((release_id, spec))
        return out

    # -- publishing ------------------------------------------------------------------------

    def publish(self, organisation: str, month: Month, *, replace: bool = False) -> Release:
        """Make (and pay for) the canonical release of ``organisation`` for ``month``."""
        self._check(organisation, month)
        previous = self.entry(organisation, month)
        if previous is not None and not replace:
            raise Conflict(
                f"{month} van {organisation} is al gepubliceerd (release {previous.release_id}, "
                f"revisie {previous.revision}). Een maand wordt één keer gepubliceerd; "
                "gebruik --replace alleen na een correctie in het register.",
                [FieldError("period", f"Al gepubliceerd in release {previous.release_id}.")],
            )
        revision = previous.revision + 1 if previous is not None else 1
        spec = self.spec(organisation, month, revision)
        result = self.releases.release(
            publication_consumer(organisation), publication_scope(organisation), month.year,
            spec.to_json(), laplace_rho(self.total_epsilon),
            lambda: self.compute(organisation, month).to_json(),
            replaces=previous.release_id if previous is not None else None,
        )
        return result.release

    @property
    def total_epsilon(self) -> Fraction:
        return sum((t.epsilon for t in self.tables), Fraction(0))

    def table_specs(self, organisation: str, month: Month) -> dict[str, QuerySpec]:
        return {
            t.name: QuerySpec(measure=t.measure, group_by=t.group_by,
                              filters={"organisation": (organisation,)}, start=month, end=month,
                              grain=Grain.MONTH, mechanism=STANDARD_MECHANISM, epsilon=t.epsilon)
            for t in self.tables
        }

    def spec(self, organisation: str, month: Month, revision: int) -> PublicationSpec:
        """What identifies a publication; the revision makes a replacement a new question."""
        bounds = self.queries.bounds
        return PublicationSpec(
            organisation=organisation, period=month, revision=revision,
            tables={t.name: PublicationTableSpec(t.measure, t.group_by, t.epsilon)
                    for t in self.tables},
            epsilon=self.total_epsilon, coarsening_threshold=self.queries.threshold,
            contacts_per_case=bounds.contacts_per_case,
            categories_per_signal=bounds.categories_per_signal,
            taxonomy_version=self.taxonomy.version,
        )

    def compute(self, organisation: str, month: Month) -> PublicationResult:
        """Every standard table, exactly counted, noised on its own and described."""
        q = self.queries
        tables = {}
        for name, spec in self.table_specs(organisation, month).items():
            exact = exact_table(q.db, spec, self.taxonomy, self.org, threshold=q.threshold,
                                bounds=q.bounds)
            noisy = add_noise(exact)
            del exact  # nothing below may see the exact counts
            tables[name] = released_table(noisy, self.org, q.threshold, q.bounds)
        return PublicationResult(organisation, month, tables)

    def _check(self, organisation: str, month: Month) -> None:
        known = {u.code for u in self.org.organisations}
        if organisation not in known:
            message = f"Onbekende organisatie: {organisation[:64]!r}."
            raise ValidationFailed(message, [FieldError("organisation", message)])
        if month > self.today():
            message = f"{month} ligt in de toekomst; publiceer alleen afgelopen maanden."
            raise ValidationFailed(message, [FieldError("period", message)])
