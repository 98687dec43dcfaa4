"""The meldknop's contact points per organisation: list, add, edit and remove.

A contact point is public contact information of an adviser or service, never anything about a
reporter. ``registry.contacts`` judges every entry (one line, bounded length, known role).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from dashboards.admin.forms import ContactForm
from dashboards.admin.views import Errors, bp, collect_errors, form_errors
from registry.contacts import MAX_PER_ORGANISATION, ContactPointInfo, ContactRole
from registry.errors import Conflict, NotFound, ValidationFailed
from registry.organisations import OrgUnit
from web.access import services

CONTACT_FIELDS = ("name", "role", "reach", "confidential")


@bp.get("/contactpunten")
def contacts() -> str:
    if not services().org().organisations:
        # A fresh registry: contact points belong to organisations, so those come first.
        return render_template("admin/no_organisations.html")
    organisation = _organisation(request.args.get("organisatie"))
    return _list_page(organisation, ContactForm(formdata=None), {})


@bp.post("/contactpunten/<organisation>")
def add_contact(organisation: str) -> Response | tuple[str, int]:
    unit = _organisation(organisation, strict=True)
    form = ContactForm()
    try:
        services().contacts.add(unit.code, form.name.data or "", form.role.data or "",
                                form.reach.data or "", form.confidential_value())  # type: ignore[arg-type]
    except (ValidationFailed, Conflict) as refused:
        return _list_page(unit, form, collect_errors(refused.errors)), refused.status
    flash(_("Contactpunt %(name)s is toegevoegd aan de lijst van %(org)s.",
            name=" ".join((form.name.data or "").split()), org=unit.name), "success")
    return redirect(url_for("admin.contacts", organisatie=unit.code))


@bp.route("/contactpunten/<organisation>/<contact_id>", methods=["GET", "POST"])
def edit_contact(organisation: str, contact_id: str) -> str | Response | tuple[str, int]:
    unit = _organisation(organisation, strict=True)
    contact = services().contacts.get(contact_id, unit.code)
    if request.method == "GET":
        form = ContactForm(formdata=None, name=contact.name, role=contact.role.value,
                           reach=contact.reach, confidential="ja" if contact.confidential else "nee")
        return _edit_page(unit, contact, form, {})
    form = ContactForm()
    try:
        services().contacts.update(contact.id, unit.code, form.name.data or "", form.role.data or "",
                                   form.reach.data or "", form.confidential_value())  # type: ignore[arg-type]
    except (ValidationFailed, Conflict) as refused:
        return _edit_page(unit, contact, form, collect_errors(refused.errors)), refused.status
    flash(_("Contactpunt %(name)s is gewijzigd.", name=" ".join((form.name.data or "").split())),
          "success")
    return redirect(url_for("admin.contacts", organisatie=unit.code))


@bp.post("/contactpunten/<organisation>/<contact_id>/verwijderen")
def remove_contact(organisation: str, contact_id: str) -> Response:
    unit = _organisation(organisation, strict=True)
    contact = services().contacts.get(contact_id, unit.code)
    services().contacts.remove(contact.id, unit.code)
    flash(_("Contactpunt %(name)s is verwijderd uit de lijst van %(org)s.", name=contact.name,
            org=unit.name), "success")
    return redirect(url_for("admin.contacts", organisatie=unit.code))


def _organisation(code: str | None, strict: bool = False) -> OrgUnit:
    """The chosen organisation; on the list page an unknown choice falls back to the first."""
    organisations = sorted(services().org().organisations, key=lambda u: u.code)
    for unit in organisations:
        if unit.code == code:
            return unit
    if strict or not organisations:
        raise NotFound(_("Deze organisatie bestaat niet."))
    return organisations[0]


def _roles() -> list[tuple[str, str]]:
    locale = str(get_locale())
    return [(role.value, role.label(locale)) for role in ContactRole]


def _list_page(unit: OrgUnit, form: ContactForm, errors: Errors) -> str:
    return render_template(
        "admin/contacts.html", unit=unit, form=form, errors=form_errors(errors, CONTACT_FIELDS),
        roles=_roles(),
        organisations=sorted(services().org().organisations, key=lambda u: u.code),
        contacts=services().contacts.list_for(unit.code), limit=MAX_PER_ORGANISATION,
        locale=str(get_locale()),
    )


def _edit_page(unit: OrgUnit, contact: ContactPointInfo, form: ContactForm,
               errors: Errors) -> str:
    return render_template("admin/contact_edit.html", unit=unit, contact=contact, form=form,
                           errors=form_errors(errors, CONTACT_FIELDS), roles=_roles())
