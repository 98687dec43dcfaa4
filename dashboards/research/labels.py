"""Plain-language names for the spec's codes, in the page language.

The codes themselves come from ``privacy.kinds`` and the taxonomy; this module only names them.
A code without a name here (added to the spec later) is shown as itself, so the form never
silently drops a choice the spec allows.
"""

from __future__ import annotations

from flask_babel import gettext as _

from privacy.kinds import TAXONOMY_FIELDS
from registry.organisations import OrgStructure
from registry.taxonomy import Taxonomy


def _names() -> dict[str, dict[str, str]]:
    # Built per call: gettext must run inside the request to follow the chosen language.
    return {
        "measure": {
            "contacts": _("Contacten (elk signaal telt)"),
            "cases": _("Zaken (contacten met hetzelfde zaaknummer tellen één keer)"),
        },
        "dimension": {
            "period": _("Periode"),
            "unit": _("Organisatieonderdeel"),
            "organisation": _("Organisatie"),
        },
        "grain": {"month": _("Maand"), "quarter": _("Kwartaal"), "year": _("Jaar")},
        "mechanism": {
            "laplace": _("Laplace: kost epsilon (zuivere differential privacy)"),
            "gaussian": _("Gauss: kost rho (zero-concentrated differential privacy)"),
        },
    }


class Labels:
    """Names for one request's language; call as ``labels(kind, code)``."""

    def __init__(self, taxonomy: Taxonomy, locale: str, org: OrgStructure | None = None):
        self.taxonomy = taxonomy
        self.locale = locale
        self.org = org
        self.names = _names()

    def code(self, dimension: str, code: str) -> str:
        """The name of one value of a dimension: a unit or organisation by its name, a coded
        field by its taxonomy label; an unknown code as itself."""
        if dimension in ("unit", "organisation"):
            if self.org is not None and code in self.org:
                return str(self.org.get(code).name)
            return code
        field = TAXONOMY_FIELDS.get(dimension)
        if field is not None:
            try:
                return str(self.taxonomy.label(field, code, self.locale))
            except KeyError:
                return code  # a code of an older taxonomy version: its code is its name
        return code

    def __call__(self, kind: str, code: str) -> str:
        known = self.names.get(kind, {}).get(code)
        if known is not None:
            return known
        if kind == "dimension" and code in TAXONOMY_FIELDS:
            return self.taxonomy.fields[TAXONOMY_FIELDS[code]].label(self.locale)
        return code

    def form_fields(self) -> dict[str, str]:
        """Labels of the form's fields, for the error summary."""
        return {
            "measure": _("Wat tellen"),
            "group_by": _("Uitsplitsen naar"),
            "filters": _("Beperken tot"),
            "from": _("Van maand"),
            "to": _("Tot en met maand"),
            "grain": _("Periode per"),
            "mechanism": _("Ruismechanisme"),
            "budget": _("Privacybudget voor deze vraag"),
        }
