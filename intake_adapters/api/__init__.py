"""JSON API v1 for case systems (see ``api``); its OpenAPI fragments are in ``openapi`` and
``outcomes_openapi``."""

from intake_adapters.api.api import bp

__all__ = ["bp"]
