"""The works councils' portal (OR for one organisation, GOR for the whole Rijksoverheid).

Pages are split by task: published figures and annual reports (``views``, which defines
``bp``), requests for extra figures within the council's privacy budget (``views_requests``),
checking a download's signature (``views_verify``), the administration's audit log
(``views_audit``), follow-up outcomes and the action register (``views_outcomes``). Importing
them registers their routes on ``bp``.
"""

from dashboards.council import views, views_audit, views_outcomes, views_requests, views_verify
from dashboards.council.views import bp

__all__ = ["bp", "views", "views_audit", "views_outcomes", "views_requests", "views_verify"]
