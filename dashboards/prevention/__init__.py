"""The strategisch preventiemedewerker's dashboard: trends, heat map, flags, funnels, follow-up
(``views``, which defines ``bp``) and the action register (``views_actions``)."""

from dashboards.prevention import views_actions  # registers the action register's pages on bp
from dashboards.prevention.views import bp

__all__ = ["bp", "views_actions"]
