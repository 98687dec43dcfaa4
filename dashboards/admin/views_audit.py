"""The audit log on the admin pages: the same log the works councils read (``council.audit``).

Administrators read it to see what their colleagues did; they cannot change it here or
anywhere else in the application.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from dashboards.admin.views import bp
from dashboards.audit_view import PER_PAGE, page_context, page_number
from registry.errors import ValidationFailed
from web.access import services


@bp.get("/auditlog")
def audit_log() -> str:
    number = page_number()
    if number is None:
        raise ValidationFailed(_("Kies een paginanummer vanaf 1."))
    log = services().audit
    return render_template("admin/audit.html", page_endpoint="admin.audit_log",
                           **page_context(log.page(number, PER_PAGE), log.verify()))
