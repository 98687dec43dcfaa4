"""The works councils' portal (OR for one organisation, GOR for the whole Rijksoverheid).

Pages are split by task: published figures and annual reports (``views``), requests for extra
figures within the council's privacy budget (``requests``) and checking a download's
signature (``verify``), the administration's audit log (``audit``), follow-up outcomes and the
action register (``outcomes``). Importing them registers their routes on ``bp``.
"""

from dashboards.council import audit, outcomes, requests, verify, views
from dashboards.council.blueprint import bp

__all__ = ["audit", "bp", "outcomes", "requests", "verify", "views"]
