"""Privacy audit: nothing traces a signal back to a person, and differencing gains nothing.

Non-traceability runs the real stack: ``signal-registry serve`` (gunicorn, production mode) on
SQLite and on PostgreSQL, its stdout and stderr captured, and a burst of intake through the API
(with case tokens and idempotency keys), the adviser web form and the anonymous meldknop. Then
every table and every log line is searched for what must not be there, and the stored row order
is compared with the arrival order with Spearman's rank correlation.

The differencing attack is written as an attacker with a researcher token would try it, against
the researcher API: averaging repeated answers, isolating a small unit as parent minus siblings,
and subtracting two period ranges that differ by one month.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from scipy.stats import spearmanr
from sqlalchemy import create_engine, inspect, text

from privacy.coarsening import released_units
from privacy.signing import create_signing_key_file
from registry.accounts import Role
from registry.periods import Month
from registry.records import SignalRecord
from tests.assurance.conftest import process_options
from tests.intake_adapters.meldknop_helpers import solved

pytestmark = pytest.mark.assurance

FIXTURES = Path(__file__).parent.parent / "fixtures"
CLI = [sys.executable, "-m", "server.cli"]
API_SIGNALS = 200
WEB_SIGNALS = 12
MELDKNOP_SIGNALS = 6
SIGNAL_TABLES = ("signals", "signal_categories", "signal_impacts", "idempotency_keys")
IP_RE = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])|::1|::ffff:")
DAY_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}(?::\d{2})?\b")
MAX_CORRELATION = 0.3
"""|rho| of 200 unrelated ranks exceeds this with probability about 2e-5."""


# -- a real server ---------------------------------------------------------------------------


@dataclass
class Intake:
    """What the burst produced, as the clients saw it, in arrival order."""

    api_ids: list[str] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)
    case_tokens: list[str] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)


def _engine_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*CLI, *args], env=env,  # noqa: S603 - own CLI, fixed arguments
                          check=True, capture_output=True, text=True, timeout=120)
    return done.stdout


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, "server exited"
        try:
            if requests.get(f"{base}/api/v1/taxonomy", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError("server did not come up")


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    """A production-mode server on 127.0.0.1 with its output in files; yields (base, env, dir)."""
    env = {**os.environ, "DATABASE_URL": database_url, "SIGNAL_REGISTRY_MODE": "production",
           "SIGNAL_REGISTRY_MASTER_SECRET": secrets.token_hex(32),
           "SIGNAL_REGISTRY_SECRET_KEY": secrets.token_hex(32),
           "SIGNAL_REGISTRY_SECURE_COOKIES": "false",
           # One visitor sends all the meldknop signals of the burst.
           "SIGNAL_REGISTRY_MELDKNOP_RATE_LIMIT": f"{MELDKNOP_SIGNALS} per hour",
           "SIGNAL_REGISTRY_SIGNING_KEY_FILE": str(tmp_path / "signing-key"),
           "SIGNAL_REGISTRY_DATA_DIR": str(tmp_path / "data")}
    create_signing_key_file(tmp_path / "signing-key")  # production makes none up
    _cli(env, "init-db")
    _cli(env, "load-org", str(FIXTURES / "org-small.csv"))
    port = _free_port()
    with open(tmp_path / "stdout.log", "wb") as out, open(tmp_path / "stderr.log", "wb") as err:
        options, shared = process_options(2, 2)
        server = subprocess.Popen([*CLI, "serve", "--host", "127.0.0.1",  # noqa: S603 - own CLI
                                   "--port", str(port), *options],
                                  env={**env, **shared}, stdout=out, stderr=err)
        try:
            _wait_until_up(f"http://127.0.0.1:{port}", server)
            yield f"http://127.0.0.1:{port}", env, tmp_path
        finally:
            server.terminate()
            server.wait(timeout=60)


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]+)"', page) or re.search(
        rf'value="([^"]+)"[^>]*name="{name}"', page)
    assert found, f"no {name} on the page"
    return found.group(1)


def _burst(base: str, env: dict[str, str]) -> Intake:
    """API, web form and meldknop intake, one client at a time so arrival order is known."""
    intake = Intake()
    token = _cli(env, "create-user", "--role", "adviser", "--organisation", "MIN-A",
                 "--username", "audit-api", "--token").strip().splitlines()[-1]
    api = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=30)
    month = Month.current()
    units = ("MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG1-D2-T1", "MIN-A-DG2", "MIN-A")
    for i in range(API_SIGNALS):
        if i % 5 == 0:
            conn.request("POST", "/api/v1/case-tokens", body="{}", headers=api)
            intake.case_tokens.append(json.loads(conn.getresponse().read())["case_token"])
        body = {"period": str(month.add(-(i % 3))), "unit": units[i % len(units)],
                "channel": "vp_intern", "categories": ["pesten", "werkdruk"][: 1 + i % 2],
                "implicated_party": "collega", "reporter_role": "medewerker",
                "follow_up": "advies", "impact": ["verzuim"] if i % 3 else []}
        if i % 2:
            body["case_token"] = intake.case_tokens[-1]
        headers = {**api, "Idempotency-Key": f"audit-{i}"} if i % 4 == 0 else api
        text_body = json.dumps(body)
        intake.bodies.append(text_body)
        conn.request("POST", "/api/v1/signals", body=text_body, headers=headers)
        answer = conn.getresponse()
        payload = json.loads(answer.read())
        assert answer.status == 201, payload
        intake.api_ids.append(payload["id"])
        intake.receipts.append(payload["receipt"])
    conn.close()

    password = "Pw-" + secrets.token_hex(12)
    subprocess.run([*CLI, "create-user", "--role", "adviser", "--organisation", "MIN-A",  # noqa: S603
                    "--username", "audit-web", "--set-password"], env=env, check=True,
                   input=f"{password}\n{password}\n", capture_output=True, text=True, timeout=120)
    web = requests.Session()
    login = web.get(f"{base}/login").text
    assert web.post(f"{base}/login", data={"username": "audit-web", "password": password,
                                           "csrf_token": _hidden(login, "csrf_token")},
                    allow_redirects=False).status_code == 302
    for i in range(WEB_SIGNALS):
        page = web.get(f"{base}/signalen/nieuw").text
        form = {"csrf_token": _hidden(page, "csrf_token"), "period": str(month),
                "unit": "MIN-A-DG1-D1", "channel": "vp_intern", "categories": ["pesten"],
                "implicated_party": "collega", "reporter_role": "medewerker",
                "follow_up": "advies", "new_case_token": "1" if i % 2 else ""}
        if 'name="form_id"' in page:
            form["form_id"] = _hidden(page, "form_id")
        stored = web.post(f"{base}/signalen/nieuw", data=form)
        assert stored.status_code == 200, stored.text[:500]
        intake.receipts.append(re.search(r'id="receipt-value">([^<]+)<', stored.text).group(1))
        if i % 2:
            intake.case_tokens.append(
                re.search(r'id="case-token-value">([^<]+)<', stored.text).group(1))

    visitor = requests.Session()
    for _ in range(MELDKNOP_SIGNALS):
        page = visitor.get(f"{base}/meldknop").text
        sent = visitor.post(f"{base}/meldknop", data={
            "csrf_token": _hidden(page, "csrf_token"), **solved(page),
            "categories": ["pesten"], "organisation": "MIN-A", "unit": "",
            "reporter_role": "medewerker", "implicated_party": "onbekend", "contact": "ja"})
        assert sent.status_code == 200, sent.text[:500]
    return intake


def _dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, as the database hands it out without ORDER BY."""
    engine = create_engine(_engine_url(url))
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            return {t: [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}"'))]  # noqa: S608
                    for t in tables}
    finally:
        engine.dispose()


