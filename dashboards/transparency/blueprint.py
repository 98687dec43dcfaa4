"""The transparency blueprint object: public pages, no account needed."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("transparency", __name__, url_prefix="/privacy", template_folder="templates")
