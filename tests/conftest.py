"""Shared fixtures: an app per test on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.

Every test that uses ``app`` runs once per database backend, on a database of its own. Each
pytest process (each xdist worker) runs the migrations once and a test whose fixtures include
``app`` starts from the result: a copy of a migrated SQLite file in its tmp_path, or on
PostgreSQL the worker's migrated schema, emptied after each test (``tests/databases.py`` says
why and how). The ``app`` fixture still runs the upgrade, as ``init-db`` does, and finds the
schema at head. Other tests (the command line's ``init-db``, say) get an empty database, on
PostgreSQL a schema of their own, dropped afterwards; so does every test marked
``migrates_from_scratch``, which a test about migrations is by its name.

When ``REQUIRE_POSTGRES=1`` (CI), a missing PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest

from privacy.consumers import consumer_for
from registry.accounts import Role
from registry.organisations import parse_org_csv
from registry.periods import Month
from server.app import create_app
from server.migrations import upgrade
from tests.databases import PostgresSchemas, copy_sqlite_file, migrated_sqlite_file

FIXTURES = Path(__file__).parent / "fixtures"
MASTER_SECRET = "ab" * 32
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_SHARE = Fraction("0.5")
SHARE_ROLES = (Role.RESEARCHER, Role.WORKS_COUNCIL, Role.CENTRAL_WORKS_COUNCIL,
               Role.PREVENTION_OFFICER)
PG_SKIP_REASON = "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"


# Tests of migrations need them to run, so they start from an empty database: every test whose
# module or name speaks of migrations.
ABOUT_MIGRATIONS = re.compile(r"migrat")
FROM_SCRATCH = "migrates_from_scratch"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{FROM_SCRATCH}: the test's database starts empty, not as a migrated copy")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if ABOUT_MIGRATIONS.search(item.path.name) or ABOUT_MIGRATIONS.search(item.name):
            item.add_marker(FROM_SCRATCH)


def _starts_migrated(request: pytest.FixtureRequest) -> bool:
    """A test that uses ``app`` gets a migrated copy: the fixture would migrate it anyway."""
    return "app" in request.fixturenames and request.node.get_closest_marker(FROM_SCRATCH) is None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite_file(tmp_path_factory.mktemp("template") / "schema.db")


@pytest.fixture(scope="session")
def postgres_schemas() -> Iterator[PostgresSchemas]:
    schemas = PostgresSchemas(PG_URL)
    yield schemas
    schemas.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        if _starts_migrated(request):
            copy_sqlite_file(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    if not PG_URL:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip(PG_SKIP_REASON)
    schemas: PostgresSchemas = request.getfixturevalue("postgres_schemas")
    if _starts_migrated(request):
        try:
            yield schemas.lend()
        finally:
            schemas.give_back()
        return
    with schemas.empty_schema() as url:
        yield url


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
    upgrade(services.db.engine)  # as init-db does; on a template copy it finds the schema at head
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
