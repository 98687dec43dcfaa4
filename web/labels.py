"""Names people read for the registry's codes that several features show: budget consumers and
the action register's owner roles.

The budget pages (admin), the public budget page (transparency) and the audit log (admin and
works councils) name the same consumers; one function keeps them saying the same thing.
"""

from __future__ import annotations

from flask_babel import gettext as _

from privacy.plan import PLAN_CONSUMER
from registry.organisations import OrgStructure
from registry.taxonomy.outcomes import load_outcome_codes


def consumer_label(key: str, org: OrgStructure) -> str:
    """A consumer key (``or:ORG``, ``gor``, ``preventie:ORG``, ``research:PROJECT``) in words."""
    if key == PLAN_CONSUMER:
        return _("Releaseplan: de standaardcijfers voor iedereen")
    if key == "gor":
        return _("Groepsondernemingsraad Rijk (GOR)")
    kind, _sep, name = key.partition(":")
    where = f"{org.get(name).name} ({name})" if name in org else name
    if kind == "or":
        return _("Ondernemingsraad van %(org)s", org=where)
    if kind == "preventie":
        return _("Preventiemedewerker van %(org)s", org=where)
    if kind == "research":
        return _("Onderzoeksproject %(name)s", name=name)
    return key


def owner_role_label(code: str) -> str:
    """The action register's owner role in words ("directie" -> "Directie / bestuurder")."""
    return load_outcome_codes().owner_roles.get(code, code)
