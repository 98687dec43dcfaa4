"""The organisation structure: upload a CSV (as ``signal-registry load-org``) and see the tree.

Two steps. The upload is judged whole by ``parse_org_file``: one bad line and nothing changes,
and every bad line is listed with its number in one pass (control characters such as NUL
included). A good file is not stored yet: the preview shows what it would change
(``dashboards.admin.orgdiff``: units added, removed, renamed, moved, headcounts, and which units
the threshold merges), with each FTE that was rounded. The confirm button posts the file back
as the normalised CSV with a hash of the structure it was compared with; it is validated again,
and if the structure changed in between, nothing is replaced. The upload is read in memory,
never saved. Dutch Excel files (semicolons, decimal commas) are read as they are.
"""

from __future__ import annotations

import hashlib

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from dashboards.admin.orgdiff import org_diff
from dashboards.admin.orgtree import organisation_trees
from dashboards.admin.views import bp
from registry.errors import ValidationFailed
from registry.organisations import (
    CSV_COLUMNS,
    OrgStructure,
    decode_org_file,
    parse_org_csv,
    parse_org_file,
    structure_to_csv,
)
from web.access import services

MAX_UPLOAD_BYTES = 1024 * 1024
# A file with thousands of bad lines gets the first ones listed, and how many more there are.
SHOWN_PROBLEMS = 100


@bp.get("/organisatie")
def organisation() -> str:
    return _page([])


@bp.post("/organisatie")
def upload_organisation() -> str | tuple[str, int]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page([_("Kies een CSV-bestand met de organisatiestructuur.")]), 422
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _page([_("Het bestand is groter dan %(mb)s MB; er is niets gewijzigd.",
                        mb=MAX_UPLOAD_BYTES // (1024 * 1024))]), 413
    try:
        text = decode_org_file(data)
    except UnicodeDecodeError:
        return _page([_("Het bestand is geen tekst in UTF-8 of Windows-1252. Sla het op als "
                        "'CSV UTF-8' en probeer het opnieuw.")]), 422
    try:
        parsed = parse_org_file(text)
    except ValidationFailed as refused:
        return _page([error.message for error in refused.errors] or [refused.message]), 422
    current = services().org()
    threshold = services().settings.coarsen_threshold
    return render_template(
        "admin/organisation_preview.html", structure=parsed.structure,
        diff=org_diff(current, parsed.structure, threshold), rounded=parsed.rounded,
        semicolons=parsed.delimiter == ";", threshold=threshold,
        csv=structure_to_csv(parsed.structure.units), basis=_fingerprint(current))


@bp.post("/organisatie/bevestigen")
def confirm_organisation() -> Response | tuple[str, int]:
    svc = services()
    try:
        structure = parse_org_csv(request.form.get("csv", ""))
    except ValidationFailed as refused:
        return _page([error.message for error in refused.errors] or [refused.message]), 422
    if request.form.get("basis", "") != _fingerprint(svc.org()):
        return _page([_("De structuur is veranderd sinds u dit bestand liet controleren. Er is "
                        "niets vervangen; laad het bestand opnieuw om de nieuwe wijzigingen te "
                        "zien.")]), 409
    try:
        result = svc.replace_org(structure)
    except ValidationFailed as refused:
        return _page([error.message for error in refused.errors] or [refused.message]), 422
    flash(_("De organisatiestructuur is vervangen: %(orgs)s organisaties en %(units)s eenheden "
            "(%(fte)s fte); %(removed)s eenheden verwijderd.", orgs=len(structure.organisations),
            units=result["units"], fte=structure.total_headcount, removed=result["removed"]),
          "success")
    return redirect(url_for("admin.organisation"))


def _fingerprint(structure: OrgStructure) -> str:
    """Which structure a preview was compared with; the confirm step checks it is still so."""
    return hashlib.sha256(structure_to_csv(structure.units).encode("utf-8")).hexdigest()


def _page(problems: list[str]) -> str:
    svc = services()
    threshold = svc.settings.coarsen_threshold
    return render_template(
        "admin/organisation.html", problems=problems[:SHOWN_PROBLEMS],
        more=max(len(problems) - SHOWN_PROBLEMS, 0), trees=organisation_trees(svc.org(), threshold),
        threshold=threshold, columns=",".join(CSV_COLUMNS), max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
    )
