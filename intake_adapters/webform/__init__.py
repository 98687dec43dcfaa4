"""The adviser's web form for logging, correcting and withdrawing a contact (see ``views``), and
for adding follow-up outcomes to a case (``outcomes``)."""

from intake_adapters.webform import outcomes  # registers the outcome form on bp
from intake_adapters.webform.views import bp

__all__ = ["bp", "outcomes"]
