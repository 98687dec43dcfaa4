"""The fields of a signal, once. Every reader of a signal derives its field list from here.

A field's ``name`` is at once the :class:`~registry.records.SignalRecord` attribute, the API's
JSON property, the web form's field name, the key an import mapping names it by and, for a
single value, the column of the ``signals`` table: one name, so that none of them can drift
from another. A coded field draws its codes from the taxonomy field of the same name.

Adding a field: add its spec here, its attribute to ``SignalRecord`` and its column to
``registry.models.Signal`` (with a migration); the record's validation, the API schema, the
web form's order and choices, the spreadsheet mapping's fields and the stored row follow.
``tests/registry/test_fields.py`` fails until they do. The aggregate dimensions of
``privacy.specs`` are not derived: what may be released is a privacy decision of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


def N_(message: str) -> str:
    """Mark a Dutch msgid for extraction (pybabel knows ``N_``); the caller translates it where
    a locale is known."""
    return message


class FieldKind(StrEnum):
    """What a field holds, and so how it is checked, stored and offered."""

    MONTH = "month"  # YYYY-MM, never a day
    UNIT = "unit"  # a unit code of the public organisation structure
    CODE = "code"  # exactly one code of the taxonomy field
    CODES = "codes"  # distinct codes of the taxonomy field, in taxonomy order
    CASE = "case"  # a case token: links contacts of one case; stored only as a keyed pseudonym


CODED_KINDS = frozenset({FieldKind.CODE, FieldKind.CODES})


@dataclass(frozen=True)
class SignalField:
    """One field of a signal.

    ``label`` is the Dutch msgid of a field the taxonomy does not label (the taxonomy labels
    its coded fields in both languages). ``mapped``: an import mapping may read the field from
    a column; the channel is not, because the person importing a file chooses it.
    """

    name: str
    kind: FieldKind
    required: bool
    label: str | None = None
    mapped: bool = True

    @property
    def coded(self) -> bool:
        return self.kind in CODED_KINDS

    @property
    def multiple(self) -> bool:
        return self.kind is FieldKind.CODES

    @property
    def taxonomy_field(self) -> str | None:
        """The taxonomy field this field draws its codes from; None for an uncoded field."""
        return self.name if self.coded else None

    @property
    def minimum(self) -> int:
        """How many codes a multiple field needs at least."""
        return 1 if self.required else 0

    @property
    def column(self) -> bool:
        """Stored as a column of the ``signals`` table (multiple codes have tables of their
        own; a case token is stored only as its pseudonym)."""
        return self.kind in (FieldKind.MONTH, FieldKind.UNIT, FieldKind.CODE)

    @property
    def defaultable(self) -> bool:
        """An import mapping may give a default for it when no column holds it."""
        return self.mapped and self.kind not in (FieldKind.MONTH, FieldKind.CASE)


# In the order of the web form, top to bottom; the other readers keep this order too.
SIGNAL_FIELDS: tuple[SignalField, ...] = (
    SignalField("period", FieldKind.MONTH, required=True, label=N_("Maand van het contact")),
    SignalField("unit", FieldKind.UNIT, required=True, label=N_("Organisatieonderdeel")),
    SignalField("channel", FieldKind.CODE, required=True, mapped=False),
    SignalField("categories", FieldKind.CODES, required=True),
    SignalField("implicated_party", FieldKind.CODE, required=True),
    SignalField("reporter_role", FieldKind.CODE, required=True),
    SignalField("follow_up", FieldKind.CODE, required=True),
    SignalField("impact", FieldKind.CODES, required=False),
    SignalField("case_token", FieldKind.CASE, required=False, label=N_("Zaaknummer")),
)
FIELDS_BY_NAME = {spec.name: spec for spec in SIGNAL_FIELDS}


def field_names(*kinds: FieldKind) -> tuple[str, ...]:
    """The names of the fields of these kinds (all fields without kinds), in field order."""
    return tuple(spec.name for spec in SIGNAL_FIELDS if not kinds or spec.kind in kinds)


RECORD_FIELDS = field_names()
SINGLE_CODE_FIELDS = field_names(FieldKind.CODE)
MULTI_CODE_FIELDS = field_names(FieldKind.CODES)
CODED_FIELDS = field_names(FieldKind.CODE, FieldKind.CODES)
REQUIRED_FIELDS = tuple(spec.name for spec in SIGNAL_FIELDS if spec.required)
SIGNAL_COLUMNS = tuple(spec.name for spec in SIGNAL_FIELDS if spec.column)
