"""Flask-WTF forms of the admin pages: CSRF, reading the post, and the checks a form can make.

Anything that needs the database or the rules of the registry (does the organisation exist, may
this role have one, is the budget below what is spent) is judged by the services, which answer
in Dutch per field; these forms only check shape: present, short enough, on one line.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import InputRequired, Length, ValidationError


def single_line(form: FlaskForm, field: Field) -> None:
    """No line breaks or other control characters: a field here is a label, never a note."""
    value = field.data or ""
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise ValidationError(_l("Gebruik één regel tekst, zonder regeleinden of tabs."))


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class RoleForm(FlaskForm):
    """A role and its scope: an existing account's new role, and part of a new account."""

    role = StringField(validators=[InputRequired(_l("Kies een rol."))])
    organisation = StringField(filters=[_strip])
    default_channel = StringField(filters=[_strip])
    project = StringField(filters=[_strip])


class AccountForm(RoleForm):
    username = StringField(filters=[_strip, lambda v: v.lower() if isinstance(v, str) else v],
                           validators=[InputRequired(_l("Vul een gebruikersnaam in.")),
                                       Length(max=80, message=_l("Gebruik hoogstens 80 tekens."))])


class TokenForm(FlaskForm):
    label = StringField(filters=[_strip], validators=[
        InputRequired(_l("Geef het token een naam, zodat u later weet waarvoor het is.")),
        Length(max=100, message=_l("Gebruik hoogstens 100 tekens.")),
        single_line,
    ])


class BudgetForm(FlaskForm):
    consumer = StringField(validators=[InputRequired(_l("Kies een afnemer."))])
    year = StringField(filters=[_strip], validators=[InputRequired(_l("Vul een jaar in."))])
    # Text, not a number field: the budget is exact, and a float would round it.
    rho = StringField(filters=[_strip], validators=[
        InputRequired(_l("Vul een aandeel in, bijvoorbeeld 0,01.")),
        Length(max=64, message=_l("Gebruik hoogstens 64 tekens.")),
    ])


class ContactForm(FlaskForm):
    name = StringField()
    role = StringField()
    reach = StringField()
    # "ja" or "nee" from two radio buttons; anything else counts as no choice.
    confidential = StringField()

    def confidential_value(self) -> bool | None:
        """True, False, or None when nothing (valid) was chosen: the service then says so."""
        return {"ja": True, "nee": False}.get(self.confidential.data or "")
