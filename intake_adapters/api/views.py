"""JSON API v1 for case systems: reference data, logging, correcting and withdrawing signals.

The API authenticates with bearer tokens only (``require_roles(..., api=True)``), so a browser
session never counts here and the blueprint is exempt from CSRF where it is registered.
Receipts travel in request and response bodies, never in URLs, and replies that carry one are
not cached. The contract is documented in ``intake_adapters.api.openapi``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from registry.jsonbody import json_object, receipt_from, refuse_unknown
from privacy.pseudonyms import new_case_token
from registry.access import require_roles, services
from registry.accounts import Principal, Role
from registry.errors import FieldError, ValidationFailed
from registry.records import SignalRecord

bp = Blueprint("api", __name__, url_prefix="/api")

CORRECTION_FIELDS = {"receipt", "signal"}
WITHDRAWAL_FIELDS = {"receipt"}


@bp.after_request
def _api_headers(response: Response) -> Response:
    # Every POST reply carries or concerns a receipt or case token: never keep it in a cache.
    if request.method != "GET":
        response.headers["Cache-Control"] = "no-store"
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="signaalregister"')
    return response


@bp.get("/v1/taxonomy")
def taxonomy() -> Response:
    return jsonify(services().taxonomy.as_api())


@bp.get("/v1/org")
def organisation_structure() -> Response:
    return jsonify([unit.as_api() for unit in services().org().units])


@bp.post("/v1/signals")
@require_roles(Role.ADVISER, api=True)
def create_signal() -> tuple[Response, int]:
    record = _record(json_object())
    stored = services().signals.store(record)
    return jsonify({"ok": True, "id": stored.id, "receipt": stored.receipt}), 201


@bp.post("/v1/case-tokens")
@require_roles(Role.ADVISER, api=True)
def create_case_token() -> tuple[Response, int]:
    # Nothing is stored: the case system keeps the token and sends it with follow-up contacts.
    return jsonify({"case_token": new_case_token()}), 201


@bp.post("/v1/signals/correction")
@require_roles(Role.ADVISER, api=True)
def correct_signal() -> Response:
    body = json_object()
    errors: list[FieldError] = []
    refuse_unknown(body, CORRECTION_FIELDS, errors)
    receipt = receipt_from(body, errors)
    record = _nested_record(body.get("signal"), errors)
    if errors or record is None:
        raise ValidationFailed(errors=errors)
    services().signals.correct(receipt, record, _principal().organisations)
    return jsonify({"ok": True})


@bp.post("/v1/signals/withdrawal")
@require_roles(Role.ADVISER, api=True)
def withdraw_signal() -> Response:
    body = json_object()
    errors: list[FieldError] = []
    refuse_unknown(body, WITHDRAWAL_FIELDS, errors)
    receipt = receipt_from(body, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    services().signals.withdraw(receipt, _principal().organisations)
    return jsonify({"ok": True})


def _principal() -> Principal:
    principal: Principal = g.principal  # set by require_roles
    return principal


def _record(payload: Any) -> SignalRecord:
    """The one place API input becomes a record: ``SignalRecord.from_payload`` decides."""
    svc = services()
    return SignalRecord.from_payload(
        payload, svc.taxonomy, svc.org(), allowed_organisations=_principal().organisations
    )


def _nested_record(payload: Any, errors: list[FieldError]) -> SignalRecord | None:
    """Validate ``signal`` of a correction; its errors are named ``signal.<field>``."""
    if not isinstance(payload, dict):
        errors.append(FieldError("signal", "Geef de gecorrigeerde velden als JSON-object."))
        return None
    try:
        return _record(payload)
    except ValidationFailed as failed:
        errors.extend(
            FieldError(f"signal.{e.field}" if e.field else "signal", e.message)
            for e in failed.errors
        )
        return None
