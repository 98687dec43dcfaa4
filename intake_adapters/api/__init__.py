"""JSON API v1 for case systems (see ``views``); its OpenAPI fragment is in ``openapi``."""

from intake_adapters.api.views import bp

__all__ = ["bp"]
