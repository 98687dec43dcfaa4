"""The audit log for the works councils: what administrators and operators did, and whether the
log is complete (``registry.audit``).

Every OR and the GOR read the whole log: it is about the registry's administration, not about
one organisation's figures, and holds account names and codes only. Besides the page there is a
JSON copy of one page of the log with the chain's state, for a council that keeps its own record.
"""

from __future__ import annotations

from flask import Response, jsonify, render_template
from flask_babel import gettext as _

from dashboards.audit_view import PER_PAGE, page_context, page_number
from dashboards.council.scope import council_only
from dashboards.council.views import bp
from registry.errors import ValidationFailed
from web.access import services


def _page() -> int:
    number = page_number()
    if number is None:
        raise ValidationFailed(_("Kies een paginanummer vanaf 1."))
    return number


@bp.get("/auditlog")
@council_only
def audit_log() -> str:
    log = services().audit
    page = log.page(_page(), PER_PAGE)
    return render_template("council/audit.html", page_endpoint="council.audit_log",
                           **page_context(page, log.verify()))


@bp.get("/auditlog.json")
@council_only
def audit_log_json() -> Response:
    log = services().audit
    page = log.page(_page(), PER_PAGE)
    return jsonify({"chain": log.verify().as_dict(), "page": page.page, "pages": page.pages,
                    "total": page.total, "entries": [e.as_dict() for e in page.entries]})
