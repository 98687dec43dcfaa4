"""A fixed list of attacks, each its own test: every one refused, nothing stored, nothing leaked.

SQL injection and script tags in every field and query parameter, oversized and deeply nested
bodies, wrong content types, posts without a CSRF token to every form (CSRF is on here, as in
production), expired and forged sessions, one organisation's credentials used on another's
data, spreadsheet formulas in every export, and path traversal in every route parameter.
Routes are enumerated from the app's URL map, so a form or download added later is attacked
too. Each attack runs over every target in a loop and reports all misses together: one app per
attack and backend keeps the suite fast.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from werkzeug.routing import Rule

from analytics.report import render_xlsx
from privacy.consumers import publication_consumer
from registry.accounts import Role
from registry.organisations import parse_org_csv
from registry.periods import Month
from registry.records import SignalRecord
from server.cli.analytics import report_command
from server.openapi import build_document
from tests.conftest import FIXTURES, MASTER_SECRET
from tests.intake_adapters.meldknop_helpers import solved
from tests.privacy.test_publication import seed

pytestmark = pytest.mark.assurance

MAX_BYTES = 64 * 1024
MONTH = Month.current()
SQLI = "x' OR '1'='1'; DROP TABLE signals; --"
SCRIPT = "<script>alert(1)</script>"
# What an error page must never show: driver messages, SQL, stack traces, files outside.
LEAKS = re.compile(r"Traceback|sqlite3|psycopg|OperationalError|syntax error|SELECT \w+ FROM|"
                   r"root:x:0:0|site-packages")
VALID_SIGNAL: dict[str, Any] = {
    "period": str(MONTH), "unit": "MIN-A-DG1-D1", "channel": "vp_intern", "categories": ["pesten"],
    "implicated_party": "collega", "reporter_role": "medewerker", "follow_up": "advies",
    "impact": ["verzuim"],
}
DOCUMENT = build_document()
JSON_POSTS = sorted(path for path, ops in DOCUMENT["paths"].items()
                    if "post" in ops and "requestBody" in ops["post"])


@pytest.fixture
def settings_overrides(settings_overrides):  # type: ignore[no-untyped-def]
    return {**settings_overrides, "max_request_bytes": MAX_BYTES,
            "login_rate_limit": "100000 per minute", "meldknop_rate_limit": "100000 per minute"}


def no_leak(response: Any) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code < 500, (response.status_code, body[:500])
    assert not LEAKS.search(body), body[:500]
    return body


def api_refused(response: Any, *statuses: int) -> dict[str, Any]:
    no_leak(response)
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["ok"] is False and body["errors"], body
    return body


def web_post(client, csrf_from, path: str, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={**data, "csrf_token": csrf_from(page)})


def attacked(payload: dict[str, Any], attack: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The payload with one field at a time replaced by ``attack`` (in a list for list fields)."""
    for name, value in payload.items():
        yield name, {**payload, name: [attack] if isinstance(value, list) else attack}


ROLES = ((Role.ADVISER, "MIN-A"), (Role.PREVENTION_OFFICER, "MIN-A"), (Role.WORKS_COUNCIL, "MIN-A"),
         (Role.CENTRAL_WORKS_COUNCIL, None), (Role.RESEARCHER, None), (Role.ADMIN, None))


def signed_in(app, make_user, csrf_from, role: Role, organisation: str | None):  # type: ignore[no-untyped-def]
    """A browser of its own, signed in as a new account of ``role``."""
    browser = app.test_client()
    principal, password = make_user(role, organisation)
    response = web_post(browser, csrf_from, "/login",
                        {"username": principal.username, "password": password})
    assert response.status_code == 302
    return browser


def check_all(cases: Iterator[tuple[str, Any]]) -> None:
    """Run every (label, check) and report all failures at once."""
    failures = []
    for label, check in cases:
        try:
            check()
        except AssertionError as failure:
            failures.append(f"{label}: {str(failure)[:300]}")
    assert failures == [], "\n".join(failures)


