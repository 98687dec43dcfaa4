"""Who may reach what: every rule in the URL map against an explicit, reviewed table of roles.

For each endpoint and method the table names the callers that are let through; everyone else must
be refused. Let through means a 2xx, a 3xx that does not lead to the sign-in page, or a 4xx about
the input (an unknown id, a missing parameter). Refused means 401/403, or, for pages, a redirect to
the sign-in page. A 500 is always wrong. An endpoint that exists in the app but not in the table
fails the test, so that no new page or API slips in without someone deciding who may use it.

Pages are called with a signed-in session, the API with a bearer token; endpoints that accept
both are called both ways. A token-only endpoint is also called with a session alone, which must
never be enough. CSRF is switched off here: this test is about roles, not about forms.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from privacy.consumers import consumer_for
from registry.accounts import Role
from registry.organisations import parse_org_csv
from registry.periods import Month
from server.app import create_app
from server.migrations import upgrade
from tests.conftest import FIXTURES, MASTER_SECRET

ORGANISATION = "MIN-A"
INPUT_STATUSES = {400, 404, 409, 413, 415, 422}
LOGIN_PATH = "/login"

# -- the reviewed table ---------------------------------------------------------------------

ANONYMOUS = "anonymous"
ADVISER, PREVENTION, OR, GOR, RESEARCHER, ADMIN = (r.value for r in (
    Role.ADVISER, Role.PREVENTION_OFFICER, Role.WORKS_COUNCIL, Role.CENTRAL_WORKS_COUNCIL,
    Role.RESEARCHER, Role.ADMIN))
CALLERS = (ANONYMOUS, ADVISER, PREVENTION, OR, GOR, RESEARCHER, ADMIN)
EVERYONE = frozenset(CALLERS)
QUERY_ROLES = frozenset({RESEARCHER, OR, GOR, PREVENTION})
READ_ROLES = frozenset({PREVENTION, OR, GOR})
THIS_MONTH = Month.current()


@dataclass(frozen=True)
class Endpoint:
    """Who is let through, and how to call the endpoint harmlessly."""

    allowed: frozenset[str]
    ways: tuple[str, ...] = ("session",)  # "session": signed-in browser; "token": bearer token
    values: dict[str, Any] = field(default_factory=dict)  # URL parts and query arguments
    body: dict[str, Any] | None = None
    json_body: bool = False
    ends_session: bool = False


def _only(*who: str) -> frozenset[str]:
    return frozenset(who)


COUNCILS = _only(OR, GOR)
COUNCIL_MONTH = {"code": ORGANISATION, "period": str(THIS_MONTH.add(-1))}
CONTACT = {"organisation": ORGANISATION, "contact_id": "unknown"}
ANALYTICS = {"organisation": ORGANISATION, "from": str(THIS_MONTH.add(-2)), "to": str(THIS_MONTH)}

EXPECTED: dict[tuple[str, str], Endpoint] = {
    # Home, sign-in, language: open to all. A POST with empty fields is a 400 about input.
    ("auth.index", "GET"): Endpoint(EVERYONE),
    ("auth.login", "GET"): Endpoint(EVERYONE),
    ("auth.login", "POST"): Endpoint(EVERYONE, body={}),
    ("auth.logout", "POST"): Endpoint(EVERYONE, body={}, ends_session=True),
    ("auth.language", "POST"): Endpoint(EVERYONE, values={"code": "nl"}, body={"next": "/"}),
    # The second sign-in step needs a password just given (else back to the sign-in page); an
    # activation link is the key itself (an unknown one is a 404 about input).
    ("auth.second_factor", "GET"): Endpoint(frozenset()),
    ("auth.second_factor", "POST"): Endpoint(frozenset(), body={}),
    ("auth.enrol", "GET"): Endpoint(frozenset()),
    ("auth.enrol", "POST"): Endpoint(frozenset(), body={}),
    ("account.activate", "GET"): Endpoint(EVERYONE, values={"token": "unknown"}),
    ("account.activate", "POST"): Endpoint(EVERYONE, values={"token": "unknown"}, body={}),
    # One's own account: anyone signed in.
    ("account.index", "GET"): Endpoint(EVERYONE - {ANONYMOUS}),
    ("account.notices_seen", "POST"): Endpoint(EVERYONE - {ANONYMOUS}, body={}),
    ("account.change_password", "POST"): Endpoint(EVERYONE - {ANONYMOUS}, body={}),
    ("account.setup_factor", "GET"): Endpoint(EVERYONE - {ANONYMOUS}),
    ("account.setup_factor", "POST"): Endpoint(EVERYONE - {ANONYMOUS}, body={}),
    # The meldknop is for any employee, without an account.
    ("meldknop.form", "GET"): Endpoint(EVERYONE),
    ("meldknop.submit", "POST"): Endpoint(EVERYONE, body={}),
    ("meldknop.where", "GET"): Endpoint(EVERYONE, values={"organisatie": ORGANISATION}),
    ("meldknop.units", "GET"): Endpoint(EVERYONE, values={"organisatie": ORGANISATION}),
    ("meldknop.privacy", "GET"): Endpoint(EVERYONE),
    ("meldknop.static", "GET"): Endpoint(EVERYONE, values={"filename": "meldknop.js"}),
    # The adviser's web form and spreadsheet upload: advisers only.
    ("webform.new_signal", "GET"): Endpoint(_only(ADVISER)),
    ("webform.new_signal", "POST"): Endpoint(_only(ADVISER), body={}),
    ("webform.receipt", "GET"): Endpoint(_only(ADVISER)),
    ("webform.receipt", "POST"): Endpoint(_only(ADVISER), body={}),
    ("webform.outcome", "GET"): Endpoint(_only(ADVISER)),
    ("webform.outcome", "POST"): Endpoint(_only(ADVISER), body={}),
    ("webform.static", "GET"): Endpoint(EVERYONE, values={"filename": "webform.js"}),
    ("spreadsheet.upload", "GET"): Endpoint(_only(ADVISER)),
    ("spreadsheet.upload", "POST"): Endpoint(_only(ADVISER), body={}),
    # Public reference data and the contract: anyone, no token needed.
    ("openapi.openapi_json", "GET"): Endpoint(EVERYONE, ways=("token",)),
    ("api.taxonomy", "GET"): Endpoint(EVERYONE, ways=("token",)),
    ("api.organisation_structure", "GET"): Endpoint(EVERYONE, ways=("token",)),
    ("research_api.public_key", "GET"): Endpoint(EVERYONE, ways=("token",)),
    ("research_api.privacy_budget", "GET"): Endpoint(EVERYONE, ways=("token",)),
    # What is released about each data year and what it costs: public by design.
    ("transparency.budget", "GET"): Endpoint(EVERYONE),
    # The site's privacy statement and accessibility statement, linked from every footer.
    ("site.privacy", "GET"): Endpoint(EVERYONE),
    ("site.accessibility", "GET"): Endpoint(EVERYONE),
    # Logging through the API: advisers' case systems, token only. Empty bodies are 422.
    ("api.create_signal", "POST"): Endpoint(_only(ADVISER), ways=("token",), body={}),
    ("api.create_signals", "POST"): Endpoint(_only(ADVISER), ways=("token",), body={}),
    ("api.create_case_token", "POST"): Endpoint(_only(ADVISER), ways=("token",), body={}),
    ("api.correct_signal", "POST"): Endpoint(_only(ADVISER), ways=("token",), body={}),
    ("api.withdraw_signal", "POST"): Endpoint(_only(ADVISER), ways=("token",), body={}),
    # Follow-up outcomes by case token: advisers' case systems, token only; codes are public.
    ("api.record_outcome", "POST"): Endpoint(_only(ADVISER), ways=("token",), body={}),
    ("api.outcome_codes", "GET"): Endpoint(EVERYONE, ways=("token",)),
    # Privacy-budgeted queries: researchers and the consumers with a budget of their own.
    ("research_api.preview_query", "POST"): Endpoint(QUERY_ROLES, ways=("token",), body={}),
    ("research_api.run_query", "POST"): Endpoint(QUERY_ROLES, ways=("token",), body={}),
    ("research_api.budget", "GET"): Endpoint(QUERY_ROLES, ways=("token",)),
    ("research_api.get_release", "GET"): Endpoint(QUERY_ROLES, ways=("token",),
                                                  values={"release_id": "unknown"}),
    # Published figures: prevention officer, OR and GOR; the dashboards call these from the browser.
    ("analytics_api.trends", "GET"): Endpoint(READ_ROLES, ways=("session", "token"), values=ANALYTICS),
    ("analytics_api.checks", "GET"): Endpoint(READ_ROLES, ways=("session", "token"),
                                              values={"organisation": ORGANISATION}),
    ("analytics_api.benchmarks", "GET"): Endpoint(READ_ROLES, ways=("session", "token"),
                                                  values={"organisation": ORGANISATION,
                                                          "year": THIS_MONTH.year}),
    # The preventiemedewerker's dashboard: that role only. plotly.js and the stylesheet are
    # public files (no figures in them).
    ("prevention.index", "GET"): Endpoint(_only(PREVENTION)),
    ("prevention.units", "GET"): Endpoint(_only(PREVENTION)),
    ("prevention.benchmarks", "GET"): Endpoint(_only(PREVENTION)),
    ("prevention.follow_up", "GET"): Endpoint(_only(PREVENTION)),
    # The action register (PDCA): kept by the prevention officer; unknown ids are a 404.
    ("prevention.actions", "GET"): Endpoint(_only(PREVENTION)),
    ("prevention.add_action", "POST"): Endpoint(_only(PREVENTION), body={}),
    ("prevention.update_action", "POST"): Endpoint(_only(PREVENTION),
                                                   values={"action_id": "unknown"}, body={}),
    ("prevention.remove_action", "POST"): Endpoint(_only(PREVENTION),
                                                   values={"action_id": "unknown"}, body={}),
    ("prevention.csv", "GET"): Endpoint(_only(PREVENTION), values={"chart": "trend-aantal"}),
    ("prevention.plotly_js", "GET"): Endpoint(EVERYONE),
    ("prevention.plotly_css", "GET"): Endpoint(EVERYONE),
    ("prevention.static", "GET"): Endpoint(EVERYONE, values={"filename": "dashboard.css"}),
    # The works councils' portal: OR (own organisation) and GOR (all); Rijk totals GOR only.
    ("council.index", "GET"): Endpoint(COUNCILS),
    ("council.organisation", "GET"): Endpoint(COUNCILS, values={"code": ORGANISATION}),
    ("council.outcomes", "GET"): Endpoint(COUNCILS, values={"code": ORGANISATION}),
    ("council.month", "GET"): Endpoint(COUNCILS, values=COUNCIL_MONTH),
    ("council.month_file", "GET"): Endpoint(COUNCILS, values={**COUNCIL_MONTH, "fmt": "csv"}),
    ("council.report_file", "GET"): Endpoint(COUNCILS, values={"code": ORGANISATION,
                                                               "year": THIS_MONTH.year, "fmt": "json"}),
    ("council.report_page", "GET"): Endpoint(COUNCILS, values={"code": ORGANISATION,
                                                               "year": THIS_MONTH.year}),
    ("council.rijk_report_page", "GET"): Endpoint(_only(GOR), values={"year": THIS_MONTH.year}),
    ("council.rijk", "GET"): Endpoint(_only(GOR)),
    ("council.rijk_report_file", "GET"): Endpoint(_only(GOR), values={"year": THIS_MONTH.year,
                                                                       "fmt": "json"}),
    ("council.requests_list", "GET"): Endpoint(COUNCILS),
    ("council.request_form", "GET"): Endpoint(COUNCILS),
    ("council.request_preview", "POST"): Endpoint(COUNCILS, body={}),
    ("council.request_confirm", "POST"): Endpoint(COUNCILS, body={}),
    ("council.request_edit", "POST"): Endpoint(COUNCILS, body={}),
    ("council.request_detail", "GET"): Endpoint(COUNCILS, values={"release_id": "unknown"}),
    ("council.request_file", "GET"): Endpoint(COUNCILS, values={"release_id": "unknown", "fmt": "csv"}),
    ("council.verify_page", "GET"): Endpoint(COUNCILS),
    ("council.verify_page", "POST"): Endpoint(COUNCILS, body={}),
    ("council.audit_log", "GET"): Endpoint(COUNCILS),
    ("council.audit_log_json", "GET"): Endpoint(COUNCILS),
    ("council.static", "GET"): Endpoint(EVERYONE, values={"filename": "council.css"}),
    # The researchers' workspace: researchers only; the API documentation is public.
    ("research.index", "GET"): Endpoint(_only(RESEARCHER)),
    ("research.edit", "POST"): Endpoint(_only(RESEARCHER), body={}),
    ("research.preview", "POST"): Endpoint(_only(RESEARCHER), body={}),
    ("research.run", "POST"): Endpoint(_only(RESEARCHER), body={}),
    ("research.release", "GET"): Endpoint(_only(RESEARCHER), values={"release_id": "unknown"}),
    ("research.download", "GET"): Endpoint(_only(RESEARCHER), values={
        "release_id": "unknown", "name": "unknown", "extension": "json"}),
    ("research.api_docs_page", "GET"): Endpoint(EVERYONE),
    ("research.static", "GET"): Endpoint(EVERYONE, values={"filename": "research.css"}),
    # Administration: admins only; empty forms and unknown ids change nothing.
    ("admin.index", "GET"): Endpoint(_only(ADMIN)),
    ("admin.users", "GET"): Endpoint(_only(ADMIN)),
    ("admin.new_user", "GET"): Endpoint(_only(ADMIN)),
    ("admin.new_user", "POST"): Endpoint(_only(ADMIN), body={}),
    ("admin.user", "GET"): Endpoint(_only(ADMIN), values={"account_id": "unknown"}),
    ("admin.set_active", "POST"): Endpoint(_only(ADMIN), values={"account_id": "unknown"}, body={}),
    ("admin.change_role", "POST"): Endpoint(_only(ADMIN), values={"account_id": "unknown"}, body={}),
    ("admin.reset_password", "POST"): Endpoint(_only(ADMIN), values={"account_id": "unknown"}, body={}),
    ("admin.reset_second_factor", "POST"): Endpoint(_only(ADMIN), values={"account_id": "unknown"},
                                                    body={}),
    ("admin.create_token", "POST"): Endpoint(_only(ADMIN), values={"account_id": "unknown"}, body={}),
    ("admin.revoke_token", "POST"): Endpoint(_only(ADMIN), values={"account_id": "unknown",
                                                                   "token_id": "unknown"}, body={}),
    ("admin.budgets", "GET"): Endpoint(_only(ADMIN)),
    ("admin.set_budget", "POST"): Endpoint(_only(ADMIN), body={}),
    ("admin.approvals", "GET"): Endpoint(_only(ADMIN)),
    ("admin.approve", "POST"): Endpoint(_only(ADMIN), values={"approval_id": "unknown"}, body={}),
    ("admin.reject", "POST"): Endpoint(_only(ADMIN), values={"approval_id": "unknown"}, body={}),
    ("admin.audit_log", "GET"): Endpoint(_only(ADMIN)),
    ("admin.contacts", "GET"): Endpoint(_only(ADMIN)),
    ("admin.add_contact", "POST"): Endpoint(_only(ADMIN), values={"organisation": ORGANISATION}, body={}),
    ("admin.edit_contact", "GET"): Endpoint(_only(ADMIN), values=CONTACT),
    ("admin.edit_contact", "POST"): Endpoint(_only(ADMIN), values=CONTACT, body={}),
    ("admin.remove_contact", "POST"): Endpoint(_only(ADMIN), values=CONTACT, body={}),
    ("admin.organisation", "GET"): Endpoint(_only(ADMIN)),
    ("admin.upload_organisation", "POST"): Endpoint(_only(ADMIN), body={}),
    ("admin.confirm_organisation", "POST"): Endpoint(_only(ADMIN), body={}),
    ("admin.static", "GET"): Endpoint(EVERYONE, values={"filename": "admin.css"}),
}


# -- the callers --------------------------------------------------------------------------


@dataclass
class Callers:
    """One signed-in test client and one API token per role, plus an anonymous client."""

    app: Flask
    sessions: dict[str, FlaskClient] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)

    def client(self, who: str) -> FlaskClient:
        return self.sessions[who]

    def fresh_session(self, who: str) -> FlaskClient:
        # For requests that end the session (logout): never spoil the shared client.
        client = self.app.test_client()
        if who != ANONYMOUS:
            _sign_in(client, f"matrix-{who}", self.passwords[who])
        return client


def _sign_in(client: FlaskClient, username: str, password: str) -> None:
    response = client.post(LOGIN_PATH, data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.fixture(scope="module")
def callers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callers]:
    data = tmp_path_factory.mktemp("role-matrix")
    app = create_app({
        "database_url": f"sqlite:///{data / 'matrix.db'}", "mode": "test",
        "master_secret": MASTER_SECRET, "data_dir": str(Path(data) / "data"),
        "secret_key": "matrix-secret", "secure_cookies": False, "csrf": False,
        "login_rate_limit": "1000 per minute", "meldknop_rate_limit": "1000 per minute",
    })
    services = app.extensions["signal_registry"]
    upgrade(services.db.engine)
    services.replace_org(parse_org_csv((FIXTURES / "org-small.csv").read_text()))
    found = Callers(app=app)
    found.sessions[ANONYMOUS] = app.test_client()
    found.tokens[ANONYMOUS] = {}
    for role in Role:
        organisation = ORGANISATION if role.needs_organisation else None
        principal, password = services.accounts.create_user(
            f"matrix-{role.value}", role.value, organisation=organisation,
            default_channel="vp_intern" if role is Role.ADVISER else None,
            project="matrix" if role is Role.RESEARCHER else None)
        if role in (Role.RESEARCHER, Role.WORKS_COUNCIL, Role.CENTRAL_WORKS_COUNCIL,
                    Role.PREVENTION_OFFICER):
            # A share of this year's cap, as an administrator gives it.
            services.ledger.set_budget(consumer_for(principal), Month.current().year, "0.05")
        token = services.accounts.create_token(principal.account_id, "matrix")
        found.tokens[role.value] = {"Authorization": f"Bearer {token}"}
        found.passwords[role.value] = password
        client = app.test_client()
        _sign_in(client, principal.username, password)
        found.sessions[role.value] = client
    yield found
    services.db.dispose()


def _rules(app: Flask) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_endpoint_in_the_app_has_reviewed_expectations(callers: Callers) -> None:
    in_app = _rules(callers.app)
    missing = sorted(in_app - set(EXPECTED))
    stale = sorted(set(EXPECTED) - in_app)
    assert not missing, f"Endpoints without a row in the role matrix (decide who may use them): {missing}"
    assert not stale, f"Rows in the role matrix for endpoints that no longer exist: {stale}"


def _url(app: Flask, endpoint: str, spec: Endpoint) -> str:
    with app.test_request_context():
        return url_for(endpoint, **spec.values)


def _call(callers: Callers, who: str, way: str, method: str, url: str, spec: Endpoint) -> Any:
    if way == "token":
        client = callers.app.test_client()
        return client.open(url, method=method, headers={**callers.tokens[who], "Accept": "application/json"},
                           json=spec.body if method != "GET" else None)
    if spec.ends_session:
        response = callers.fresh_session(who).open(url, method=method, data=spec.body)
        if who != ANONYMOUS:
            # Logging out ends every session of the account: sign the shared client in again.
            _sign_in(callers.client(who), f"matrix-{who}", callers.passwords[who])
        return response
    client = callers.client(who)
    if spec.json_body:
        return client.open(url, method=method, json=spec.body if method != "GET" else None)
    return client.open(url, method=method, data=spec.body if method != "GET" else None)


def _verdict(response: Any) -> str:
    status = response.status_code
    if status >= 500:
        return f"broken ({status})"
    if status in (401, 403):
        return "refused"
    if 300 <= status < 400:
        target = response.headers.get("Location", "")
        return "refused" if target.split("?", 1)[0].endswith(LOGIN_PATH) else "allowed"
    if status < 300 or status in INPUT_STATUSES:
        return "allowed"
    return f"unexpected ({status})"


@pytest.mark.parametrize("endpoint,method", sorted(EXPECTED), ids=lambda v: str(v))
def test_only_the_designed_callers_get_through(callers: Callers, endpoint: str, method: str) -> None:
    spec = EXPECTED[(endpoint, method)]
    url = _url(callers.app, endpoint, spec)
    wrong = []
    for way in spec.ways:
        for who in CALLERS:
            response = _call(callers, who, way, method, url, spec)
            got = _verdict(response)
            want = "allowed" if who in spec.allowed else "refused"
            if got != want:
                wrong.append(f"{who} via {way}: {got}, expected {want} ({response.status_code})")
    assert not wrong, f"{method} {url}:\n" + "\n".join(wrong)


TOKEN_ONLY = sorted(key for key, spec in EXPECTED.items()
                    if spec.ways == ("token",) and ANONYMOUS not in spec.allowed)


@pytest.mark.parametrize("endpoint,method", TOKEN_ONLY, ids=lambda v: str(v))
def test_a_browser_session_alone_never_opens_a_token_only_endpoint(callers: Callers, endpoint: str,
                                                                   method: str) -> None:
    spec = EXPECTED[(endpoint, method)]
    url = _url(callers.app, endpoint, spec)
    for who in spec.allowed - {ANONYMOUS}:
        response = callers.client(who).open(url, method=method, json=spec.body if method != "GET" else None)
        assert response.status_code == 401, f"{who} with a session only: {response.status_code} on {url}"


PAGES = sorted(key for key, spec in EXPECTED.items()
               if spec.ways == ("session",) and ANONYMOUS not in spec.allowed)


@pytest.mark.parametrize("endpoint,method", PAGES, ids=lambda v: str(v))
def test_an_api_token_alone_never_opens_a_page(callers: Callers, endpoint: str, method: str) -> None:
    spec = EXPECTED[(endpoint, method)]
    url = _url(callers.app, endpoint, spec)
    for who in spec.allowed:
        response = _call(callers, who, "token", method, url, spec)
        assert _verdict(response) == "refused", f"{who} with a token only: {response.status_code} on {url}"


OTHER = "MIN-B"
ELSEWHERE = [
    (PREVENTION, "session", "prevention.index", {"organisation": OTHER}),
    (PREVENTION, "session", "prevention.csv", {"chart": "trend-aantal", "organisation": OTHER}),
    (PREVENTION, "token", "analytics_api.checks", {"organisation": OTHER}),
    (OR, "session", "council.organisation", {"code": OTHER}),
    (OR, "session", "council.month", {**COUNCIL_MONTH, "code": OTHER}),
    (OR, "session", "council.month_file", {**COUNCIL_MONTH, "code": OTHER, "fmt": "csv"}),
    (OR, "session", "council.report_file", {"code": OTHER, "year": THIS_MONTH.year, "fmt": "json"}),
    (OR, "token", "analytics_api.trends", {**ANALYTICS, "organisation": OTHER}),
]


@pytest.mark.parametrize("who,way,endpoint,values", ELSEWHERE, ids=lambda v: str(v))
def test_an_organisation_bound_role_is_refused_another_organisations_figures(
        callers: Callers, who: str, way: str, endpoint: str, values: dict[str, Any]) -> None:
    url = _url(callers.app, endpoint, Endpoint(EVERYONE, values=values))
    if way == "token":
        response = callers.app.test_client().get(url, headers=callers.tokens[who])
    else:
        response = callers.client(who).get(url)
    assert response.status_code == 403, f"{who} on {url}: {response.status_code}"


def test_the_central_works_council_may_see_every_organisation(callers: Callers) -> None:
    url = _url(callers.app, "council.organisation", Endpoint(EVERYONE, values={"code": OTHER}))
    assert callers.client(GOR).get(url).status_code == 200
