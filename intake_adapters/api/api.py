"""JSON API v1 for case systems: reference data, logging, correcting and withdrawing signals.

Logging takes an optional ``Idempotency-Key`` header (see ``registry.idempotency``): a retry with
the same key and body gets the first answer and stores nothing new. ``/v1/signals/batch`` logs
up to ``MAX_BATCH`` signals all or nothing, with errors named ``signals[<index>].<field>``.

The API authenticates with bearer tokens only (``require_roles(..., api=True)``), so a browser
session never counts here and the blueprint is exempt from CSRF where it is registered.
Receipts travel in request and response bodies, never in URLs, and replies that carry one are
not cached. The contract is documented in ``intake_adapters.api.openapi``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from privacy.pseudonyms import new_case_token
from registry.accounts import Principal, Role
from registry.errors import FieldError, ValidationFailed
from registry.idempotency import HEADER, MAX_KEY_LENGTH, IdempotentRequest, valid_key
from registry.outcomes import OutcomeRecord
from registry.records import SignalRecord
from registry.signals import StoredSignal
from registry.taxonomy.outcomes import load_outcome_codes
from web.access import require_roles, services
from web.jsonbody import json_object, receipt_from, refuse_unknown

bp = Blueprint("api", __name__, url_prefix="/api")

CORRECTION_FIELDS = {"receipt", "signal"}
WITHDRAWAL_FIELDS = {"receipt"}
BATCH_FIELDS = {"signals"}
MAX_BATCH = 1000


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
    body = json_object()
    errors: list[FieldError] = []
    key = _idempotency_key(errors)
    record = _collect(body, "", errors)
    if errors or record is None:
        raise ValidationFailed(errors=errors)
    stored = services().signals.store_many(
        [record], idempotency=_idempotent("POST /api/v1/signals", key, body))[0]
    return jsonify({"ok": True, "id": stored.id, "receipt": stored.receipt}), 201


@bp.post("/v1/signals/batch")
@require_roles(Role.ADVISER, api=True)
def create_signals() -> tuple[Response, int]:
    body = json_object()
    errors: list[FieldError] = []
    key = _idempotency_key(errors)
    refuse_unknown(body, BATCH_FIELDS, errors)
    items = body.get("signals")
    records: list[SignalRecord] = []
    if not isinstance(items, list) or not items:
        errors.append(FieldError("signals", f"Geef 1 tot {MAX_BATCH} signalen als lijst."))
    elif len(items) > MAX_BATCH:
        errors.append(FieldError("signals", f"Hoogstens {MAX_BATCH} signalen per verzoek; "
                                            f"dit zijn er {len(items)}. Splits de lijst."))
    else:
        for index, item in enumerate(items):
            record = _collect(item, f"signals[{index}]", errors)
            if record is not None:
                records.append(record)
    if errors:
        raise ValidationFailed(errors=errors)
    stored = services().signals.store_many(
        records, idempotency=_idempotent("POST /api/v1/signals/batch", key, body))
    return jsonify({"ok": True, "stored": len(stored), "results": [_result(s) for s in stored]}), 201


@bp.post("/v1/case-tokens")
@require_roles(Role.ADVISER, api=True)
def create_case_token() -> tuple[Response, int]:
    # Nothing is stored: the case system keeps the token and sends it with follow-up contacts.
    return jsonify({"case_token": new_case_token()}), 201


@bp.get("/v1/outcome-codes")
def outcome_codes() -> Response:
    codes = load_outcome_codes()
    return jsonify({"version": codes.version, "fields": {
        name: {"multiple": spec.multiple, "label_nl": spec.label_nl, "label_en": spec.label_en,
               "codes": [{"code": c.code, "label_nl": c.label_nl, "label_en": c.label_en,
                          "definition_nl": c.definition_nl, "definition_en": c.definition_en}
                         for c in spec.codes]}
        for name, spec in codes.fields.items()}})


@bp.post("/v1/outcomes")
@require_roles(Role.ADVISER, api=True)
def record_outcome() -> tuple[Response, int]:
    """Coded outcomes for a case by its token; the latest value of each field counts."""
    body = json_object()
    errors: list[FieldError] = []
    key = _idempotency_key(errors)
    record = None
    try:
        record = OutcomeRecord.from_payload(body, load_outcome_codes())
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    if errors or record is None:
        raise ValidationFailed(errors=errors)
    recorded = services().outcomes.record(
        record, _principal().organisations, _idempotent("POST /api/v1/outcomes", key, body))
    return jsonify({"ok": True, "fields": list(recorded.fields)}), 201


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
        payload, svc.taxonomy, svc.org(), allowed_organisations=_principal().organisations,
        adviser=True,
    )


def _collect(payload: Any, prefix: str, errors: list[FieldError]) -> SignalRecord | None:
    """Validate one record, adding its errors under ``prefix`` (``signals[3].unit``)."""
    try:
        return _record(payload)
    except ValidationFailed as failed:
        errors.extend(FieldError(_join(prefix, e.field), e.message) for e in failed.errors)
        return None


def _join(prefix: str, name: str) -> str:
    if not prefix:
        return name
    return f"{prefix}.{name}" if name else prefix


def _result(stored: StoredSignal) -> dict[str, str]:
    return {"id": stored.id, "receipt": stored.receipt}


def _idempotency_key(errors: list[FieldError]) -> str | None:
    """The ``Idempotency-Key`` header, None when absent; an error when malformed."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not valid_key(key):
        errors.append(FieldError(HEADER, f"Gebruik 1 tot {MAX_KEY_LENGTH} zichtbare ASCII-tekens "
                                         "(letters, cijfers, leestekens of spaties)."))
        return None
    return key


def _idempotent(endpoint: str, key: str | None, body: dict[str, Any]) -> IdempotentRequest | None:
    if key is None:
        return None
    # Parsed, then re-serialised canonically: key order and whitespace do not make a request
    # "different", any other change of the body does. The endpoint is part of the request.
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return IdempotentRequest(_principal().account_id, key, f"{endpoint}\n{canonical}")


def _nested_record(payload: Any, errors: list[FieldError]) -> SignalRecord | None:
    """Validate ``signal`` of a correction; its errors are named ``signal.<field>``."""
    if not isinstance(payload, dict):
        errors.append(FieldError("signal", "Geef de gecorrigeerde velden als JSON-object."))
        return None
    return _collect(payload, "signal", errors)
