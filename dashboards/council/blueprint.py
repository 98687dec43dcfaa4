"""The council blueprint object, shared by the modules that add its pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("council", __name__, url_prefix="/raad", template_folder="templates",
               static_folder="static", static_url_path="/static")
