"""The adviser's web form for logging a contact (being built)."""

from flask import Blueprint

bp = Blueprint("webform", __name__, url_prefix="/signalen")


@bp.route("/nieuw")
def new_signal():  # type: ignore[no-untyped-def]
    return "todo"


@bp.route("/ontvangstbewijs")
def receipt():  # type: ignore[no-untyped-def]
    return "todo"