# -- SQL injection and script tags ------------------------------------------------------------

def test_sql_injection_in_every_api_field_is_refused(client, make_token, services):
    headers = make_token(Role.ADVISER, "MIN-A")

    def refused(payload: dict[str, Any]) -> Any:
        def check() -> None:
            api_refused(client.post("/api/v1/signals", json=payload, headers=headers), 422)
            assert services.signals.count() == 0
        return check

    check_all((name, refused(payload))
              for name, payload in attacked({**VALID_SIGNAL, "case_token": ""}, SQLI))


def documented_parameters() -> list[tuple[str, str, str]]:
    return sorted((path, p["name"], p["in"]) for path, ops in DOCUMENT["paths"].items()
                  for p in ops.get("get", {}).get("parameters", []) if p["in"] in ("query", "path"))


def test_hostile_query_and_path_parameters_of_the_api_are_refused(client, make_token):
    researcher, council = make_token(Role.RESEARCHER, None), make_token(Role.CENTRAL_WORKS_COUNCIL, None)

    def refused(path: str, name: str, where: str, attack: str) -> Any:
        url = path.replace("{" + name + "}", attack) if where == "path" else path
        headers = researcher if "release" in path or "budget" in path else council
        params = {name: attack} if where == "query" else {}
        if "{release_id}" in url:
            url = url.replace("{release_id}", "0" * 32)
        return lambda: api_refused(client.get(url, query_string=params, headers=headers),
                                   400, 404, 422)

    check_all((f"{path} {name}={attack!r}", refused(path, name, where, attack))
              for path, name, where in documented_parameters()
              for attack in (SQLI, SCRIPT, "../../etc/passwd"))


def test_hostile_web_form_fields_are_refused_and_escaped(client, login, csrf_from, services):
    login(Role.ADVISER, "MIN-A")

    def refused(payload: dict[str, Any]) -> Any:
        def check() -> None:
            response = web_post(client, csrf_from, "/signalen/nieuw", payload)
            assert response.status_code == 422 and SCRIPT not in no_leak(response)
            assert services.signals.count() == 0
        return check

    check_all((f"{name} {attack[:8]}", refused(payload)) for attack in (SQLI, SCRIPT)
              for name, payload in attacked(VALID_SIGNAL, attack))


MELDKNOP_FORM = {"categories": ["pesten"], "organisation": "MIN-A",
                 "reporter_role": "medewerker", "implicated_party": "onbekend", "contact": "ja"}


def test_hostile_meldknop_fields_are_refused_and_escaped(client, csrf_from, services):
    def refused(payload: dict[str, Any]) -> Any:
        def check() -> None:
            # With a solved proof-of-work, so the field itself is what is refused.
            page = client.get("/meldknop").get_data(as_text=True)
            response = client.post("/meldknop", data={**payload, "csrf_token": csrf_from(page),
                                                      **solved(page)})
            assert response.status_code == 422 and SCRIPT not in no_leak(response)
            assert services.signals.count() == 0
        return check

    check_all((f"{name} {attack[:8]}", refused(payload)) for attack in (SQLI, SCRIPT)
              for name, payload in attacked(MELDKNOP_FORM, attack))


def test_hostile_sign_in_is_refused_and_escaped(client, make_user, csrf_from):
    principal, _ = make_user(Role.ADVISER, "MIN-A")
    for attack in (SQLI, SCRIPT):
        for username, password in ((attack, attack), (principal.username, attack),
                                   (f"{principal.username}'--", "x")):
            response = web_post(client, csrf_from, "/login",
                                {"username": username, "password": password})
            assert response.status_code == 400 and SCRIPT not in no_leak(response)
    assert client.get("/signalen/nieuw").status_code == 302  # still not signed in


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/",
                                    "/\t/evil.example/",
                                    "/\n/evil.example/"])
