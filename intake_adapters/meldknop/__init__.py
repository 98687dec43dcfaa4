"""The anonymous meldknop: one coded signal, then where to go (see ``views``)."""

from intake_adapters.meldknop.views import bp

__all__ = ["bp"]
