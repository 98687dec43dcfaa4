"""The signalenrapportage on the command line: from the release plan, a signed report whose
HTML, XLSX, JSON and CSV hold the same figures, which are the plan's."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from analytics.report import COLUMNS, SELF_REPORT_FOLLOW_UPS, build_report
from dashboards.report_html import nl
from privacy.exports import result_cells, spreadsheet_safe, verify_release_file
from privacy.plan import RIJK, Dimension
from registry.periods import Month
from server.cli import cli
from tests.conftest import MASTER_SECRET
from tests.dashboards.test_council_pages import COMPLETE, RUNNING, publish_plan


@pytest.fixture
def run(services, database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {"DATABASE_URL": database_url, "SIGNAL_REGISTRY_MODE": "test",
           "SIGNAL_REGISTRY_MASTER_SECRET": MASTER_SECRET,
           "SIGNAL_REGISTRY_DATA_DIR": str(tmp_path / "data"),
           "SIGNAL_REGISTRY_MASTER_SECRET_FILE": ""}

    def _run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, list(args), env=env)

    return _run


def test_report_formats_agree_and_verify(run, services, tmp_path):
    years = publish_plan(services, years=(COMPLETE - 1, COMPLETE))
    py, previous = years[COMPLETE], years[COMPLETE - 1]
    out = tmp_path / "verslag"
    result = run("report", "--organisation", "MIN-A", "--year", str(COMPLETE),
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    stem = out / f"signalenrapportage-MIN-A-{COMPLETE}"
    paths = {ext: stem.with_suffix(f".{ext}") for ext in ("html", "xlsx", "json", "csv")}
    assert all(p.is_file() for p in paths.values())

    document = json.loads(paths["json"].read_text())["document"]
    assert document["epsilon_spent"] == "0"
    figures = document["result"]
    assert figures["kind"] == "signalenrapportage"
    tables = figures["tables"]
    assert {"zaken_totaal", "zaken_per_categorie", "zaken_per_kanaal", "zaken_per_betrokkene",
            "zaken_per_rol_melder", "zaken_per_opvolging", "zaken_per_gevolg",
            "verandering"} <= set(tables)
    assert "checks" not in figures

    # The report's figures are the plan's figures they cite, shown by the one display rule.
    expected = {"zaken_per_categorie": {c: py.category("MIN-A", c)
                                        for c in py.category_codes()},
                "zaken_per_kanaal": py.attribute(Dimension.CHANNEL, "MIN-A"),
                # the meldknop's own code is in no follow-up figure
                "zaken_per_opvolging": {c: e for c, e in py.attribute(
                    Dimension.FOLLOW_UP, "MIN-A").items() if c not in SELF_REPORT_FOLLOW_UPS},
                "zaken_per_gevolg": py.attribute(Dimension.IMPACT, "MIN-A"),
                "zaken_totaal": {"totaal": py.total("MIN-A")},
                "verandering": {"totaal": py.total("MIN-A") - previous.total("MIN-A")}}
    for key, estimates in expected.items():
        rows = {r["code"]: r for r in tables[key]}
        for code, estimate in estimates.items():
            row = rows[code]
            assert row["sd"] == pytest.approx(estimate.sd, abs=1e-3), (key, code)
            if key != "verandering":
                assert row["estimate"] == round(max(0.0, estimate.value), 1), (key, code)
                assert row["lower"] >= 0 and row["estimate"] >= 0
                assert row["te_onzeker"] == (estimate.half_width > estimate.value)
            else:
                assert row["estimate"] == round(estimate.value, 1)
            if row["te_onzeker"]:
                assert row["weergave"].startswith("te onzeker: tussen ")
    follow_up = py.attribute(Dimension.FOLLOW_UP, "MIN-A")
    # A share needs a positive whole, of the advisers' follow-up codes only: the meldknop's own
    # code is kept out of every follow-up figure (its noisy value alone may be positive).
    if sum(e.value for c, e in follow_up.items() if c not in SELF_REPORT_FOLLOW_UPS) > 0:
        share = tables["zonder_formele_opvolging"][0]
        assert 0 <= share["lower"] <= share["estimate"] <= share["upper"] <= 100
    # the seeded signals are pesten and discriminatie: other categories are too uncertain
    assert any(r["te_onzeker"] for r in tables["zaken_per_categorie"])
    assert f"ongeveer ±{figures['margin']} zaken" in " ".join(figures["margins"])

    # JSON and CSV: both verify, and the CSV rows are the signed figures
    for name in ("json", "csv"):
        assert verify_release_file(paths[name], services.signer.public_key_b64).ok
        checked = run("verify", str(paths[name]))
        assert checked.exit_code == 0 and checked.output.startswith("OK")
    csv_text = paths["csv"].read_text()
    for table, row, column, value in result_cells(figures):
        if table.startswith("tables/") and column == "estimate":
            assert f"{table},{row},{column},{value}" in csv_text

    # XLSX: one sheet per table with the same rows
    book = load_workbook(paths["xlsx"])
    for key, rows in tables.items():
        sheet = list(book[key[:31]].iter_rows(values_only=True))[2:]
        # text is guarded against formulas: "+9 (tussen 0 en 19)" reads "'+9 ..."
        assert sheet == [tuple(spreadsheet_safe(v) if isinstance(v, str) else v
                               for v in (r["code"], *(r[c] for c, _ in COLUMNS)))
                         for r in rows], key

    # HTML: every figure of every table, beside a chart, with plotly.js inline (no CDN)
    page = paths["html"].read_text()
    assert "<script src=" not in page and "Wat betekenen de marges?" in page
    assert "signalenrapportage" in page.lower() and "jaarverslag van de" in page
    assert "kleine willekeurige afwijking" not in page and "controles" not in page
    for key in tables:
        if key != "verandering":  # a change may be negative; a count never is
            shown = page.split(f'data-table="{key}"', 1)[1].split("</table>", 1)[0]
            assert 'data-col="estimate">-' not in shown and "tussen -" not in shown, key
    for rows in tables.values():
        for r in rows:
            for column, _ in COLUMNS[1:]:
                assert f'data-col="{column}">{nl(r[column])}</td>' in page

    signed = run("verify-report", str(paths["json"]))
    assert signed.exit_code == 0, signed.output
    paths["html"].write_text(page.replace("Wat betekenen", "Wat betekende"))
    tampered = run("verify-report", str(paths["json"]))
    assert tampered.exit_code == 1 and f"FAILED: {paths['html'].name}" in tampered.output


def test_rijk_report_names_organisations_and_running_year_has_months(services):
    years = publish_plan(services, years=(RUNNING,))
    py = years[RUNNING]
    figures = build_report(RIJK, RUNNING, py, None, services.taxonomy, services.org())
    assert figures["organisations"] == {"MIN-A": "Ministerie van Voorbeeldzaken",
                                        "MIN-B": "Ministerie van Proefnemingen"}
    assert not figures["complete"] and "zaken_per_categorie" not in figures["tables"]
    months = {r["code"]: r for r in figures["tables"]["per_maand"]}
    assert len(months) == Month.current().month - 1
    assert all(r["estimate"] >= 0 and r["lower"] >= 0 for r in months.values())
    assert "nog niet afgesloten" in " ".join(figures["notes"])


def test_report_without_publications_says_so(run):
    result = run("report", "--organisation", "MIN-A", "--year", str(COMPLETE),
                 "--out", "unused")
    assert result.exit_code == 1 and "nog niets gepubliceerd" in result.output


def test_report_workbook_never_holds_a_formula() -> None:
    from analytics.report import render_xlsx

    figures = {
        "organisation": "=HYPERLINK(\"x\")", "year": 2026, "months": ["2026-01"],
        "notes": ["@SUM(A1)"], "titles": {"t": "-1+1"},
        "tables": {"t": [{"code": "+cmd", **{c: 1 for c, _ in COLUMNS}}]},
        "organisations": {"=u": "=naam"},
    }
    book = load_workbook(io.BytesIO(render_xlsx(figures)))
    texts = [cell.value for sheet in book.worksheets for row in sheet.iter_rows()
             for cell in row if isinstance(cell.value, str)]
    assert "'=HYPERLINK(\"x\")" in texts and "'+cmd" in texts and "'@SUM(A1)" in texts
    assert all(cell.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows()
               for cell in row)


def _certainty_claims(page: str) -> list[str]:
    """Every sentence of a page (scripts left out) that says "zekerheid"."""
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", text))
    sentences = [s.strip() for block in text.split("\n")
                 for s in re.split(r"(?<=[.!?])\s+", block)]
    return [s for s in sentences if "zekerheid" in s.lower()]


def _released_intervals(figures: dict) -> set[str]:  # type: ignore[type-arg]
    found = set()
    for rows in figures["tables"].values():
        for row in rows:
            found.update(INTERVAL.findall(row["weergave"]))
    return found


INTERVAL = re.compile(r"tussen \d[\d.]*\d en \d[\d.]*\d|tussen \d[\d.]*\d en \d|tussen \d en "
                      r"\d[\d.]*\d|tussen \d en \d")


def test_the_report_names_what_the_api_names_and_is_certain_only_of_released_figures(
        client, login, services, monkeypatch, tmp_path):
    from analytics.hotspots import hotspots
    from analytics.reading import display
    from analytics.report_sections import MELDKNOP
    from dashboards.published import plan_year
    from registry.accounts import Role
    from tests.dashboards.hotspot_data import publish_demo, related, seed_noise

    seed_noise(monkeypatch)
    org, spots = publish_demo(services)
    login(Role.CENTRAL_WORKS_COUNCIL, None)
    py = plan_year(services, 2025)
    for spot in spots:
        organisation = org.get(spot.unit).organisation
        year = spot.start.year
        period = str(year) if spot.months == 12 else f"{year}-H1"
        url = f"/raad/organisatie/{organisation}/jaarverslag/{year}"
        signed = client.get(f"{url}/json")
        assert signed.status_code == 200
        (tmp_path / "r.json").write_bytes(signed.data)
        assert verify_release_file(tmp_path / "r.json", services.signer.public_key_b64).ok
        figures = json.loads(signed.data)["document"]["result"]
        api = client.get(f"/api/v1/checks?organisation={organisation}&period={period}")
        answer = api.get_json()
        # The signed report lists the API's objects under `findings`, and the same lists.
        assert figures["findings"] == answer["findings"]
        assert figures["too_small"] == answer["too_small"]
        assert figures["nothing_found"] == answer["nothing_found"]
        assert figures["findings_check"]["period"] == period
        named = {(f["unit"], f["category"]) for f in figures["findings"]}
        assert (spot.unit, spot.category) in named and named <= related(org, spot)
        for f in figures["findings"]:
            assert set(f) >= {"unit", "category", "kind", "evidence"} and f["kind"] == "opvallend"
            assert "zekerheid" not in f["sentence_nl"] and "95%" not in f["sentence_nl"]

        page = client.get(f"{url}/html").get_data(as_text=True)
        council = client.get(f"/raad/organisatie/{organisation}?jaar={year}")
        for text in (page, council.get_data(as_text=True)):
            assert "Wat valt op?" in text and "Wat betekenen de marges?" in text
            claims = _certainty_claims(text)
            assert claims, "the worked example says what 95% means"
            released = _released_intervals(figures)
            for claim in claims:
                intervals = INTERVAL.findall(claim)
                assert intervals and set(intervals) <= released, claim
        finding = next(f for f in figures["findings"] if f["unit"] == spot.unit)
        assert html.escape(finding["sentence_nl"], quote=False) in page
        book = load_workbook(io.BytesIO(client.get(f"{url}/xlsx").data))
        rows = list(book["gevonden"].iter_rows(values_only=True))
        assert any(r[1] == spot.unit and r[4] == finding["sentence_nl"] for r in rows)
        assert {"te_klein", "niets_gevonden"} <= set(book.sheetnames)

    # A complete year: the worked example is the largest clear category, as the plan has it;
    # the meldknop's self-reports are a table of their own, the plan's figures, in no finding.
    organisation = org.get(spots[0].unit).organisation
    figures = json.loads(client.get(f"/raad/organisatie/{organisation}/jaarverslag/2025/json")
                         .data)["document"]["result"]
    clear = {c: py.category(organisation, c) for c in py.category_codes()
             if not display(py.category(organisation, c)).too_uncertain}
    largest = max(clear, key=lambda c: clear[c].value)
    shown = display(clear[largest])
    label = services.taxonomy.label("categories", largest)
    assert (f"Voor {label[0].lower() + label[1:]} staat {shown.number}: het echte aantal ligt "
            f"met 95% zekerheid {shown.interval_text}.") in figures["margins"]
    meldknop = {r["code"]: r for r in figures["tables"][MELDKNOP]}
    for code, estimate in py.meldknop(organisation).items():
        assert meldknop[code]["sd"] == pytest.approx(estimate.sd, abs=1e-3)
        assert meldknop[code]["estimate"] == round(max(0.0, estimate.value), 1)
    pairs = {(p.unit, p.category): p for p in hotspots(py, organisation).findings}
    for f in figures["findings"]:
        assert f["evidence"] == pairs[(f["unit"], f["category"])].as_json()["evidence"]

    # The Rijk's report: every organisation checked at 5% / 10, so the report's family holds.
    rijk = json.loads(client.get("/raad/rijk/rapportage/2025/json").data)["document"]["result"]
    assert rijk["findings_check"]["alpha_per_organisation"] == pytest.approx(0.005)
    allowed = set().union(*(related(org, s) for s in spots if s.months == 12))
    assert {(f["unit"], f["category"]) for f in rijk["findings"]} <= allowed
