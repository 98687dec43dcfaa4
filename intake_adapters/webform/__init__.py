"""The adviser's web form for logging, correcting and withdrawing a contact (see ``views``)."""

from intake_adapters.webform.views import bp

__all__ = ["bp"]
