"""The organisation structure: upload a CSV (as ``signal-registry load-org``) and see the tree.

The file is judged whole by ``parse_org_csv``: one bad line and nothing changes, and every bad
line is listed with its number (control characters such as NUL included). The upload is read
in memory, never saved.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from dashboards.admin.blueprint import bp
from dashboards.admin.orgtree import organisation_trees
from registry.access import services
from registry.errors import ValidationFailed
from registry.organisations import CSV_COLUMNS, parse_org_csv

MAX_UPLOAD_BYTES = 1024 * 1024
# A file with thousands of bad lines gets the first ones listed, and how many more there are.
SHOWN_PROBLEMS = 100


@bp.get("/organisatie")
def organisation() -> str:
    return _page([])


@bp.post("/organisatie")
def upload_organisation() -> Response | tuple[str, int]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page([_("Kies een CSV-bestand met de organisatiestructuur.")]), 422
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _page([_("Het bestand is groter dan %(mb)s MB; er is niets gewijzigd.",
                        mb=MAX_UPLOAD_BYTES // (1024 * 1024))]), 413
    try:
        # utf-8-sig: spreadsheet programs often put a byte-order mark in front of the header.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _page([_("Het bestand is geen UTF-8-tekst. Sla het op als 'CSV UTF-8' en probeer "
                        "het opnieuw.")]), 422
    svc = services()
    try:
        structure = parse_org_csv(text)
        result = svc.replace_org(structure)
    except ValidationFailed as refused:
        return _page([error.message for error in refused.errors] or [refused.message]), 422
    flash(_("De organisatiestructuur is vervangen: %(orgs)s organisaties en %(units)s eenheden "
            "(%(fte)s fte); %(removed)s eenheden verwijderd.", orgs=len(structure.organisations),
            units=result["units"], fte=structure.total_headcount, removed=result["removed"]),
          "success")
    return redirect(url_for("admin.organisation"))


def _page(problems: list[str]) -> str:
    svc = services()
    threshold = svc.settings.coarsen_threshold
    return render_template(
        "admin/organisation.html", problems=problems[:SHOWN_PROBLEMS],
        more=max(len(problems) - SHOWN_PROBLEMS, 0), trees=organisation_trees(svc.org(), threshold),
        threshold=threshold, columns=",".join(CSV_COLUMNS), max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
    )
