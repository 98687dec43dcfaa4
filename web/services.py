"""What a view may ask of the application: the typed contract of the service container.

Views reach the services through ``web.access.services()``, which returns a
:class:`RegistryServices`. The container itself (``server.container.Services``) lives above the
views and builds everything from the settings; this Protocol names what the views use, so mypy
checks every use and a view never builds a service by hand (the publications reader included).
``server.container`` asserts statically that its ``Services`` satisfies this contract.

Members are read-only properties: a view reads services, it never swaps one.
"""

from __future__ import annotations

from typing import Protocol

from privacy.accounting import Cap
from privacy.ledger import BudgetLedger
from privacy.plan_service import PlanService
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
from registry.mfa import MfaService
from registry.notices import NoticeService
from registry.organisations import OrganisationService, OrgStructure
from registry.outcomes import OutcomeService
from registry.signals import SignalService
from registry.taxonomy import Taxonomy


class PageSettings(Protocol):
    """The settings that pages show or follow (``server.settings.Settings`` has them all)."""

    @property
    def coarsen_threshold(self) -> int: ...

    @property
    def retention_years(self) -> int: ...

    @property
    def meldknop_work_bits(self) -> int: ...


class RegistryServices(Protocol):
    """The services a view uses; ``server.container.Services`` is the one implementation."""

    @property
    def settings(self) -> PageSettings: ...

    @property
    def db(self) -> Database: ...

    @property
    def taxonomy(self) -> Taxonomy: ...

    @property
    def signer(self) -> Signer: ...

    # -- people and their accounts ---------------------------------------------------------

    @property
    def accounts(self) -> AccountService: ...

    @property
    def account_policy(self) -> AccountPolicy: ...

    @property
    def activation(self) -> ActivationService: ...

    @property
    def mfa(self) -> MfaService: ...

    @property
    def notices(self) -> NoticeService: ...

    # -- the registry ----------------------------------------------------------------------

    @property
    def organisations(self) -> OrganisationService: ...

    @property
    def signals(self) -> SignalService: ...

    @property
    def outcomes(self) -> OutcomeService: ...

    @property
    def actions(self) -> ActionService: ...

    @property
    def contacts(self) -> ContactPointService: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def approvals(self) -> ApprovalService: ...

    def org(self) -> OrgStructure:
        """The public organisation structure (cached by the container)."""
        ...

    def replace_org(self, structure: OrgStructure) -> dict[str, int]: ...

    # -- privacy budget and figures ----------------------------------------------------------

    @property
    def cap(self) -> Cap: ...

    @property
    def ledger(self) -> BudgetLedger: ...

    @property
    def releases(self) -> ReleaseService: ...

    @property
    def queries(self) -> QueryService: ...

    @property
    def plans(self) -> PlanService: ...

    @property
    def publications(self) -> PublicationService:
        """The canonical monthly publications: read their index and releases, or publish."""
        ...
