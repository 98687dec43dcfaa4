"""``GET /api/docs``: the API documentation, server-rendered from the OpenAPI document.

No Swagger UI and nothing from a CDN: one accessible HTML page that anyone may read. The
document is the one served at ``/api/openapi.json``; ``dashboards`` may not import the
composition root (``server``), so the page asks that endpoint's view for it through the URL map.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _
from markupsafe import Markup, escape

from dashboards.research.apidocs import api_docs
from dashboards.research.views import bp

OPENAPI_ENDPOINT = "openapi.openapi_json"
_CODE_RE = re.compile(r"`([^`]+)`")


def openapi_document() -> dict[str, Any]:
    view: Any = current_app.view_functions[OPENAPI_ENDPOINT]
    response = current_app.make_response(view())
    document: dict[str, Any] = json.loads(response.get_data(as_text=True))
    return document


def inline_code(text: str) -> Markup:
    """Escape ``text`` and show its `backtick` spans as code, as the document's markdown means."""
    # split() with one group alternates plain text and code: even parts plain, odd parts code.
    parts = _CODE_RE.split(str(text))
    return Markup("").join(Markup("<code>{}</code>").format(part) if index % 2 else escape(part)
                           for index, part in enumerate(parts))


@bp.app_template_filter("inline_code")
def _inline_code_filter(text: str) -> Markup:
    return inline_code(text)


def tag_labels() -> dict[str, str]:
    """Dutch headings for the document's tags; a tag without one is shown by its name."""
    return {
        "reference": _("Openbare referentiegegevens"),
        "signals": _("Contacten vastleggen (adviseurs)"),
        "research": _("Vragen, privacybudget en releases"),
        "analytics": _("Analyses van gepubliceerde maandcijfers"),
    }


@bp.get("/api/docs")
def api_docs_page() -> tuple[str, int]:
    return render_template("research/api_docs.html", docs=api_docs(openapi_document()),
                           tag_labels=tag_labels()), 200
