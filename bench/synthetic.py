"""Synthetic registry data for benchmarks: an organisation of about 200 units and N signals.

Written straight into the registry schema with Core executemany inserts (no ORM objects), so a
million signals take seconds rather than minutes. Shapes are plausible, not realistic: units get
signals in proportion to headcount, about half the signals belong to a case of 1 to 8 contacts,
and most signals carry one category.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, insert, select

from registry.models import Signal, SignalCategory, Unit
from registry.organisations import OrgStructure, OrgUnit
from registry.taxonomy import Taxonomy

CHUNK = 50_000


def synthetic_org(rng: random.Random, n_ministries: int = 4) -> OrgStructure:
    """Ministries > directorates-general > directorates > departments; about 200 units."""
    units: list[OrgUnit] = []
    for m in range(n_ministries):
        root = f"MIN{m}"
        dgs = []
        for g in range(4):
            dg = f"{root}-DG{g}"
            directorates = []
            for d in range(4):
                code = f"{dg}-D{d}"
                # Departments of 20 to 400 FTE; a third fall below the usual threshold of 50.
                departments = [
                    OrgUnit(f"{code}-A{a}", f"Afdeling {a}", code, root, rng.choice(
                        [rng.randint(20, 49), rng.randint(50, 400), rng.randint(50, 400)]))
                    for a in range(2)
                ]
                own = rng.randint(5, 40)
                directorates.append((OrgUnit(code, f"Directie {d}", dg, root,
                                             own + sum(u.headcount for u in departments)),
                                     departments))
            own = rng.randint(10, 60)
            head = own + sum(d.headcount for d, _ in directorates)
            dgs.append((OrgUnit(dg, f"DG {g}", root, root, head), directorates))
        total = rng.randint(50, 200) + sum(g.headcount for g, _ in dgs)
        units.append(OrgUnit(root, f"Ministerie {m}", None, root, total))
        for dg_unit, directorates in dgs:
            units.append(dg_unit)
            for d_unit, departments in directorates:
                units.append(d_unit)
                units.extend(departments)
    return OrgStructure(tuple(units))


def _signals(
    rng: random.Random, org: OrgStructure, taxonomy: Taxonomy, n: int, year: int
) -> Iterator[tuple[dict[str, object], list[str]]]:
    units = list(org.units)
    weights = [u.headcount for u in units]
    categories = taxonomy.codes("categories")
    fields = {name: taxonomy.codes(name)
              for name in ("channel", "implicated_party", "reporter_role", "follow_up")}
    produced, case_no = 0, 0
    while produced < n:
        unit = rng.choices(units, weights)[0]
        if rng.random() < 0.5:
            case_no += 1
            pseudonym = f"v1:case:{year}:{rng.getrandbits(256):064x}"
            size = min(n - produced, 1 + int(rng.expovariate(1 / 1.5)) % 8)
        else:
            pseudonym, size = None, 1
        for _ in range(size):
            n_cat = rng.choices([1, 2, 3, 4, 5], [70, 20, 7, 2, 1])[0]
            row = {
                "id": f"{rng.getrandbits(128):032x}",
                "period": f"{year:04d}-{rng.randint(1, 12):02d}",
                "organisation": unit.organisation,
                "unit": unit.code,
                "case_pseudonym": pseudonym,
                "receipt_hash": None,
                "taxonomy_version": taxonomy.version,
                **{name: rng.choice(codes) for name, codes in fields.items()},
            }
            yield row, rng.sample(categories, n_cat)
            produced += 1


def build_database(
    path: Path, taxonomy: Taxonomy, n_signals: int, *, seed: int = 2026, year: int = 2025
) -> tuple[Engine, OrgStructure]:
    """Create (or reuse, when it already holds ``n_signals``) a SQLite file with synthetic data."""
    from server.migrations import upgrade  # the one way the schema is made

    rng = random.Random(seed)
    org = synthetic_org(rng)
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        existing = conn.scalar(select(func.count()).select_from(Signal)) or 0
    if existing == n_signals:
        return engine, org
    with engine.begin() as conn:
        conn.execute(SignalCategory.__table__.delete())
        conn.execute(Signal.__table__.delete())
        conn.execute(Unit.__table__.delete())
        ordered = sorted(org.units, key=lambda u: org.depth(u.code))
        conn.execute(insert(Unit), [
            {"code": u.code, "name": u.name, "parent": u.parent,
             "organisation": u.organisation, "headcount": u.headcount} for u in ordered])
        rows: list[dict[str, object]] = []
        cats: list[dict[str, object]] = []
        for row, categories in _signals(rng, org, taxonomy, n_signals, year):
            rows.append(row)
            cats.extend({"signal_id": row["id"], "category": c} for c in categories)
            if len(rows) >= CHUNK:
                conn.execute(insert(Signal), rows)
                conn.execute(insert(SignalCategory), cats)
                rows, cats = [], []
        if rows:
            conn.execute(insert(Signal), rows)
            conn.execute(insert(SignalCategory), cats)
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    return engine, org
