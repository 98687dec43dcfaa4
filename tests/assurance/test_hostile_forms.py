"""Hypothesis over every form and import path: arbitrary values and files, never a 5xx, and a
refusal stores nothing.

Covered: the adviser web form (new signal, receipt lookup/correction/withdrawal), the meldknop,
the spreadsheet upload page, the sign-in form, the import as the CLI runs it, and the API batch
with an Idempotency-Key. Field values mix real codes (so some posts are valid and get stored)
with arbitrary text, hostile strings and missing or repeated fields. CSRF is switched off here
so that every example reaches the form logic; test_hostile_attacks.py runs with CSRF on.

State is compared before and after each example: a refused request leaves the signal count and
the stored idempotency keys exactly as they were. Examples are bounded and derandomized.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from registry.accounts import Role
from registry.idempotency import IdempotencyKey
from registry.periods import Month
from server.cli.imports import import_command
from tests.conftest import MASTER_SECRET
from tests.intake_adapters.meldknop_helpers import solved

pytestmark = pytest.mark.assurance

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=False)
MONTH = str(Month.current())
HOSTILE = [
    "' OR '1'='1", "1; DROP TABLE signals; --", "<script>alert(1)</script>", "=HYPERLINK(\"x\")",
    "../../etc/passwd", "%00", "\x00", "A" * 5000, "𝕏" * 70, "{{7*7}}", "${7*7}", " ", "",
    "MIN-A\r\nSet-Cookie: x=1",
]
# Text a browser can send (no lone surrogates), with the control characters attackers like.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)
FORM_CODES = {
    "unit": ["MIN-A-DG1-D1", "MIN-A-DG2", "MIN-B-D1", "MIN-A"],
    "channel": ["vp_intern", "bmw", "onbekend_kanaal"],
    "categories": ["pesten", "discriminatie", "intimidatie"],
    "implicated_party": ["collega", "leidinggevende"],
    "reporter_role": ["medewerker"],
    "follow_up": ["advies", "alleen_luisteren"],
    "impact": ["verzuim", "overweegt_vertrek"],
    "period": [MONTH, str(Month.current().add(1)), "2019-13", "1999-01"],
    "organisation": ["MIN-A", "MIN-B", "MIN-A-DG1"],
    "contact": ["", "vertrouwenspersoon", "ja"],
}


@pytest.fixture
def settings_overrides(settings_overrides):  # type: ignore[no-untyped-def]
    return {**settings_overrides, "csrf": False, "login_rate_limit": "100000 per minute",
            "meldknop_rate_limit": "100000 per minute", "meldknop_unit_daily_cap": 100000}


def value_for(name: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(FORM_CODES.get(name, [""])), st.sampled_from(HOSTILE), TEXT)


def spoiled(valid: dict[str, Any], names: list[str],
            multi: tuple[str, ...] = ()) -> st.SearchStrategy[dict[str, Any]]:
    """A valid form with zero to three fields replaced by anything or left out.

    Zero changes keeps some examples valid, so the "stored exactly once" side is exercised too.
    """
    def change(name: str) -> st.SearchStrategy[tuple[str, Any]]:
        values = st.lists(value_for(name), max_size=4) if name in multi else value_for(name)
        return st.tuples(st.just(name), st.one_of(st.none(), values))

    changes = st.lists(st.sampled_from(names).flatmap(change), max_size=3)

    def apply(edits: list[tuple[str, Any]]) -> dict[str, Any]:
        form = dict(valid)
        for name, value in edits:
            if value is None:
                form.pop(name, None)
            else:
                form[name] = value
        return form

    return changes.map(apply)


def idempotency_keys(services) -> int:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(IdempotencyKey)) or 0)


def assert_no_raw_script(body: str, sent: dict[str, Any]) -> None:
    for value in sent.values():
        for item in value if isinstance(value, list) else [value]:
            if "<script" in str(item).lower():
                assert "<script>alert(1)</script>" not in body


SIGNAL_FIELDS = ["period", "unit", "channel", "categories", "implicated_party", "reporter_role",
                 "follow_up", "impact", "case_token", "new_case_token", "form_id"]
VALID_SIGNAL = {"period": MONTH, "unit": "MIN-A-DG1-D1", "channel": "vp_intern",
                "categories": ["pesten"], "implicated_party": "collega",
                "reporter_role": "medewerker", "follow_up": "advies", "impact": ["verzuim"]}


def test_web_form_never_fails_and_refusals_store_nothing(client, login, services):
    login(Role.ADVISER, "MIN-A")
    outcomes: set[int] = set()

    @SETTINGS
    @given(data=spoiled(VALID_SIGNAL, SIGNAL_FIELDS, multi=("categories", "impact")))
    def post(data: dict[str, Any]) -> None:
        before = services.signals.count()
        response = client.post("/signalen/nieuw", data=data)
        outcomes.add(response.status_code)
        assert response.status_code in (200, 409, 422), response.status_code
        assert services.signals.count() == before + (response.status_code == 200)
        assert_no_raw_script(response.get_data(as_text=True), data)

    post()
    assert {200, 422} <= outcomes


def test_receipt_form_never_fails_and_refusals_change_nothing(client, login, services):
    login(Role.ADVISER, "MIN-A")
    actions = st.sampled_from(["lookup", "correct", "withdraw", "withdraw_confirm", "", "x" * 100])

    @SETTINGS
    @given(data=spoiled({**VALID_SIGNAL, "receipt": f"{MONTH}-ABCD-EFGH-JKLM-NPQR-STUV"},
                        [*SIGNAL_FIELDS, "receipt"], multi=("categories", "impact")),
           action=actions)
    def post(data: dict[str, Any], action: str) -> None:
        before = services.signals.count()
        response = client.post("/signalen/ontvangstbewijs", data={**data, "action": action})
        # Arbitrary receipts never match a stored signal: nothing may change.
        assert response.status_code in (200, 404, 422), response.status_code
        assert services.signals.count() == before
        assert_no_raw_script(response.get_data(as_text=True), data)

    post()


MELDKNOP_FIELDS = ["organisation", "unit", "categories", "reporter_role", "implicated_party",
                   "contact", "challenge", "nonce"]
# FRESH stands for the page's own proof-of-work, solved as the browser script would.
FRESH = "fresh"
VALID_MELDKNOP = {"categories": ["pesten"], "organisation": "MIN-A", "unit": "",
                  "reporter_role": "medewerker", "implicated_party": "onbekend", "contact": "ja",
                  "challenge": FRESH, "nonce": FRESH}


def test_meldknop_never_fails_and_refusals_store_nothing(client, services):
    outcomes: set[int] = set()

    @SETTINGS
    @given(data=spoiled(VALID_MELDKNOP, MELDKNOP_FIELDS, multi=("categories",)))
    def post(data: dict[str, Any]) -> None:
        work = solved(client.get("/meldknop").get_data(as_text=True))
        data = {k: work[k] if v == FRESH and k in work else v for k, v in data.items()}
        before = services.signals.count()
        response = client.post("/meldknop", data=data)
        outcomes.add(response.status_code)
        assert response.status_code in (200, 422), response.status_code
        stored = services.signals.count() - before
        assert stored in (0, 1) and (response.status_code == 200 or stored == 0)
        assert_no_raw_script(response.get_data(as_text=True), data)

    post()
    assert {200, 422} <= outcomes


def test_login_never_fails_and_only_a_real_password_signs_in(client, make_user):
    principal, password = make_user(Role.ADVISER, "MIN-A")

    @SETTINGS
    @given(username=st.one_of(st.just(principal.username), value_for("username")),
           password=st.one_of(value_for("password"), st.just(password + "x")))
    def post(username: str, password: str) -> None:
        response = client.post("/login", data={"username": username, "password": password})
        # 302 would be a sign-in: no password here is the real one. After a few wrong ones the
        # name waits (429) before the next is even checked.
        assert response.status_code in (200, 400, 429), response.status_code

    post()


# Spreadsheet content: a valid header with arbitrary rows, arbitrary bytes, or XLSX-like junk.
VP_HEADER = ("Datum;Naam melder;Afdeling;Onderwerp;Betrokkene;Functie melder;Afhandeling;Gevolgen;"
             "Toelichting\n")
CELLS = ["2026-01-15", "MIN-A-DG1-D1", "pesten", "collega", "=1+1", "@SUM(A1)", "-2", "+3", *HOSTILE]
CSV_ROW = st.lists(st.one_of(st.sampled_from(CELLS), TEXT), max_size=11).map(
    lambda cells: ";".join(cell.replace("\n", " ") for cell in cells))
FILES = st.one_of(
    st.lists(CSV_ROW, max_size=5).map(lambda rows: (VP_HEADER + "\n".join(rows)).encode()),
    st.binary(max_size=2000),
    st.binary(max_size=200).map(lambda junk: b"PK\x03\x04" + junk),
    st.sampled_from([b"", b"\xff\xfe\x00\x00", VP_HEADER.encode("cp1252")]),
)


def test_upload_never_fails_and_refusals_store_nothing(client, login, services):
    login(Role.ADVISER, "MIN-A")

    @SETTINGS
    @given(content=FILES, filename=st.sampled_from(["a.csv", "a.xlsx", "../../x.csv", "", "a.exe"]),
           mapping=st.one_of(st.just("vertrouwenspersoon-jaarverslag"), value_for("mapping")),
           channel=value_for("channel"), encoding=st.sampled_from(["utf-8", "cp1252", "latin-9", ""]))
    def post(content: bytes, filename: str, mapping: str, channel: str, encoding: str) -> None:
        before = services.signals.count()
        response = client.post("/signalen/import", content_type="multipart/form-data", data={
            "file": (io.BytesIO(content), filename), "mapping": mapping, "channel": channel,
            "encoding": encoding, "action": "import"})
        assert response.status_code in (200, 409, 413, 422), response.status_code
        if response.status_code != 200:
            assert services.signals.count() == before

    post()


def test_cli_import_never_crashes_and_refusals_store_nothing(services, database_url):
    env = {"DATABASE_URL": database_url, "SIGNAL_REGISTRY_MODE": "test",
           "SIGNAL_REGISTRY_MASTER_SECRET": MASTER_SECRET}

    with tempfile.TemporaryDirectory() as folder:
        env["SIGNAL_REGISTRY_DATA_DIR"] = str(Path(folder) / "cli-data")
        path = Path(folder) / "import.csv"

        @settings(SETTINGS, max_examples=max(5, EXAMPLES // 3))
        @given(content=FILES, channel=st.one_of(st.just("vp_intern"), value_for("channel")))
        def run(content: bytes, channel: str) -> None:
            path.write_bytes(content)
            before = services.signals.count()
            result = CliRunner().invoke(import_command, [str(path), "--channel", channel, "--mapping",
                                                         "vertrouwenspersoon-jaarverslag"], env=env)
            # Exit 0 (stored) or 1 (refused, a message on stderr); never a traceback.
            assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
            assert result.exit_code in (0, 1), result.output
            if result.exit_code != 0:
                assert services.signals.count() == before

        run()


def test_api_batch_refusals_store_no_signal_and_no_idempotency_key(client, make_token, services):
    headers = make_token(Role.ADVISER, "MIN-A")
    valid = {"period": MONTH, "unit": "MIN-A-DG1-D1", "channel": "vp_intern",
             "categories": ["pesten"], "implicated_party": "collega", "reporter_role": "medewerker",
             "follow_up": "advies"}
    field_values = st.one_of(st.sampled_from(HOSTILE), TEXT, st.integers(), st.none(),
                             st.lists(TEXT, max_size=3), st.dictionaries(TEXT, TEXT, max_size=2))

    @SETTINGS
    @given(spoiled=st.lists(st.tuples(st.sampled_from([*valid, "naam", "toelichting"]), field_values),
                            min_size=1, max_size=3),
           key=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40))
    def post(spoiled: list[tuple[str, Any]], key: str) -> None:
        bad = {**valid, **dict(spoiled)}
        before, keys_before = services.signals.count(), idempotency_keys(services)
        response = client.post("/api/v1/signals/batch", json={"signals": [valid, bad]},
                               headers={**headers, "Idempotency-Key": key})
        assert response.status_code in (201, 409, 422), response.status_code
        if response.status_code != 201:
            assert services.signals.count() == before
            assert idempotency_keys(services) == keys_before
            assert response.get_json()["errors"]

    post()
