"""The analytics JSON API: the released figures (trends, comparisons, checks) for the dashboards
and for case systems, with its OpenAPI description (``openapi``)."""

from dashboards.analytics_api.api import bp

__all__ = ["bp"]
