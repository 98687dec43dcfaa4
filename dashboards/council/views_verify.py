""""Hoe controleer ik een download?": the public key, the commands, and an upload check.

A council member uploads a downloaded file, with the signature file (the signed manifest or
report document, JSON) when the file does not carry its own. The check runs in memory against
the registry's public key: nothing uploaded is written to disk or kept after the answer.

Size: the printable annual report embeds plotly.js and is several megabytes, more than the
application's general request limit, so this one page allows ``MAX_UPLOAD_BYTES``. Flask-WTF
would read the form (and hit the general limit) before the view could raise it, so the view is
exempt from its automatic check and runs the same CSRF check itself once the limit is raised.

Whatever is uploaded gets an answer on the page, never an error page: JSON too large or nested
too deeply to parse, text that is not UTF-8 or a damaged release are each a failed check with
the reason (``privacy.release_check``).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import IO, Any

from flask import current_app, render_template, request
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _

from dashboards.council.files import sha256
from dashboards.council.scope import council_only
from dashboards.council.views import bp
from privacy.release_check import check_release_text
from web.access import services

MAX_UPLOAD_BYTES = 12_000_000


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


def check_download(data: bytes, signature: bytes | None, public_key: str) -> Outcome:
    """Does ``data`` (with its signature file, if given) verify against ``public_key``?"""
    if signature:
        manifest = _text(signature)
        if manifest is None or not manifest.lstrip().startswith("{"):
            return Outcome(False, _("Het handtekeningbestand is geen JSON-bestand van dit "
                                    "register. Kies het .json-bestand dat bij de download hoort."))
        checked = check_release_text(manifest, public_key)
        if not checked.ok:
            return Outcome(False, _("De handtekening is ongeldig: %(reason)s",
                                    reason=checked.message))
        files = _signed_files(manifest)
        if not files:
            return Outcome(False, _("Dit handtekeningbestand noemt geen bestanden. Upload een "
                                    "CSV- of JSON-release zonder apart handtekeningbestand."))
        digest = sha256(data)
        names = sorted(name for name, value in files.items() if value == digest)
        if names:
            return Outcome(True, _("Geldig: het bestand is precies %(name)s zoals het register "
                                   "het heeft ondertekend (sleutel %(key)s).",
                                   name=names[0], key=checked.key_id or ""))
        return Outcome(False, _("Ongeldig: het bestand komt niet overeen met de handtekening. "
                                "Het is na het downloaden gewijzigd, of het hoort bij een andere "
                                "download."))
    text = _text(data)
    # Only text that looks like a release goes on: the verifier would read any other string
    # as a file path on the server.
    if text is None or not text.lstrip("\ufeff \t\r\n").startswith(("{", "#")):
        return Outcome(False, _("Dit bestand draagt zelf geen handtekening. Upload ook het "
                                "handtekeningbestand (.json) dat bij de download hoort."))
    checked = check_release_text(text, public_key)
    if checked.ok:
        return Outcome(True, _("Geldig: release %(id)s is ongewijzigd en ondertekend door dit "
                               "register (sleutel %(key)s).", id=checked.release_id or "",
                               key=checked.key_id or ""))
    return Outcome(False, _("Ongeldig: %(reason)s", reason=checked.message))


@bp.record_once
def _exempt_from_automatic_csrf(state: BlueprintSetupState) -> None:
    csrf = state.app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(f"{__name__}.verify_page")


@bp.route("/controleren", methods=["GET", "POST"])
@council_only
def verify_page() -> tuple[str, int] | str:
    outcome: Outcome | None = None
    status = 200
    if request.method == "POST":
        request.max_content_length = MAX_UPLOAD_BYTES
        # Keep uploads in memory (bounded by the limit above): never on disk.
        request._get_file_stream = _memory_stream  # type: ignore[method-assign]
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            current_app.extensions["csrf"].protect()
        upload = request.files.get("bestand")
        signature = request.files.get("handtekening")
        data = upload.read() if upload is not None else b""
        if not data:
            outcome = Outcome(False, _("Kies het bestand dat u wilt controleren."))
            status = 422
        else:
            signed = signature.read() if signature is not None else b""
            outcome = check_download(data, signed or None, services().signer.public_key_b64)
            status = 200 if outcome.ok else 422
    signer = services().signer
    return render_template("council/verify.html", outcome=outcome, public_key=signer.public_key_b64,
                           key_id=signer.key_id, max_mb=MAX_UPLOAD_BYTES // 1_000_000), status


def _memory_stream(*_args: Any, **_kwargs: Any) -> IO[bytes]:
    return io.BytesIO()


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _signed_files(manifest: str) -> dict[str, str]:
    try:
        files = json.loads(manifest)["document"]["result"]["files"]
    except (ValueError, KeyError, TypeError):
        return {}
    if not isinstance(files, dict):
        return {}
    return {str(k): str(v) for k, v in files.items()}
