"""Setting up the demo: a fictional Rijk, synthetic signals and one account per role.

Idempotent: a database that already holds units keeps them, one that holds signals keeps them;
a second run only gives the demo accounts fresh passwords and fresh API tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import func, inspect, select, table

from registry.accounts import Role
from registry.db import Database
from registry.errors import Conflict, NotFound
from registry.models import InstanceFact
from registry.passwords import generate_password
from registry.periods import Month
from server.container import Services
from server.demo_contacts import ensure_demo_contacts
from server.demo_data import DEFAULT_SEED, Hotspot, demo_org, demo_signals

# The adviser, preventiemedewerker and OR accounts see this ministry; it has a planted hotspot.
DEMO_ORGANISATION = "BFZ"
DEMO_TOKEN_LABEL = "demo"  # noqa: S105 - a label shown next to the token, not a secret
# (username, role, gets an API token)
DEMO_ACCOUNTS: tuple[tuple[str, Role, bool], ...] = (
    ("demo-adviseur", Role.ADVISER, True),
    ("demo-preventiemedewerker", Role.PREVENTION_OFFICER, False),
    ("demo-or", Role.WORKS_COUNCIL, False),
    ("demo-gor", Role.CENTRAL_WORKS_COUNCIL, False),
    ("demo-onderzoeker", Role.RESEARCHER, True),
    ("demo-beheerder", Role.ADMIN, False),
    # A second administrator, to approve what the first proposes (registry.approvals).
    ("demo-beheerder-2", Role.ADMIN, False),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    organisation: str | None
    password: str
    token: str | None


@dataclass(frozen=True)
class DemoSetup:
    created_org: bool
    created_signals: int
    units: int
    headcount: int
    signals: int
    first_month: Month | None
    hotspots: tuple[Hotspot, ...] = ()
    accounts: tuple[DemoAccount, ...] = field(default=())


# The fact the demo writes into a database it creates, before anything else.
DEMO_FACT = InstanceFact(name="created_by", value="demo")
# Tables that hold no one's data: the schema's version and the facts themselves.
_BOOKKEEPING = frozenset({"alembic_version", "instance_facts"})


def check_demo_database(db: Database) -> None:
    """Refuse a database that holds data the demo did not put there, before touching it.

    The demo resets passwords, revokes tokens and adds synthetic signals: pointed at a real
    registry (``--database-url``, a reused data folder), it would do that to real accounts and
    mix invented signals into real figures. A database with no tables or only empty ones is
    fine; so is one with the demo's fact (``DEMO_FACT``). Reads only: nothing is changed, not
    even the schema version, until this has passed.
    """
    tables = set(inspect(db.engine).get_table_names())
    with db.engine.connect() as connection:
        if "instance_facts" in tables:
            made_by = connection.scalar(
                select(InstanceFact.value).where(InstanceFact.name == DEMO_FACT.name))
            if made_by == DEMO_FACT.value:
                return
        filled = sorted(name for name in tables - _BOOKKEEPING
                        if connection.scalar(select(func.count()).select_from(table(name))))
    if filled:
        raise Conflict(
            "Deze database is niet door de demo gemaakt en bevat al gegevens (tabellen: "
            f"{', '.join(filled[:5])}{', ...' if len(filled) > 5 else ''}); de demo laat "
            "haar ongemoeid. Start de demo met een lege database of een eigen map "
            "(SIGNAL_REGISTRY_DATA_DIR). Er is niets veranderd.")


def setup_demo(services: Services, months: int = 24, seed: int = DEFAULT_SEED) -> DemoSetup:
    """Load the demo data unless present and (re)set the demo accounts. Schema must exist.

    Refuses (``check_demo_database``) a database with data the demo did not make, and marks a
    database it takes as its own with ``DEMO_FACT`` before it writes anything else.
    """
    check_demo_database(services.db)
    with services.db.session() as session:
        session.merge(InstanceFact(name=DEMO_FACT.name, value=DEMO_FACT.value))
    created_org = not services.org().units
    if created_org:
        services.replace_org(demo_org(seed))
    org = services.org()
    created, hotspots = 0, tuple[Hotspot, ...]()
    if services.signals.count() == 0:
        records, spots = demo_signals(org, months=months, seed=seed)
        # One transaction on purpose: a first run broken off half-way leaves no signals at all,
        # so the next run starts over instead of keeping a partial history (a few thousand
        # rows; one store_many takes well under a second).
        services.signals.store_many(records, receipts=False)
        created, hotspots = len(records), tuple(spots)
    # Where the meldknop sends people: every organisation has a (fictional) list.
    ensure_demo_contacts(services.db, org)
    organisation = (DEMO_ORGANISATION if DEMO_ORGANISATION in org
                    else org.organisations[0].code)
    return DemoSetup(
        created_org=created_org,
        created_signals=created,
        units=len(org.units),
        headcount=org.total_headcount,
        signals=services.signals.count(),
        first_month=Month.current().add(-(months - 1)) if created else None,
        hotspots=hotspots,
        accounts=tuple(_demo_accounts(services, organisation)),
    )


DEMO_PROJECT = "demo-project"
# Shares (rho) of each data year's cap the demo allocates, as an administrator would; with the
# plan's 0.226 they stay within the default cap of 0.311064.
DEMO_SHARES: tuple[tuple[str, Fraction], ...] = (
    ("gor", Fraction("0.02")),
    ("or:{org}", Fraction("0.02")),
    ("preventie:{org}", Fraction("0.01")),
    (f"research:{DEMO_PROJECT}", Fraction("0.02")),
)


@dataclass(frozen=True)
class DemoPublication:
    published: int
    already: int


def publish_demo(services: Services, focus: str, focus_months: int, other_months: int,
                 echo: Callable[[str], None] = lambda _line: None) -> DemoPublication:
    """Publish what the release plan holds for the last completed data year and the running
    one, for every organisation at once, so every page and the report have figures.

    Also gives the demo's consumers a share of each year's cap (``DEMO_SHARES``), as an
    administrator would, so the council's requests and the researcher's queries can be tried.
    Periods already published are kept: a second run publishes nothing. ``focus``,
    ``focus_months`` and ``other_months`` are kept for the command line's sake: the plan
    publishes every organisation alike, and publishes nothing when ``focus_months`` is 0.
    """
    if focus_months <= 0:
        return DemoPublication(0, 0)
    plans = services.plans
    last_closed = Month.current().add(-1)
    years = (last_closed.year - 1, last_closed.year)
    for year in years:
        for consumer, rho in DEMO_SHARES:
            services.ledger.ensure_budget(consumer.format(org=focus), year, rho)
    before = len(plans.index())
    made = plans.publish_due(years, echo=echo)
    return DemoPublication(len(made), before)


def _demo_accounts(services: Services, organisation: str) -> list[DemoAccount]:
    accounts = services.accounts
    tokens_by_user = {u["username"]: u["tokens"] for u in accounts.list_users()}
    out = []
    for username, role, wants_token in DEMO_ACCOUNTS:
        scope = organisation if role.needs_organisation else None
        try:
            principal = accounts.by_username(username)
        except NotFound:
            principal, password = accounts.create_user(
                username, role.value, organisation=scope,
                default_channel="vp_intern" if role is Role.ADVISER else None,
                project=DEMO_PROJECT if role is Role.RESEARCHER else None,
            )
        else:
            password = generate_password()
            accounts.set_password(principal.account_id, password)
            accounts.set_active(principal.account_id, True)
        token = None
        if wants_token:
            # Earlier runs' demo tokens stop working: only the printed one is valid.
            for old in tokens_by_user.get(username, []):  # type: ignore[attr-defined]
                if old["label"] == DEMO_TOKEN_LABEL and not old["revoked"]:
                    accounts.revoke_token(old["id"])
            # Made by the demo for its own accounts: no notice to show at every sign-in.
            token = accounts.create_token(principal.account_id, DEMO_TOKEN_LABEL, notify=False)
        out.append(DemoAccount(username, role, principal.organisation, password, token))
    return out


def format_credentials(setup: DemoSetup, url: str) -> str:
    """What the demo prints: what was loaded, where to go, and how to sign in."""
    lines = []
    if setup.created_signals:
        # No counts of signals here or below: the demo shows how the product speaks, and the
        # product never states an exact number of signals outside a noisy release.
        lines.append(f"Generated synthetic signals from {setup.first_month} to "
                     f"{Month.current()}.")
        for spot in setup.hotspots:
            lines.append(f"  planted hotspot: {spot.unit} {spot.category} x{spot.factor:g} "
                         f"from {spot.start} for {spot.months} months")
    else:
        lines.append("Reusing the existing demo data.")
    lines.append(f"Demo organisation: {setup.units} units, {setup.headcount} FTE.")
    lines += ["", f"Open {url} and sign in as (passwords are new on every run):", ""]
    rows = [("role", "username", "password")] + [
        (a.role.value + (f" ({a.organisation})" if a.organisation else ""), a.username,
         a.password) for a in setup.accounts
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
              for row in rows]
    lines += ["", "API tokens (header 'Authorization: Bearer <token>'):"]
    lines += [f"  {a.username.ljust(widths[1])}  {a.token}" for a in setup.accounts if a.token]
    lines += ["", "Synthetic data only: no real person or organisation is in it."]
    return "\n".join(lines)
