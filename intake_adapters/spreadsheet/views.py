"""The upload page for advisers: choose a file, a mapping and a channel; dry run or import.

The file is read in memory and dropped with the request: never saved, never logged, never kept
between the dry run and the import (the adviser chooses it again to import). Only the coded
fields and the problems come back on the page, which no cache may keep.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request, session
from flask_babel import get_locale
from flask_babel import gettext as _

from intake_adapters.spreadsheet.importer import ImportReport, RowResult, import_file
from intake_adapters.spreadsheet.mapping import ImportMapping, canonical_name, shipped_mappings
from intake_adapters.spreadsheet.reader import ENCODINGS, UPLOAD_LIMITS
from registry.accounts import Principal, Role
from registry.errors import FieldError, PayloadTooLarge, ValidationFailed
from registry.fields import RECORD_FIELDS
from web.access import current_principal, require_roles, services
from web.caching import never_cache
from web.forms import FieldMessage, FormFields, page_messages, registry_messages

bp = Blueprint("spreadsheet", __name__, url_prefix="/signalen/import", template_folder="templates")

# Room for the other form fields and the multipart framing around a file at the limit, so that
# a file just over the limit gets the reader's specific message rather than a bare 413.
FORM_OVERHEAD = 1024 * 1024
SENT_KEY = "import_sent"
SENT_KEEP = 20
PREVIEW_ROWS = 200
FIELD_ORDER = ("file", "mapping", "channel", "encoding")

Page = tuple[str, int]


@bp.url_value_preprocessor
def _allow_large_upload(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # URL value preprocessors run before the app's before_request hooks, and CSRF protection
    # parses the form in one of those: the larger limit must be set before the body is read.
    request.max_content_length = UPLOAD_LIMITS.max_bytes + FORM_OVERHEAD


# The page shows the coded fields and problems of someone's file.
never_cache(bp)


@dataclass(frozen=True)
class Choices:
    mapping: str
    channel: str
    encoding: str


@bp.route("", methods=["GET", "POST"])
@require_roles(Role.ADVISER, page=True)
def upload() -> Page:
    principal = _principal()
    svc = services()
    mappings = shipped_mappings(svc.taxonomy)
    if request.method == "GET":
        return _page(principal, mappings, _defaults(principal, mappings))
    choices = Choices(
        mapping=canonical_name(str(request.form.get("mapping", ""))[:64], mappings),
        channel=str(request.form.get("channel", ""))[:64],
        encoding=str(request.form.get("encoding", "utf-8"))[:16],
    )
    dry_run = request.form.get("action") != "import"
    form_id = str(request.form.get("form_id", ""))[:64]
    if not dry_run and form_id and form_id in session.get(SENT_KEY, []):
        return _page(principal, mappings, choices, status=409, already_sent=True)
    errors = _check_choices(choices, mappings, svc.taxonomy.fields["channel"].code_set)
    upload_file = request.files.get("file")
    data = upload_file.read(UPLOAD_LIMITS.max_bytes + 1) if upload_file else b""
    if upload_file is None or not upload_file.filename:
        errors.insert(0, FieldError("file", _("Kies een bestand (CSV of Excel-werkmap .xlsx).")))
    if errors:
        return _page(principal, mappings, choices, page_messages(errors), status=422)
    try:
        report = import_file(
            data, mappings[choices.mapping], channel=choices.channel, taxonomy=svc.taxonomy,
            org=svc.org(), signals=svc.signals, allowed_organisations=principal.organisations,
            dry_run=dry_run, encoding=choices.encoding, limits=UPLOAD_LIMITS,
            preview_limit=PREVIEW_ROWS,
        )
    except PayloadTooLarge as too_large:
        return _page(principal, mappings, choices,
                     registry_messages([FieldError("file", too_large.message)]), status=413)
    except ValidationFailed as refused:
        # The file as a whole is unfit (encoding, delimiter, header, formula cell, ...).
        errors = [FieldError("file", e.message) for e in refused.errors] or \
                 [FieldError("file", refused.message)]
        return _page(principal, mappings, choices, registry_messages(errors), status=422)
    if not dry_run and not report.refused and form_id:
        session[SENT_KEY] = [*session.get(SENT_KEY, []), form_id][-SENT_KEEP:]
    return _page(principal, mappings, choices, report=report,
                 status=422 if report.refused else 200)


def _principal() -> Principal:
    principal = current_principal()
    assert principal is not None  # require_roles has refused anonymous requests
    return principal


def _defaults(principal: Principal, mappings: dict[str, ImportMapping]) -> Choices:
    channels = services().taxonomy.fields["channel"].code_set
    channel = principal.default_channel if principal.default_channel in channels else ""
    return Choices(mapping=next(iter(mappings), ""), channel=channel or "", encoding="utf-8")


def _check_choices(choices: Choices, mappings: dict[str, ImportMapping],
                   channels: frozenset[str]) -> list[FieldError]:
    errors = []
    if choices.mapping not in mappings:
        errors.append(FieldError("mapping", _("Kies een koppeling uit de lijst.")))
    if choices.channel not in channels:
        errors.append(FieldError("channel", _("Kies het kanaal waarlangs deze contacten binnenkwamen.")))
    if choices.encoding not in ENCODINGS:
        errors.append(FieldError("encoding", _("Kies UTF-8 of Windows-1252.")))
    return errors


def _page(principal: Principal, mappings: dict[str, ImportMapping], choices: Choices,
          errors: Iterable[FieldMessage] = (), *, status: int = 200,
          report: ImportReport | None = None, already_sent: bool = False) -> Page:
    svc = services()
    locale = str(get_locale() or "nl")
    taxonomy = svc.taxonomy
    # A problem with anything but the three choices is a problem with the file.
    form = FormFields(FIELD_ORDER, anchors={"mapping": f"mapping-{next(iter(mappings), '')}",
                                            "encoding": "encoding-utf-8"}, other="file")
    return render_template(
        "spreadsheet/upload.html",
        mappings=list(mappings.values()),
        choices=choices,
        channels=[(c.code, c.label(locale)) for c in taxonomy.fields["channel"].codes],
        encodings=ENCODINGS,
        errors=form.errors(errors),
        report=report,
        rows=[_row_view(r, locale) for r in report.preview] if report else [],
        preview_rows=PREVIEW_ROWS,
        max_mb=UPLOAD_LIMITS.max_bytes // 1_048_576,
        max_rows=f"{UPLOAD_LIMITS.max_rows:,}".replace(",", "."),
        form_id=secrets.token_urlsafe(16),
        already_sent=already_sent,
        organisation=principal.organisation,
    ), status


def _row_view(result: RowResult, locale: str) -> dict[str, Any]:
    """A preview row in words: labels for codes, the unit's name, JJJJ-MM for the month."""
    taxonomy = services().taxonomy
    org = services().org()

    def words(name: str) -> str:
        codes = result.coded.get(name, ())
        if name == "period":
            return codes[0] if codes else ""
        if name == "unit":
            return ", ".join(f"{org.get(c).name} ({c})" if c in org else c for c in codes)
        if name == "case_token":
            return _("ja") if codes else ""
        known = taxonomy.fields[name].code_set
        return ", ".join(taxonomy.label(name, c, locale) if c in known else c for c in codes)

    return {
        "line": result.line,
        "cells": {name: words(name) for name in RECORD_FIELDS},
        "problems": [p.text for p in result.problems],
        "skipped": result.skipped,
    }
