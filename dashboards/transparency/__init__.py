"""Public pages about privacy: what is released about each data year and what it costs.

``/privacy/budget`` explains the cap per data year, the release plan, the shares of consumers and
the public log of cap changes; ``GET /api/v1/privacy-budget`` (``dashboards.research.api``)
gives the same figures as JSON, built by :func:`dashboards.transparency.budget.public_budget`.
"""

from dashboards.transparency import views
from dashboards.transparency.views import bp

__all__ = ["bp", "views"]
