"""A real, seeded instance of the app served over HTTP on 127.0.0.1, for the browser tests.

Built once per test session: a temporary SQLite database (fast; the PostgreSQL runs belong to the
other suites), CSRF on as in production, the small organisation fixture, one account of every
role (the councils, the prevention officer and the researcher's project with a share of the cap,
as an administrator would give), synthetic signals in every month of last year and more in the
last few months, and the release plan published for both years, so that every dashboard and
the signalenrapportage have released figures to draw. The last month is also published the
earlier way, as an archived monthly publication (its page and downloads stay readable).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from privacy.consumers import consumer_for, publication_consumer
from registry.accounts import Role
from registry.organisations import parse_org_csv
from registry.periods import Month
from server.app import create_app
from server.migrations import upgrade
from tests.conftest import FIXTURES, MASTER_SECRET, SHARE_ROLES, TEST_SHARE
from tests.privacy.test_publication import seed

ORGANISATION = "MIN-A"
PUBLISHED_MONTHS = 4
# Signals per unit and month; five units get them (see ``seed``), enough for visible bars.
SIGNALS_PER_UNIT = 40
# Last year's months get fewer, as a quieter year would.
SIGNALS_PER_UNIT_LAST_YEAR = 8
RESEARCH_PROJECT = "browser-project"
# An archived monthly publication costs rho 0.32 (epsilon 0.8), more than the default cap of a
# data year (rho 0.311064): the session raises the cap as the unit tests do (tests/conftest.py).
CAP_EPSILON = "40"
ARCHIVE_SHARE = 2


@dataclass(frozen=True)
class Account:
    role: Role
    username: str
    password: str
    organisation: str | None


@dataclass
class LiveApp:
    """The running server: its base URL, its app (for services) and one account per role."""

    url: str
    app: Flask
    accounts: dict[Role, Account]
    published: list[Month]
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def services(self) -> Any:
        return self.app.extensions["signal_registry"]

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self.services.db.dispose()


def published_months(last: Month | None = None) -> list[Month]:
    """The months the session publishes: the last few complete months, oldest first."""
    end = last or Month.current().add(-1)
    return [end.add(-k) for k in range(PUBLISHED_MONTHS - 1, -1, -1)]


def build_app(data_dir: Path) -> Flask:
    app = create_app({
        "database_url": f"sqlite:///{data_dir / 'browser.db'}",
        "mode": "test",
        "master_secret": MASTER_SECRET,
        "data_dir": str(data_dir / "data"),
        "secret_key": "browser-test-secret-key",
        "secure_cookies": False,
        # Every test signs in through the login form; the per-username limit is not under test here.
        "login_rate_limit": "1000 per minute",
        # Signed-in states are reused for the whole run, which may outlast the idle timeout.
        "session_idle_minutes": 24 * 60,
        "privacy_cap_epsilon": CAP_EPSILON,
    })
    services = app.extensions["signal_registry"]
    upgrade(services.db.engine)
    services.replace_org(parse_org_csv((FIXTURES / "org-small.csv").read_text()))
    return app


def create_accounts(services: Any) -> dict[Role, Account]:
    accounts = {}
    for role in Role:
        organisation = ORGANISATION if role.needs_organisation else None
        username = f"browser-{role.value}"
        principal, password = services.accounts.create_user(
            username, role.value, organisation=organisation,
            default_channel="vp_intern" if role is Role.ADVISER else None,
            project=RESEARCH_PROJECT if role is Role.RESEARCHER else None)
        if role in SHARE_ROLES:
            this_year = Month.current().year
            for year in (this_year - 1, this_year):
                services.ledger.ensure_budget(consumer_for(principal), year, TEST_SHARE)
        accounts[role] = Account(role, username, password, organisation)
    return accounts


def seed_and_publish(services: Any, months: list[Month]) -> None:
    last = months[-1]
    years = sorted({last.year - 1, *(m.year for m in months)})
    for month in range(1, 13):
        if Month(years[0], month) not in months:
            seed(services, Month(years[0], month), n=SIGNALS_PER_UNIT_LAST_YEAR)
    for month in months:
        seed(services, month, n=SIGNALS_PER_UNIT)
    services.plans.publish_due(years)
    publications = services.publications
    for organisation in ("MIN-A", "MIN-B"):
        services.ledger.ensure_budget(publication_consumer(organisation), last.year,
                                      ARCHIVE_SHARE)
        publications.publish(organisation, last)


def start(data_dir: Path) -> LiveApp:
    app = build_app(data_dir)
    services = app.extensions["signal_registry"]
    accounts = create_accounts(services)
    months = published_months()
    seed_and_publish(services, months)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-app", daemon=True)
    thread.start()
    return LiveApp(url=f"http://127.0.0.1:{server.server_port}", app=app, accounts=accounts,
                   published=months, _server=server, _thread=thread)
