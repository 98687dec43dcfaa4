"""What analytics cannot work out from the published figures, as types a view can catch.

Every error names the request ``field`` it concerns ("from", "unit", "year", ...), so a view maps
it to a ``registry.errors.FieldError`` by type, for the JSON error list and the Dutch pages, and
never reads the message (which is English, for logs and tests). A view chooses its own Dutch
words per type.

Each is a ``ValueError`` (the figures asked for cannot be formed from this input), and
:class:`StructureChanged` and :class:`NotInRelease` are also ``KeyError``\\ s (a row is not there),
so code that reads a missing row as "not there" keeps doing so.
"""

from __future__ import annotations


class AnalyticsError(ValueError):
    """A figure that cannot be formed from what is published."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        """The request parameter the error concerns."""

    def __str__(self) -> str:  # KeyError's repr-quoting would otherwise win in subclasses
        return self.message


class UnknownTable(AnalyticsError):
    """A publication or plan year without the table asked for."""

    def __init__(self, message: str, field: str = "table") -> None:
        super().__init__(message, field)


class PeriodNotPublished(AnalyticsError):
    """Nothing is published for the period (or unit and period) asked for."""

    def __init__(self, message: str, field: str = "period") -> None:
        super().__init__(message, field)


class StructureChanged(AnalyticsError, KeyError):
    """The releases and today's structure or taxonomy do not line up: a release holds a unit
    that today's structure no longer has (which organisation it belonged to cannot be told), or
    the months of a window have other keys. Figures that need the rows cannot be formed; the
    Rijk's figures and the rows still in the structure read as before."""

    def __init__(self, message: str, field: str = "from") -> None:
        super().__init__(message, field)


class NotInRelease(AnalyticsError, KeyError):
    """An organisation or unit of today's structure that a release does not hold (it was added
    after the release was made)."""

    def __init__(self, message: str, field: str = "organisation") -> None:
        super().__init__(message, field)


class NoHeadcount(AnalyticsError):
    """A rate per 100 FTE of a unit without staff."""

    def __init__(self, message: str, field: str = "unit") -> None:
        super().__init__(message, field)