def test_sign_in_never_redirects_to_another_site(client, make_user, csrf_from, target):
    principal, password = make_user(Role.ADVISER, "MIN-A")
    page = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    response = client.post("/login", query_string={"next": target}, data={
        "username": principal.username, "password": password, "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    # Browsers drop tabs and newlines from URLs and read a backslash as a slash.
    location = re.sub(r"[\t\n\r]", "", response.headers["Location"]).replace("\\", "/")
    assert urlsplit(location).netloc in ("", "localhost"), location


def test_script_in_a_query_string_is_never_reflected_on_any_page(app, make_user, csrf_from):
    """Every parameterless GET page, as each role, with hostile query values."""
    params = {name: SCRIPT for name in ("from", "to", "organisation", "organisatie", "unit",
                                        "category", "year", "grain", "next", "q", "period")}
    browsers = [(role, signed_in(app, make_user, csrf_from, role, org)) for role, org in ROLES]

    def escaped(browser: Any, path: str) -> Any:
        def check() -> None:
            assert SCRIPT not in no_leak(browser.get(path, query_string=params))
        return check

    check_all((f"{role.value} {rule.rule}", escaped(browser, rule.rule))
              for role, browser in browsers for rule in get_rules(app, with_arguments=False))


# -- bodies: size, nesting, content type -----------------------------------------------------

def tokens_by_path(make_token) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """The token of a role that may post to each JSON endpoint."""
    adviser, researcher = make_token(Role.ADVISER, "MIN-A"), make_token(Role.RESEARCHER, None)
    return {path: researcher if "/queries" in path else adviser for path in JSON_POSTS}


def test_oversized_api_bodies_are_413_with_a_json_error_list(client, make_token, services):
    tokens = tokens_by_path(make_token)
    body = b'{"signals": [' + b"1," * MAX_BYTES + b"1]}"
    check_all((path, lambda path=path: api_refused(
        client.post(path, data=body, content_type="application/json", headers=tokens[path]), 413))
              for path in JSON_POSTS)
    assert services.signals.count() == 0


def test_an_oversized_web_form_is_refused_and_stores_nothing(client, login, csrf_from, services):
    login(Role.ADVISER, "MIN-A")
    response = web_post(client, csrf_from, "/signalen/nieuw",
                        {**VALID_SIGNAL, "case_token": "A" * (MAX_BYTES + 1)})
    assert response.status_code == 413 and services.signals.count() == 0
    no_leak(response)


def test_deeply_nested_json_is_refused(client, make_token, services):
    tokens = tokens_by_path(make_token)
    depth = 10000  # deep enough to overflow a recursive parser, small enough to be read
    shapes = {"array": "[" * depth + "]" * depth,
              "object": '{"a":' * depth + "1" + "}" * depth,
              "in a field": '{"period":' + "[" * depth + "]" * depth + "}"}
    check_all((f"{path} {shape}", lambda path=path, nested=nested: api_refused(
        client.post(path, data=nested, content_type="application/json", headers=tokens[path]), 400))
              for path in JSON_POSTS for shape, nested in shapes.items())
    assert services.signals.count() == 0


def test_wrong_content_types_are_415(client, make_token, services):
    tokens = tokens_by_path(make_token)
    body = json.dumps({"signals": [VALID_SIGNAL], **VALID_SIGNAL})
    kinds = ["text/plain", "application/x-www-form-urlencoded", "application/xml",
             "multipart/form-data; boundary=x", "text/json", ""]
    check_all((f"{path} {kind!r}", lambda path=path, kind=kind: api_refused(
        client.post(path, data=body, content_type=kind, headers=tokens[path]), 415))
              for path in JSON_POSTS for kind in kinds)
    assert services.signals.count() == 0


# -- CSRF and sessions ----------------------------------------------------------------------

def post_rules(app: Any) -> list[Rule]:
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")),
                  key=lambda rule: rule.rule)


def test_every_form_refuses_a_post_without_or_with_a_wrong_csrf_token(app, make_user, csrf_from,
                                                                       services):
    browsers = [signed_in(app, make_user, csrf_from, role, org) for role, org in
                ((Role.ADVISER, "MIN-A"), (Role.ADMIN, None), (Role.WORKS_COUNCIL, "MIN-A"))]
    accounts = len(services.accounts.list_users())
    forms = post_rules(app)
    assert {"/login", "/signalen/nieuw", "/signalen/import", "/meldknop"} <= {r.rule for r in forms}

    def refused(browser: Any, url: str, token: str | None) -> Any:
        def check() -> None:
            data = {**VALID_SIGNAL, **MELDKNOP_FORM, "username": "x", "password": "y"}
            response = browser.post(url, data=data if token is None else {**data, "csrf_token": token})
            # 400 from the CSRF check; 403 where a form checks the role first (its own CSRF
            # check follows): refused either way.
            assert response.status_code in (400, 403), response.status_code
            no_leak(response)
        return check

    check_all((f"{rule.rule} token={token}", refused(browser, fill(rule, "MIN-A"), token))
              for browser in browsers for rule in forms for token in (None, "forged"))
    assert services.signals.count() == 0 and len(services.accounts.list_users()) == accounts


def expired_cookie(app: Any, cookie: str) -> str:
    """The same session, signed as if nine hours ago (the lifetime is eight)."""
    serializer = app.session_interface.get_signing_serializer(app)
    data = serializer.loads(cookie)
    signer_class = serializer.signer
    original = signer_class.get_timestamp
    signer_class.get_timestamp = lambda self: int(time.time()) - 9 * 3600
    try:
        return str(serializer.dumps(data))
    finally:
        signer_class.get_timestamp = original


def test_an_expired_or_forged_session_is_refused_and_sent_to_sign_in(app, make_user, csrf_from,
                                                                      services):
    name = app.config["SESSION_COOKIE_NAME"]
    browser = signed_in(app, make_user, csrf_from, Role.ADVISER, "MIN-A")
    page = browser.get("/signalen/nieuw").get_data(as_text=True)
    token, cookie = csrf_from(page), browser.get_cookie(name).value
    forged = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    for label, value in (("expired", expired_cookie(app, cookie)), ("forged", forged)):
        browser.set_cookie(name, value)
        response = browser.post("/signalen/nieuw", data={**VALID_SIGNAL, "csrf_token": token})
        # Refused before anything is read: the CSRF check finds no session (400), or the view
        # finds nobody signed in and sends the browser to the sign-in page.
        assert response.status_code in (400, 302), (label, response.status_code)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
        assert services.signals.count() == 0, label
        browser.set_cookie(name, value)
        again = browser.get("/signalen/nieuw")
        assert again.status_code == 302 and "/login" in again.headers["Location"], label


# -- one organisation's credentials on another's data ----------------------------------------

def test_an_adviser_of_one_organisation_cannot_store_or_change_anothers(client, make_token,
                                                                        services):
    other = services.signals.store(SignalRecord.from_payload(
        {**VALID_SIGNAL, "unit": "MIN-B-D1"}, services.taxonomy, services.org(),
        allowed_organisations=frozenset({"MIN-B"})))
    headers = make_token(Role.ADVISER, "MIN-A")
    foreign = {**VALID_SIGNAL, "unit": "MIN-B-D1"}
    api_refused(client.post("/api/v1/signals", json=foreign, headers=headers), 403, 422)
    api_refused(client.post("/api/v1/signals/batch", json={"signals": [VALID_SIGNAL, foreign]},
                            headers=headers), 403, 422)
    api_refused(client.post("/api/v1/signals/correction", headers=headers,
                            json={"receipt": other.receipt, "signal": VALID_SIGNAL}), 403, 404)
    api_refused(client.post("/api/v1/signals/withdrawal", headers=headers,
                            json={"receipt": other.receipt}), 403, 404)
    assert services.signals.count() == 1
    stored = services.signals.find_by_receipt(other.receipt, frozenset({"MIN-B"}))
    assert stored["unit"] == "MIN-B-D1"


def test_an_adviser_session_cannot_reach_another_organisations_signal(client, login, csrf_from,
                                                                      services):
    other = services.signals.store(SignalRecord.from_payload(
        {**VALID_SIGNAL, "unit": "MIN-B-D1"}, services.taxonomy, services.org(),
        allowed_organisations=frozenset({"MIN-B"})))
    login(Role.ADVISER, "MIN-A")
    assert web_post(client, csrf_from, "/signalen/nieuw",
                    {**VALID_SIGNAL, "unit": "MIN-B-D1"}).status_code == 422
    for action in ("lookup", "withdraw", "withdraw_confirm", "correct"):
        response = web_post(client, csrf_from, "/signalen/ontvangstbewijs",
                            {**VALID_SIGNAL, "receipt": other.receipt, "action": action})
        assert response.status_code in (404, 422), (action, response.status_code)
        assert "MIN-B-D1" not in no_leak(response)
    assert services.signals.count() == 1


def publish(services, organisation: str, month: Month) -> None:  # type: ignore[no-untyped-def]
    """The release plan of the month's year (what the pages and the API read), and the month
    published the earlier way too (an archive page and its downloads to attack). Monthly
    publications are no longer paid from the plan: they get a share, as an administrator
    would give one."""
    services.plans.publish_due([month.year - 1, month.year])  # a complete year and this one
    services.ledger.ensure_budget(publication_consumer(organisation), month.year, Fraction(2))
    services.publications.publish(organisation, month)


def test_a_council_or_prevention_token_of_one_organisation_cannot_read_anothers_figures(
        client, make_token, services):
    seed(services, MONTH.add(-1), n=2)
    publish(services, "MIN-B", MONTH.add(-1))
    months = {"from": str(MONTH.add(-1)), "to": str(MONTH.add(-1)), "year": MONTH.add(-1).year}
    for role in (Role.WORKS_COUNCIL, Role.PREVENTION_OFFICER):
        headers = make_token(role, "MIN-A")
        for path in ("/api/v1/trends", "/api/v1/checks", "/api/v1/benchmarks"):
            response = client.get(path, query_string={**months, "organisation": "MIN-B"},
                                  headers=headers)
            api_refused(response, 403)
        spec = {"measure": "contacts", "from": str(MONTH.add(-1)), "to": str(MONTH.add(-1)),
                "filters": {"unit": ["MIN-B-D1"]}, "epsilon": "0.1"}
        for path in ("/api/v1/queries/preview", "/api/v1/queries"):
            api_refused(client.post(path, json=spec, headers=headers), 403, 422)


def test_a_council_session_of_one_organisation_cannot_open_anothers_pages(app, make_user,
                                                                          csrf_from, services):
    seed(services, MONTH.add(-1), n=2)
    publish(services, "MIN-B", MONTH.add(-1))
    browser = signed_in(app, make_user, csrf_from, Role.WORKS_COUNCIL, "MIN-A")
    period = str(MONTH.add(-1))
    year = MONTH.add(-1).year
    for url in ("/raad/organisatie/MIN-B", f"/raad/organisatie/MIN-B?jaar={year}",
                f"/raad/organisatie/MIN-B/{period}",
                f"/raad/organisatie/MIN-B/{period}/csv", f"/raad/organisatie/MIN-B/{period}/xlsx",
                f"/raad/organisatie/MIN-B/jaarverslag/{year}/xlsx",
                f"/raad/organisatie/MIN-B/jaarverslag/{year}/csv", "/raad/rijk",
                f"/raad/rijk/rapportage/{year}/xlsx"):
        response = browser.get(url)
        assert response.status_code in (403, 404), (url, response.status_code)
        no_leak(response)


# -- exports: spreadsheet formulas -----------------------------------------------------------

HOSTILE_NAMES = ('=HYPERLINK("http://x.example","klik")', "+1+1", "-2+3", "@SUM(A1:A9)", "\tTAB")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def hostile_org(services) -> None:  # type: ignore[no-untyped-def]
    """The test organisation with unit names an attacker with the org CSV could choose."""
    rows = list(csv.reader(io.StringIO((FIXTURES / "org-small.csv").read_text())))
    for i, row in enumerate(rows[2:]):
        row[1] = HOSTILE_NAMES[i % len(HOSTILE_NAMES)]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    services.replace_org(parse_org_csv(out.getvalue()))


def unsafe_cells(kind: str, data: bytes) -> list[str]:
    """Text cells a spreadsheet would run as a formula; numbers (also negative) are fine."""
    if kind == "xlsx":
        book = load_workbook(io.BytesIO(data))
        cells = [(c.data_type, c.value) for sheet in book.worksheets for row in sheet.iter_rows()
                 for c in row if c.value is not None]
        return [str(v) for t, v in cells if t == "f" or (t == "s" and str(v).startswith(FORMULA_START))]
    text = data.decode("utf-8-sig")
    rows = csv.reader(line for line in text.splitlines() if not line.startswith("#"))
    return [cell for row in rows for cell in row
            if cell.startswith(FORMULA_START) and not re.fullmatch(r"[-+]?[0-9.eE+-]+", cell)]


def test_no_export_starts_a_cell_with_a_formula(app, make_user, make_token, csrf_from, services,
                                                 tmp_path, database_url):
    hostile_org(services)
    month = MONTH.add(-1)
    seed(services, month, n=3)
    publish(services, "MIN-A", month)
    council = signed_in(app, make_user, csrf_from, Role.WORKS_COUNCIL, "MIN-A")
    prevention = signed_in(app, make_user, csrf_from, Role.PREVENTION_OFFICER, "MIN-A")
    base = f"/raad/organisatie/MIN-A/{month}"
    downloads = [(council, f"{base}/csv", "csv"), (council, f"{base}/xlsx", "xlsx"),
                 (council, f"/raad/organisatie/MIN-A/jaarverslag/{month.year}/xlsx", "xlsx"),
                 (council, f"/raad/organisatie/MIN-A/jaarverslag/{month.year}/csv", "csv")]
    # Every chart of the dashboard on the plan; the DG rows carry the (hostile) unit names.
    downloads += [(prevention, f"/dashboard/cijfers/{chart}.csv?from={month}&to={month}", "csv")
                  for chart in ("trend-aantal", "trend-per-100-fte", "kwartalen",
                                "categorie-jaar", "dg-categorie", "dg-vergelijking", "extern",
                                "opvolging")]
    found: dict[str, list[str]] = {}
    for browser, url, kind in downloads:
        response = browser.get(url)
        assert response.status_code == 200, url  # every download is there to be attacked
        found[url] = unsafe_cells(kind, response.data)
    researcher = make_token(Role.RESEARCHER, None)
    spec = {"measure": "contacts", "group_by": ["unit", "category"], "from": str(month),
            "to": str(month), "epsilon": "0.5"}
    release = client_json(app, "/api/v1/queries", spec, researcher)["release_id"]
    csv_file = app.test_client().get(f"/api/v1/releases/{release}?format=csv", headers=researcher)
    found["release csv"] = unsafe_cells("csv", csv_file.data)
    # The command-line annual report (signal-registry report) writes its own XLSX and CSV.
    env = {"DATABASE_URL": database_url, "SIGNAL_REGISTRY_MODE": "test",
           "SIGNAL_REGISTRY_MASTER_SECRET": MASTER_SECRET,
           "SIGNAL_REGISTRY_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(report_command, ["--organisation", "MIN-A", "--year",
                                                 str(month.year), "--out", str(tmp_path / "out")],
                                env=env)
    assert result.exit_code == 0, result.output
    for path in (tmp_path / "out").iterdir():
        if path.suffix in (".csv", ".xlsx"):
            found[path.name] = unsafe_cells(path.suffix[1:], path.read_bytes())
    assert len(found) >= 5, found.keys()
    assert {name: cells for name, cells in found.items() if cells} == {}


