"""The administrators' pages: users and their roles, API tokens, organisation structure, budgets and
the meldknop's contact points, proposals a second administrator approves and the audit log.
Administrators see no signals and no figures."""

from dashboards.admin import (
    views,
    views_approvals,
    views_audit,
    views_budgets,
    views_contacts,
    views_org,
    views_roles,
    views_tokens,
)
from dashboards.admin.views import bp

# The view modules register their routes on ``bp`` when imported.
__all__ = ["bp", "views", "views_approvals", "views_audit", "views_budgets", "views_contacts",
           "views_org", "views_roles", "views_tokens"]
