"""The strategisch preventiemedewerker's dashboard: trends, heat map, flags, funnels, follow-up."""

from dashboards.prevention import actions  # registers the action register's pages on bp
from dashboards.prevention.views import bp

__all__ = ["actions", "bp"]
