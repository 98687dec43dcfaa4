"""The strategisch preventiemedewerker's dashboard: trends, heat map, flags, funnels, follow-up."""

from dashboards.prevention.views import bp

__all__ = ["bp"]
