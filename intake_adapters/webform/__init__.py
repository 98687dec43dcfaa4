"""The adviser's web form for logging, correcting and withdrawing a contact (see ``views``), and
for adding follow-up outcomes to a case (``views_outcomes``)."""

from intake_adapters.webform import views_outcomes  # registers the outcome form on bp
from intake_adapters.webform.views import bp

__all__ = ["bp", "views_outcomes"]
