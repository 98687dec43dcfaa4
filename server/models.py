"""Every package's tables in one metadata, for Alembic and for schema tests."""

import registry.models  # noqa: F401 - registers the registry's tables
from registry.db import Base

metadata = Base.metadata
