"""The documented tables of budgets and noise say what the code declares.

The monthly publication's table in ``analytics.published``'s docstring is rendered from
``privacy.standard_tables`` (``python -m privacy.tables_doc`` prints it); the release plan's
table in docs/privacy-guarantee.md and the budgets named in docs/analytics.md are checked
against ``privacy.plan``. A new or changed table fails here until its documents follow.
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest

import analytics.published
from privacy.contributions import ContributionBounds
from privacy.plan import PLAN_RHO, PLAN_TABLES, Part, plan_table
from privacy.tables_doc import budget_sentence, standard_tables_rst
from registry.taxonomy import load_taxonomy

DOCS = Path(__file__).resolve().parents[2] / "docs"
RELEASED = {"after the year": Part.YEAR, "as each half year closes": Part.HALF,
            "as each quarter closes": Part.QUARTER, "as each month closes": Part.MONTH}
Z95 = 1.96


def test_the_docstring_table_of_standard_tables_is_the_rendered_one() -> None:
    doc = analytics.published.__doc__ or ""
    table = standard_tables_rst(load_taxonomy(), ContributionBounds())
    assert table in doc, f"analytics/published.py's table is not:\n{table}"
    assert budget_sentence() in " ".join(doc.split())


def _plan_rows() -> list[list[str]]:
    text = (DOCS / "privacy-guarantee.md").read_text(encoding="utf-8")
    header = "| Table | Released | rho | 95% margin per cell |"
    lines = text[text.index(header):].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_every_plan_table_is_in_the_privacy_guarantee_with_its_rho() -> None:
    """Each row is one table, or several of the same rho ("0.02 each", one per listed item)."""
    documented: Counter[tuple[Part, Fraction]] = Counter()
    for description, released, rho, _margin in _plan_rows():
        value, _, each = rho.partition(" ")
        tables = description.count(", ") + 1 if each == "each" else 1
        documented[(RELEASED[released], Fraction(value))] += tables
    declared = Counter((t.part, t.rho) for t in PLAN_TABLES)
    assert documented == declared


@pytest.mark.parametrize("row", _plan_rows(), ids=lambda row: row[0][:40])
def test_each_documented_margin_follows_from_its_rho(row: list[str]) -> None:
    rho = Fraction(row[2].split()[0])
    sigma = 1 / math.sqrt(2 * float(rho))  # sensitivity 1: rho = 1 / (2 sigma^2)
    assert row[3] == f"+-{Z95 * sigma:.1f}"


def test_the_plans_total_rho_is_what_the_documents_say() -> None:
    text = " ".join((DOCS / "privacy-guarantee.md").read_text(encoding="utf-8").split())
    total = f"{float(PLAN_RHO):g}"
    assert f"The release plan takes rho {total} of each year" in text
    assert f"so the plan still takes {total}." in text


def test_the_directie_table_budget_in_docs_analytics_is_the_plans() -> None:
    text = " ".join((DOCS / "analytics.md").read_text(encoding="utf-8").split())
    rho = plan_table("directie_category").rho
    assert f"a table that can spend rho {float(rho):g};" in text
