"""Every package's tables in one metadata, for Alembic and for schema tests."""

import privacy.models  # noqa: F401 - registers the privacy layer's tables
import registry.contacts  # registers the contact points table (meldknop)
import registry.governance_models  # registers the audit log and pending approvals
import registry.idempotency  # registers the idempotency keys table
import registry.models  # registers the registry's tables
import registry.outcome_models  # noqa: F401 - registers case outcomes and the action register
from registry.db import Base

metadata = Base.metadata
