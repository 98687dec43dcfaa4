"""One model of what is wrong with a posted HTML form, for every form of the product.

A form declares its fields once, in the order the page shows them (:class:`FormFields`). The
errors of one post, from WTForms and from the registry alike, become a :class:`FormErrors`:
the messages per field, in that order, each said once beside its field and once in the summary
at the top, where it links to the field's first control. ``server/templates/_forms.html``
renders it (``error_summary``, ``field_error``, ``described``).

Why a message knows its language: the registry words its messages in Dutch whatever the page's
language (``registry.errors.FieldError``), while WTForms and the views word theirs through
gettext. On an English page the Dutch ones are marked ``lang="nl"`` so a screen reader reads
them as Dutch; the page's own words are not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from registry.errors import FieldError
from registry.taxonomy import Code

# Where a message for no particular field (FieldError.field == "") goes unless the form says.
FORM_LEVEL = ""


@dataclass(frozen=True)
class FieldMessage:
    """One message about one field, and whether it is in the registry's Dutch."""

    field: str
    text: str
    dutch: bool = False


@dataclass(frozen=True)
class SummaryLine:
    """One line of the error summary; ``anchor`` is the id its link leads to ("" for no link)."""

    field: str
    anchor: str
    label: str
    message: FieldMessage


@dataclass(frozen=True)
class FormErrors:
    """The messages of one post per field, and the summary; both in the form's declared order.

    Empty (false) when the post had no errors; ``get`` gives a field's messages, possibly none.
    """

    by_field: Mapping[str, tuple[FieldMessage, ...]] = field(
        default_factory=lambda: MappingProxyType({}))
    summary: tuple[SummaryLine, ...] = ()

    def get(self, name: str) -> tuple[FieldMessage, ...]:
        return self.by_field.get(name, ())

    def __contains__(self, name: object) -> bool:
        return name in self.by_field

    def __bool__(self) -> bool:
        return bool(self.summary)

    def texts(self, name: str) -> list[str]:
        """A field's messages as plain text (for tests and for JSON)."""
        return [message.text for message in self.get(name)]


NO_ERRORS = FormErrors()


@dataclass(frozen=True)
class FormFields:
    """The fields of one form in page order, and where the summary's link for each leads.

    ``anchors`` names the id of a field's first control where it is not the field's own name (a
    radio group links to its first button). ``aliases`` maps an error's field to the form field
    that shows it (an API name that the form spells differently). An error for a field the form
    does not declare goes to ``other`` when that is declared, else it keeps its name, is listed
    last and is not linked.
    """

    order: tuple[str, ...]
    anchors: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    other: str | None = None

    def errors(self, *sources: Iterable[FieldMessage],
               labels: Mapping[str, str] | None = None) -> FormErrors:
        """The messages of all sources grouped per field in declared order, each once."""
        grouped: dict[str, list[FieldMessage]] = {}
        for source in sources:
            for message in source:
                name = self._field_of(message.field)
                placed = FieldMessage(name, message.text, message.dutch)
                if placed not in grouped.setdefault(name, []):
                    grouped[name].append(placed)
        names = [name for name in self.order if name in grouped]
        names += [name for name in grouped if name not in self.order]
        by_field = {name: tuple(grouped[name]) for name in names}
        summary = tuple(
            SummaryLine(name, self._anchor(name), (labels or {}).get(name, ""), message)
            for name in names for message in by_field[name]
        )
        return FormErrors(MappingProxyType(by_field), summary)

    def _field_of(self, name: str) -> str:
        name = self.aliases.get(name, name)
        if name in self.order or self.other is None:
            return name
        return self.other

    def _anchor(self, name: str) -> str:
        if name not in self.order:
            return ""
        return self.anchors.get(name, name)


def registry_messages(errors: Iterable[FieldError]) -> tuple[FieldMessage, ...]:
    """The registry's messages: Dutch whatever the page's language."""
    return tuple(FieldMessage(error.field, error.message, dutch=True) for error in errors)


def page_messages(
    errors: Iterable[FieldError] | Mapping[str, Sequence[object]],
) -> tuple[FieldMessage, ...]:
    """Messages already in the page's language: WTForms' ``form.errors`` (lazy gettext
    strings), or FieldErrors a view worded itself through gettext."""
    if isinstance(errors, Mapping):
        return tuple(FieldMessage(name, str(text)) for name, texts in errors.items()
                     for text in texts)
    return tuple(FieldMessage(error.field, error.message) for error in errors)


# Indentation of a unit under its parent in a <select>: option text cannot be styled
# everywhere, no-break spaces survive in every browser.
INDENT = "\u00a0\u00a0\u00a0"


@dataclass(frozen=True)
class Choice:
    """One box or radio button of a coded field: its code, its label and a one-line hint."""

    code: str
    label: str
    hint: str

    @classmethod
    def of(cls, code: Code, locale: str) -> Choice:
        """A taxonomy code as offered on a form page in ``locale``."""
        return cls(code.code, code.label(locale), code.definition(locale))
