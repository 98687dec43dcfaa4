"""The researcher API: privacy-safe queries within a budget, stored releases, the public key.

Every answer is a release made by ``privacy.queries``: differentially private over the full
public key grid, paid from the caller's yearly budget, stored and signed. Asking the same spec
again returns the stored release and spends nothing. Bearer tokens only.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, request

from analytics.reading import display_with_margin
from dashboards.transparency.budget import public_budget
from privacy.consumers import consumer_for
from privacy.exports import release_to_csv, release_to_json
from privacy.queries import query_answer
from privacy.releases import Release
from registry.errors import BadRequest, FieldError, NotFound, ValidationFailed
from registry.periods import Month
from web.access import current_principal, require_roles, services
from web.caching import never_cache
from web.jsonbody import json_object
from web.permissions import QUERY_ROLES, may_read_release

bp = Blueprint("research_api", __name__, url_prefix="/api/v1")

YEAR = re.compile(r"[0-9]{4}")
# Release ids are ASCII letters and digits; anything else (also '²', which isalnum() takes) is
# not looked up at all.
RELEASE_ID = re.compile(r"[A-Za-z0-9]{1,64}")


# Figures are for the caller; never kept in shared caches.
never_cache(bp)


@bp.post("/queries/preview")
@require_roles(*QUERY_ROLES, api=True)
def preview_query() -> Response:
    principal = current_principal()
    assert principal is not None
    queries = services().queries
    spec = queries.parse(json_object(), principal.organisations)
    return jsonify(queries.preview(consumer_for(principal), spec))


@bp.post("/queries")
@require_roles(*QUERY_ROLES, api=True)
def run_query() -> tuple[Response, int]:
    principal = current_principal()
    assert principal is not None
    queries = services().queries
    spec = queries.parse(json_object(), principal.organisations)
    release, spent_now, budget = queries.run(consumer_for(principal), spec)
    return jsonify(with_readings(query_answer(release, spent_now, budget))), 201 if spent_now else 200


def with_readings(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer with each cell's reading under the display rule (``analytics.reading``).

    The raw ``estimate`` stays: it is unbiased, so a researcher can add cells up. But at a
    small budget most cells are noise (margins of hundreds on counts of tens, some below zero),
    and a person reading one cell needs to see that: ``shown`` never goes below zero and says
    "te onzeker" when the margin is larger than the value.
    """
    cells = []
    for cell in answer["cells"]:
        low, high = cell["ci95"]
        reading = display_with_margin(cell["estimate"], (high - low) / 2)
        cells.append({**cell, "shown": reading.to_json()})
    too_uncertain = sum(1 for cell in cells if cell["shown"]["too_uncertain"])
    return {**answer, "cells": cells, "cells_too_uncertain": too_uncertain}


@bp.get("/budget")
@require_roles(*QUERY_ROLES, api=True)
def budget() -> Response:
    principal = current_principal()
    assert principal is not None
    consumer = consumer_for(principal)
    year = _year()
    status = services().ledger.status(consumer, year)
    return jsonify({"consumer": consumer, "year": year, **status.as_dict()})


@bp.get("/privacy-budget")
def privacy_budget() -> Response:
    """Public, no sign-in: per data year the cap, the shares, what is spent and the cap log."""
    svc = services()
    return jsonify(public_budget(svc.ledger, svc.cap, Month.current().year))


@bp.get("/releases/public-key")
def public_key() -> Response:
    signer = services().signer
    return jsonify({"algorithm": "Ed25519", "public_key": signer.public_key_b64,
                    "key_id": signer.key_id})


@bp.get("/releases/<release_id>")
@require_roles(*QUERY_ROLES, api=True)
def get_release(release_id: str) -> Response:
    release = _own_release(release_id)
    export = request.args.get("format", "json")
    if export == "csv":
        return Response(release_to_csv(release), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="release-{release.id}.csv"'})
    if export != "json":
        raise BadRequest(errors=[FieldError("format", "Kies format=json of format=csv.")])
    return Response(release_to_json(release), mimetype="application/json")


def _own_release(release_id: str) -> Release:
    principal = current_principal()
    assert principal is not None
    if not RELEASE_ID.fullmatch(release_id):
        raise NotFound("Deze release bestaat niet.")
    release = services().releases.get(release_id)
    if not may_read_release(principal, release.scope):
        # Someone else's release: do not even confirm that it exists.
        raise NotFound("Deze release bestaat niet.")
    return release


def _year() -> int:
    raw = request.args.get("year")
    if raw is None:
        return Month.current().year
    # ASCII digits only: '²'.isdigit() is True, and int('²') raises.
    if not YEAR.fullmatch(raw) or not 2000 <= int(raw) <= 2100:
        raise ValidationFailed(errors=[FieldError("year", "Geef een jaartal, bijvoorbeeld 2026.")])
    return int(raw)
