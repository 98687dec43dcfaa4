"""The researchers' workspace over the researcher API, and the API documentation page."""

from dashboards.research import views_docs  # noqa: F401 - registers /api/docs on bp
from dashboards.research.views import bp

__all__ = ["bp"]
