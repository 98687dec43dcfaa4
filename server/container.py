"""The service container: one per app, built by ``create_app`` from the settings."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from privacy.accounting import Cap
from privacy.contributions import ContributionBounds
from privacy.ledger import BudgetLedger, to_fraction
from privacy.plan_service import PlanService
from privacy.pseudonyms import KeyedPseudonymizer
from privacy.publication import PublicationService
from privacy.queries import QueryService
from privacy.releases import ReleaseService
from privacy.signing import Signer
from registry.accounts import AccountPolicy, AccountService
from registry.actions import ActionService
from registry.activation import ActivationService
from registry.approvals import ApprovalService
from registry.audit import AuditLog
from registry.contacts import ContactPointService
from registry.db import Database
from registry.joined import joined
from registry.mfa import AccountKeys, MfaService
from registry.notices import NoticeService
from registry.organisations import OrganisationService, OrgStructure
from registry.outcomes import OutcomeService
from registry.signals import SignalService
from registry.taxonomy import Taxonomy
from server.governance import approval_service
from server.settings import Mode, Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    taxonomy: Taxonomy
    pseudonymizer: KeyedPseudonymizer
    signer: Signer
    account_keys: AccountKeys
    _org_cache: OrgStructure | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def accounts(self) -> AccountService:
        return AccountService(self.db, self.account_policy)

    @property
    def account_policy(self) -> AccountPolicy:
        return AccountPolicy(api_token_days=self.settings.api_token_days,
                             activation_hours=self.settings.activation_hours,
                             second_factor_required=self.settings.mode is Mode.PRODUCTION)

    @property
    def activation(self) -> ActivationService:
        """One-time links with which holders choose their password (``registry.activation``)."""
        return ActivationService(self.db, self.account_keys, self.account_policy)

    @property
    def mfa(self) -> MfaService:
        """The second factor (TOTP) of accounts (``registry.mfa``)."""
        return MfaService(self.db, self.account_keys, self.account_policy)

    @property
    def notices(self) -> NoticeService:
        """Notices to account holders about resets and new tokens (``registry.notices``)."""
        return NoticeService(self.db)

    @property
    def organisations(self) -> OrganisationService:
        return OrganisationService(self.db)

    @property
    def signals(self) -> SignalService:
        return SignalService(self.db, self.pseudonymizer, self.taxonomy.version)

    @property
    def outcomes(self) -> OutcomeService:
        """Follow-up outcomes added to cases by case token (``registry.outcomes``)."""
        return OutcomeService(self.db, self.pseudonymizer)

    @property
    def actions(self) -> ActionService:
        """The organisations' action registers (PDCA, ``registry.actions``)."""
        return ActionService(self.db, self.audit)

    @property
    def contacts(self) -> ContactPointService:
        return ContactPointService(self.db)

    @property
    def ledger(self) -> BudgetLedger:
        return BudgetLedger(self.db, self.cap)

    @property
    def audit(self) -> AuditLog:
        """The hash-chained audit log of admin actions (``registry.audit``)."""
        return AuditLog(self.db)

    @property
    def approvals(self) -> ApprovalService:
        """Proposals a second admin approves, with their executors (``server.governance``)."""
        return approval_service(self.db, self.cap,
                                lambda session: joined(self.activation, session))

    @property
    def cap(self) -> Cap:
        """The configured cap per data year (a year's stored cap may have been raised)."""
        return _cap(self.settings.privacy_cap_epsilon, self.settings.privacy_cap_delta)

    @property
    def releases(self) -> ReleaseService:
        return ReleaseService(self.db, self.ledger, self.signer)

    @property
    def queries(self) -> QueryService:
        return QueryService(
            db=self.db, taxonomy=self.taxonomy, org=self.org(), releases=self.releases,
            threshold=self.settings.coarsen_threshold,
            bounds=ContributionBounds(contacts_per_case=self.settings.contribution_bound),
        )

    @property
    def plans(self) -> PlanService:
        """The release plan's publications (``privacy.plan_service``)."""
        return PlanService(self.db, self.releases, self.ledger, self.org(), self.taxonomy)

    @property
    def publications(self) -> PublicationService:
        """The canonical monthly publications (``privacy.publication``): built here only, so
        every reader and the publishing command see the same queries, releases and structure."""
        return PublicationService(self.queries, self.releases, self.org(), self.taxonomy)

    def org(self) -> OrgStructure:
        """The public structure, cached until it is replaced through ``replace_org``."""
        with self._lock:
            if self._org_cache is None:
                self._org_cache = self.organisations.structure()
            return self._org_cache

    def replace_org(self, structure: OrgStructure) -> dict[str, int]:
        result = self.organisations.replace(structure)
        with self._lock:
            self._org_cache = None
        return result


if TYPE_CHECKING:
    from web.services import RegistryServices

    def _meets_the_views_contract(services: Services) -> RegistryServices:
        """mypy fails here as soon as ``Services`` stops offering what views use."""
        return services


@lru_cache(maxsize=8)
def _cap(epsilon: str, delta: str) -> Cap:
    return Cap.of(to_fraction(epsilon), to_fraction(delta, "delta"))