def _column_types(url: str) -> dict[tuple[str, str], str]:
    engine = create_engine(_engine_url(url))
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            return {(t, c["name"]): str(c["type"]).upper()
                    for t in inspector.get_table_names() for c in inspector.get_columns(t)}
    finally:
        engine.dispose()


def _order(url: str, sql: str) -> list[str]:
    engine = create_engine(_engine_url(url))
    try:
        with engine.connect() as conn:
            return [str(r[0]) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _rank_correlation(arrival: list[str], stored: list[str]) -> tuple[float, float]:
    """Spearman's rho (and p) between arrival rank and stored position of the same rows."""
    position = {row_id: i for i, row_id in enumerate(stored)}
    ranks = [position[row_id] for row_id in arrival]
    rho, p = spearmanr(range(len(arrival)), ranks)
    return float(rho), float(p)


def _variants(secret: str) -> set[str]:
    """A token or receipt as it might be stored in clear or with a plain (unkeyed) hash."""
    plain = secret.replace("-", "")
    forms = {secret, plain, secret.upper(), plain.upper(), secret.lower(), plain.lower()}
    return forms | {hashlib.sha256(f.encode()).hexdigest() for f in forms}


def test_real_intake_keeps_no_address_time_token_receipt_body_or_arrival_order(served) -> None:
    base, env, folder = served
    intake = _burst(base, env)
    _assert_nothing_identifying(env["DATABASE_URL"], folder, intake)
    _assert_no_arrival_order(env, intake.api_ids)


def _assert_nothing_identifying(url: str, folder: Path, intake: Intake) -> None:
    dump = _dump(url)
    output = ((folder / "stdout.log").read_text(errors="replace")
              + (folder / "stderr.log").read_text(errors="replace"))
    output += "".join(p.read_text(errors="replace") for p in (folder / "data").rglob("*.log"))
    # gunicorn names the address it listens on once at start; that is the server's, not a
    # client's, and it is the only line allowed to hold one.
    logs = "\n".join(line for line in output.splitlines() if "Listening at: " not in line)

    assert len(dump["signals"]) == API_SIGNALS + WEB_SIGNALS + MELDKNOP_SIGNALS
    everything = "\n".join(f"{t}: {row!r}" for t, rows in dump.items() for row in rows)
    signal_values = "\n".join(repr(row) for t in SIGNAL_TABLES for row in dump.get(t, []))
    assert not IP_RE.search(everything), IP_RE.search(everything)
    assert not IP_RE.search(logs), IP_RE.search(logs)
    assert not DAY_RE.search(signal_values), DAY_RE.search(signal_values)
    date_columns = {key for key, kind in _column_types(url).items()
                    if any(word in kind for word in ("DATE", "TIME"))}
    assert not {key for key in date_columns if key[0] in SIGNAL_TABLES}
    # The only dates in the schema are public ones (the day a release was published, the day a
    # year's privacy cap was changed) and those of accounts and admin actions, which no signal
    # links to: token and activation expiry, holders' notices, the audit log, approvals.
    assert date_columns <= {("privacy_releases", "release_date"),
                            ("privacy_cap_changes", "changed_on"),
                            ("accounts", "activation_expires"),
                            ("api_tokens", "created_on"), ("api_tokens", "expires_on"),
                            ("account_notices", "occurred_at"),
                            ("audit_log", "occurred_at"),
                            ("pending_approvals", "proposed_at"),
                            ("pending_approvals", "decided_at")}
    for secret in intake.receipts + intake.case_tokens:
        for form in _variants(secret):
            assert form not in everything, f"{secret!r} stored as {form!r}"
            assert form not in logs, f"{secret!r} logged"
    stored_cases = _order(url, "SELECT case_pseudonym FROM signals WHERE case_pseudonym IS NOT NULL")
    assert stored_cases and all(value.startswith("v1:case:") for value in stored_cases)
    # Nothing of a request reaches a log: no bodies, no paths, no per-request lines at all.
    for needle in ('"implicated_party"', "collega", "/api/v1/signals", "/signalen", "/meldknop",
                   "POST", "Bearer"):
        assert needle not in logs, needle
    assert len(logs.splitlines()) < 40


def _assert_no_arrival_order(env: dict[str, str], arrival: list[str]) -> None:
    url = env["DATABASE_URL"]
    if url.startswith("postgresql"):
        # PostgreSQL appends to its heap; the nightly job is what erases that order.
        before, _ = _rank_correlation(arrival, _order(url, "SELECT id FROM signals"))
        assert before > 0.9, "heap order should follow arrival until maintain runs"
        _cli(env, "maintain")
        assert _order(url, "SELECT count(DISTINCT xmin::text) FROM signals") == ["1"]
        orders = {"heap": "SELECT id FROM signals", "ctid": "SELECT id FROM signals ORDER BY ctid"}
    else:
        orders = {"default": "SELECT id FROM signals"}
    orders["primary key"] = "SELECT id FROM signals ORDER BY id"
    orders["categories"] = "SELECT DISTINCT signal_id FROM signal_categories"
    for name, sql in orders.items():
        stored = [row_id for row_id in _order(url, sql) if row_id in set(arrival)]
        if name == "categories":
            stored = list(dict.fromkeys(stored))
        rho, p = _rank_correlation(arrival, stored)
        print(f"\n{url.split(':', 1)[0]} {name} order vs arrival: rho {rho:+.3f}, p {p:.3f}")
        assert abs(rho) < MAX_CORRELATION and p > 1e-5, (name, rho, p)


# -- a differencing attacker -------------------------------------------------------------------

MONTH = Month.current()


@pytest.fixture
def attacker(client, make_token, services):  # type: ignore[no-untyped-def]
    """A researcher token whose project has a share of rho 1 of each data year it may ask about
    (two questions of epsilon 1: a Laplace epsilon e costs rho e^2/2), and a registry with
    signals, one in a small unit."""
    units = ("MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG2", "MIN-B-D1")
    records = [SignalRecord(period=MONTH.add(-(i % 7)), unit=units[i % 4],
                            organisation=units[i % 4][:5], channel="vp_intern",
                            categories=("pesten",), implicated_party="collega",
                            reporter_role="medewerker", follow_up="advies")
               for i in range(120)]
    # The target: one signal in Team Klein (30 FTE, below the threshold of 50).
    records.append(SignalRecord(period=MONTH, unit="MIN-A-DG1-D2-T1", organisation="MIN-A",
                                channel="vp_intern", categories=("pesten",),
                                implicated_party="leidinggevende", reporter_role="medewerker",
                                follow_up="advies"))
    services.signals.store_many(records, receipts=False)
    headers = make_token(Role.RESEARCHER, None)
    consumer = client.get("/api/v1/budget", headers=headers).get_json()["consumer"]
    for year in {MONTH.add(-6).year, MONTH.year}:
        services.ledger.set_budget(consumer, year, "1")
    return headers


def _ask(client, headers, spec):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/queries", json=spec, headers=headers)


def _spent(client, headers) -> str:  # type: ignore[no-untyped-def]
    return str(client.get("/api/v1/budget", headers=headers).get_json()["spent"])


def test_asking_the_same_question_again_gives_the_same_noise_and_costs_nothing(client, attacker):
    spec = {"measure": "contacts", "group_by": ["unit"], "from": str(MONTH), "to": str(MONTH),
            "epsilon": "1"}
    # The attacker rewrites the question in every way that means the same, hoping for fresh noise.
    rewrites = [spec, dict(reversed(list(spec.items()))), {**spec, "grain": "month"},
                {**spec, "epsilon": "1.0"}, {**spec, "mechanism": "laplace"}]
    answers = [_ask(client, attacker, s).get_json() for s in rewrites]

    assert {a["release_id"] for a in answers} == {answers[0]["release_id"]}
    assert all(a["cells"] == answers[0]["cells"] for a in answers)
    assert [a["rho_spent"] for a in answers] == ["0.5", "0", "0", "0", "0"]
    assert {a["release_cost"] for a in answers} == {"rho 0.5"}
    assert _spent(client, attacker) == "0.5"


def test_a_small_unit_is_never_released_so_parent_minus_siblings_isolates_nothing(
        client, attacker, services):
    small = "MIN-A-DG1-D2-T1"
    by_unit = _ask(client, attacker, {"measure": "contacts", "group_by": ["unit"],
                                      "filters": {"organisation": ["MIN-A"]},
                                      "from": str(MONTH), "to": str(MONTH), "epsilon": "1"})
    alone = _ask(client, attacker, {"measure": "contacts", "group_by": ["unit"],
                                    "filters": {"unit": [small]}, "from": str(MONTH),
                                    "to": str(MONTH), "epsilon": "1"})

    keys = [cell["unit"] for cell in by_unit.get_json()["cells"]]
    # The grid is the released units of the public structure, whatever the data holds: the
    # small team's signal is inside its directorate's cell, so DG1 - D1 - D2 is DG1's own staff.
    assert keys == [u for u in released_units(services.org(), 50) if u.startswith("MIN-A")]
    assert small not in keys
    # Singling the team out by filter is refused before anything is counted or paid.
    assert alone.status_code == 422
    assert "fte" in alone.get_data(as_text=True)
    assert _spent(client, attacker) == "0.5"


def test_two_ranges_a_month_apart_are_each_paid_and_the_budget_caps_the_leak(client, attacker):
    first, last = MONTH.add(-6), MONTH
    short = {"measure": "contacts", "group_by": [], "from": str(first), "to": str(last.add(-1)),
             "epsilon": "1"}
    long = {**short, "to": str(last)}
    third = {**short, "from": str(first.add(1))}

    a = _ask(client, attacker, short)
    b = _ask(client, attacker, long)
    refused = _ask(client, attacker, third)

    assert a.status_code == b.status_code == 201
    assert a.get_json()["release_id"] != b.get_json()["release_id"]
    # Each distinct question is charged in full (rho 0.5 each, to every data year it touches);
    # the difference long - short is the last month with the noise of two independent
    # releases, so it has leaked at most rho 0.5 + 0.5 = the share; a third is refused.
    assert [a.get_json()["rho_spent"], b.get_json()["rho_spent"]] == ["0.5", "0.5"]
    assert _spent(client, attacker) == "1"
    assert refused.status_code == 403
    assert "Onvoldoende privacybudget" in refused.get_data(as_text=True)
    assert _spent(client, attacker) == "1"
