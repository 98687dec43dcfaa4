"""The site's own public pages: the privacy statement and the accessibility statement.

Both are linked from the footer of every page. The privacy statement reads the retention and
coarsening settings, so what it promises is what the registry does.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template
from flask_babel import format_date

from web.access import services

bp = Blueprint("site", __name__)

# The month the accessibility statement's checks were last done by hand and by tests; the
# statement must say when it was assessed (model statement of digitoegankelijk.nl).
ACCESSIBILITY_ASSESSED = date(2026, 12, 1)


@bp.get("/privacyverklaring", endpoint="privacy")
def privacy() -> tuple[str, int]:
    settings = services().settings
    return render_template("privacyverklaring.html", retention_years=settings.retention_years,
                           threshold=settings.coarsen_threshold), 200


@bp.get("/toegankelijkheid", endpoint="accessibility")
def accessibility() -> tuple[str, int]:
    assessed = format_date(ACCESSIBILITY_ASSESSED, "MMMM yyyy")
    return render_template("toegankelijkheid.html", assessed=assessed), 200
