"""Plain-language names for the spec's codes, in the page language.

The codes themselves come from ``privacy.specs`` and the taxonomy; this module only names them.
A code without a name here (added to the spec later) is shown as itself, so the form never
silently drops a choice the spec allows.
"""

from __future__ import annotations

from flask_babel import gettext as _

from privacy.specs import TAXONOMY_FIELDS
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

    def __init__(self, taxonomy: Taxonomy, locale: str):
        self.taxonomy = taxonomy
        self.locale = locale
        self.names = _names()

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