def test_the_annual_report_workbook_guards_unit_names(services):
    """Names reach the workbook as the organisation's name, the list of organisations (the
    Rijk's report names every one) and the row labels; any of them may be hostile."""
    rows = [{"code": f"c{i}", "label": name, "weergave": "te onzeker: tussen 0 en 9",
             "estimate": 0, "lower": 0, "upper": 9, "te_onzeker": True}
            for i, name in enumerate(HOSTILE_NAMES)]
    figures = {"organisation": "RIJK", "organisation_name": HOSTILE_NAMES[0], "year": 2026,
               "months": ["2026-01"], "notes": list(HOSTILE_NAMES),
               "tables": {"zaken_per_organisatie": rows},
               "titles": {"zaken_per_organisatie": HOSTILE_NAMES[1]},
               "organisations": {f"MIN-{i}": name for i, name in enumerate(HOSTILE_NAMES)}}
    book = render_xlsx(figures)
    assert unsafe_cells("xlsx", book) == []
    names = load_workbook(io.BytesIO(book))["organisaties"]
    # still there, shown as text rather than dropped
    assert [r[1].value.lstrip("'") for r in names.iter_rows(min_row=2)] == list(HOSTILE_NAMES)


def client_json(app: Any, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    response = app.test_client().post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return response.get_json()


# -- path traversal ----------------------------------------------------------------------------

TRAVERSALS = ("../../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
              "..%252f..%252fetc%252fpasswd", "/etc/passwd", "%2Fetc%2Fpasswd",
              "..\\..\\..\\etc\\passwd", "....//....//etc/passwd", "..%00/etc/passwd", "..")


def test_no_route_parameter_reaches_a_file_outside(app, make_user, csrf_from, make_token, services):
    secret = (services.settings.data_path / "secrets" / "signing-key").read_bytes()
    # One browser per area with files: static (anonymous), beheer, raad, dashboard, onderzoek.
    browsers = [app.test_client(), *(signed_in(app, make_user, csrf_from, role, org) for role, org in (
        (Role.ADMIN, None), (Role.CENTRAL_WORKS_COUNCIL, None), (Role.PREVENTION_OFFICER, "MIN-A"),
        (Role.RESEARCHER, None)))]
    api = [(app.test_client(), make_token(Role.RESEARCHER, None))]
    rules = [rule for rule in app.url_map.iter_rules()
             if "GET" in (rule.methods or ()) and rule.arguments]

    def refused(browser: Any, url: str, headers: dict[str, str]) -> Any:
        def check() -> None:
            # Redirects (a merged double slash, the sign-in page) are followed: what finally
            # answers must be a refusal or the sign-in page, never a file.
            response = browser.get(url, headers=headers, follow_redirects=True)
            assert response.status_code in (400, 401, 403, 404, 422) or (
                response.request.path == "/login"), response.status_code
            assert secret not in response.data
            no_leak(response)
        return check

    check_all((f"{url}", refused(browser, url, headers))
              for browser, headers in [*((b, {}) for b in browsers), *api]
              for rule in rules for name in rule.arguments
              if type(rule._converters[name]).__name__ != "IntegerConverter"
              for url in (fill(rule, "MIN-A", attacked=name, attack=a) for a in TRAVERSALS))


# -- helpers over the URL map ----------------------------------------------------------------

def get_rules(app: Any, *, with_arguments: bool) -> list[Rule]:
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "GET" in (rule.methods or ()) and bool(rule.arguments) == with_arguments
                   and not rule.rule.startswith("/api/") and not rule.endpoint.endswith("static")),
                  key=lambda rule: rule.rule)


def fill(rule: Rule, value: str, *, attacked: str | None = None, attack: str = "") -> str:
    """The rule's URL with every argument set to ``value`` (``attacked`` one to ``attack``)."""
    url = rule.rule
    for name in rule.arguments:
        converter = rule._converters[name]  # the converter decides what a part may hold
        plain = "2025" if type(converter).__name__ == "IntegerConverter" else value
        part = attack if name == attacked else plain
        url = re.sub(r"<(?:[^:<>]+:)?" + name + ">", lambda _match, part=part: part, url)
    return url
