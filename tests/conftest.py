"""Shared fixtures: an app per test on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.

Every test that uses ``app`` runs once per database backend. PostgreSQL tests get a schema of
their own, dropped afterwards. When ``REQUIRE_POSTGRES=1`` (CI), a missing PostgreSQL fails the
run instead of skipping it.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, text

from privacy.consumers import consumer_for
from registry.accounts import Role
from registry.organisations import parse_org_csv
from registry.periods import Month
from server.app import create_app
from server.migrations import upgrade

FIXTURES = Path(__file__).parent / "fixtures"
MASTER_SECRET = "ab" * 32
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_SHARE = Fraction("0.5")
SHARE_ROLES = (Role.RESEARCHER, Role.WORKS_COUNCIL, Role.CENTRAL_WORKS_COUNCIL,
               Role.PREVENTION_OFFICER)
PG_SKIP_REASON = "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"


def _pg_schema_url(base: str, schema: str) -> str:
    parts = urlsplit(base)
    query = parts.query + ("&" if parts.query else "") + urlencode({"options": f"-csearch_path={schema}"})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _pg_engine_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not PG_URL:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip(PG_SKIP_REASON)
    schema = "t_" + secrets.token_hex(6)
    admin = create_engine(_pg_engine_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _pg_schema_url(PG_URL, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def settings_overrides(database_url: str, tmp_path: Path) -> dict[str, object]:
    return {
        "database_url": database_url,
        "mode": "test",
        "master_secret": MASTER_SECRET,
        "data_dir": str(tmp_path / "data"),
        "secret_key": "test-secret-key",
        "secure_cookies": False,
        # Room for the shares make_user gives (rho 13.8); tests of the default cap build their
        # own ledger or override this.
        "privacy_cap_epsilon": "40",
        # The meldknop's proof-of-work at 16 bits takes Python ~0.1 s; tests solve 4 bits.
        "meldknop_work_bits": 4,
    }


@pytest.fixture
def app(settings_overrides: dict[str, object]):  # type: ignore[no-untyped-def]
    app = create_app(settings_overrides)
    services = app.extensions["signal_registry"]
    upgrade(services.db.engine)
    services.replace_org(parse_org_csv((FIXTURES / "org-small.csv").read_text()))
    yield app
    services.db.dispose()


@pytest.fixture
def services(app):  # type: ignore[no-untyped-def]
    return app.extensions["signal_registry"]


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def make_user(services):  # type: ignore[no-untyped-def]
    """Create an account; returns (username, password)."""

    def _make(role: Role | str = Role.ADVISER, organisation: str | None = "MIN-A",
              username: str | None = None, default_channel: str | None = "vp_intern",
              share: Fraction | None = TEST_SHARE):
        role = Role(role)
        name = username or f"{role.value}-{secrets.token_hex(3)}"
        org = organisation if role.needs_organisation or organisation else None
        if role in (Role.CENTRAL_WORKS_COUNCIL, Role.RESEARCHER, Role.ADMIN) and username is None:
            org = None
        principal, password = services.accounts.create_user(
            name, role.value, organisation=org, default_channel=default_channel,
            project=("project-" + re.sub(r"[^a-z0-9-]", "-", name))[:64]
            if role is Role.RESEARCHER else None,
        )
        if share and role in SHARE_ROLES:
            # A consumer spends nothing without a share of the cap; give this year's and last
            # year's, as an administrator would.
            consumer = consumer_for(principal)
            this_year = Month.current().year
            for year in (this_year - 1, this_year):
                services.ledger.ensure_budget(consumer, year, share)
        return principal, password

    return _make


@pytest.fixture
def make_token(services, make_user):  # type: ignore[no-untyped-def]
    """Create an account with an API token; returns the bearer header dict."""

    def _make(role: Role | str = Role.ADVISER, organisation: str | None = "MIN-A") -> dict[str, str]:
        principal, _ = make_user(role, organisation)
        token = services.accounts.create_token(principal.account_id, "test")
        return {"Authorization": f"Bearer {token}"}

    return _make


@pytest.fixture
def login(client, make_user):  # type: ignore[no-untyped-def]
    """Sign a new account of ``role`` in on ``client`` (CSRF-enabled, as a browser would)."""

    def _login(role: Role | str = Role.ADVISER, organisation: str | None = "MIN-A"):
        principal, password = make_user(role, organisation)
        page = client.get("/login")
        token = _csrf_from(page.get_data(as_text=True))
        response = client.post("/login", data={"username": principal.username,
                                               "password": password, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        return principal

    return _login


def _csrf_from(html: str) -> str:
    marker = 'name="csrf_token" type="hidden" value="'
    if marker in html:
        return html.split(marker, 1)[1].split('"', 1)[0]
    marker = 'name="csrf_token" value="'
    return html.split(marker, 1)[1].split('"', 1)[0]


@pytest.fixture
def csrf_from():  # type: ignore[no-untyped-def]
    return _csrf_from
