"""One small error hierarchy for the whole product.

Every error a user can cause is a :class:`SignalRegistryError` with an HTTP status and a
user-facing message; the server renders them in one place as HTML or JSON. Anything else is a
bug and becomes a 500.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field; ``message`` is user-facing (Dutch by default)."""

    field: str
    message: str
    # dataclasses.field: the name "field" is this class's first attribute.
    problem: str | None = dataclasses.field(default=None, compare=False)
    """What kind of problem it is, as a code, where a reader words it its own way (a web form
    with the page's decimal sign): never read from ``message``. Not part of the API's answer."""

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class SignalRegistryError(Exception):
    """Base of every error caused by the caller rather than by a bug."""

    status = 400
    title = "Ongeldig verzoek"

    def __init__(self, message: str | None = None, errors: list[FieldError] | None = None):
        self.message = message or self.title
        self.errors: list[FieldError] = list(errors or [])
        super().__init__(self.message)

    def error_list(self) -> list[dict[str, str]]:
        if self.errors:
            return [error.as_dict() for error in self.errors]
        return [{"field": "", "message": self.message}]


class BadRequest(SignalRegistryError):
    status = 400
    title = "Ongeldig verzoek"


class Unauthorized(SignalRegistryError):
    status = 401
    title = "Inloggen vereist"


class Forbidden(SignalRegistryError):
    status = 403
    title = "Geen toegang"


class NotFound(SignalRegistryError):
    status = 404
    title = "Niet gevonden"


class Conflict(SignalRegistryError):
    status = 409
    title = "Conflict"


class PayloadTooLarge(SignalRegistryError):
    status = 413
    title = "Verzoek te groot"


class ValidationFailed(SignalRegistryError):
    """Input was understood but is not valid; carries one :class:`FieldError` per problem."""

    status = 422
    title = "Invoer niet geldig"


class ServiceUnavailable(SignalRegistryError):
    status = 503
    title = "Dienst tijdelijk niet beschikbaar"
