"""The prevention officer's dashboard: the release plan's figures, as charts and tables, free to view."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import plotly.graph_objects as go
import pytest

from dashboards.published import plan_year
from registry.accounts import Role
from registry.periods import Month
from server.demo_data import demo_org, demo_signals

ORG = "BB"  # in the demo Rijk: one DG of >= 2000 FTE (BB-DG2) and the rest (BB)
END = Month.current().add(-1)
PAGES = ("/dashboard/", "/dashboard/eenheden", "/dashboard/vergelijking", "/dashboard/opvolging")
FIGURE_RE = re.compile(r'<script type="application/json" id="figuur-([a-z0-9-]+)">(.*?)</script>',
                       re.S)


@pytest.fixture
def published(services):  # type: ignore[no-untyped-def]
    org = demo_org()
    services.replace_org(org)
    records, _hotspots = demo_signals(org, months=23, end=END)
    services.signals.store_many(records, receipts=False)
    return services.plans.publish_due()


@pytest.fixture
def officer(login, published):  # type: ignore[no-untyped-def]
    return login(Role.PREVENTION_OFFICER, ORG)


def period(**extra: str) -> str:
    params = {"from": str(Month(END.year - 1, 1)), "to": str(END), **extra}
    return "?" + "&".join(f"{k}={v}" for k, v in params.items())


def figures(html: str) -> dict[str, dict]:  # type: ignore[type-arg]
    return {key: json.loads(text) for key, text in FIGURE_RE.findall(html)}


def spent(services) -> dict[str, Fraction]:  # type: ignore[no-untyped-def]
    return {c: services.ledger.status(c, END.year).spent for c in ("plan", f"preventie:{ORG}")}


@pytest.mark.parametrize(("url", "charts"), [
    ("/dashboard/", {"trend-aantal", "trend-per-100-fte", "kwartalen"}),
    ("/dashboard/eenheden", {"categorie-jaar", "dg-categorie"}),
    ("/dashboard/vergelijking", {"dg-vergelijking", "extern"}),
    ("/dashboard/opvolging", {"opvolging"}),
])
def test_each_page_shows_its_charts_as_valid_plotly_figures_with_tables(
        client, officer, url, charts):
    response = client.get(url + period())
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    found = figures(html)
    assert set(found) == charts
    for key, figure in found.items():
        go.Figure(figure)  # plotly itself checks every attribute of the hand-built dicts
        assert figure["data"], key
        assert f'id="tabel-{key}"' in html and f"/dashboard/cijfers/{key}.csv" in html
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert "95%-interval" in html and "Wat betekent de marge?" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_trends_are_the_plans_months_with_bands_never_negative(client, officer, services):
    html = client.get("/dashboard/" + period()).get_data(as_text=True)
    band, line = figures(html)["trend-aantal"]["data"]
    months = plan_year(services, END.year - 1).monthly(ORG) + plan_year(
        services, END.year).monthly(ORG)
    assert line["x"] == [str(m) for m, _e in months]
    for y, (_m, e) in zip(line["y"], months, strict=True):
        # a number only where the margin is smaller than it (else a gap: "te onzeker")
        assert y is None if e.half_width > max(e.value, 0) else y == pytest.approx(e.value)
    assert min(v for v in band["y"] if v is not None) >= 0
    assert "te onzeker" in html  # a month of a small organisation is too uncertain


def test_categories_in_taxonomy_order_and_the_flag_rule_is_stated(client, officer, services):
    html = client.get("/dashboard/eenheden" + period()).get_data(as_text=True)
    found = figures(html)
    labels = [services.taxonomy.label("categories", c, "nl")
              for c in services.taxonomy.codes("categories")]
    shown = found["categorie-jaar"]["data"][0]["y"]
    assert list(shown) == [x for x in labels if x in shown]
    heat = found["dg-categorie"]["data"][0]
    # Categories down (in taxonomy order, names wrapped), the two DG rows across.
    assert len(heat["x"]) == 2 and any("Rest van" in r for r in heat["x"])
    rows = [r.replace("<br>", " ") for r in heat["y"]]
    assert rows == [x for x in labels if x in rows] and len(rows) > 2
    assert "Wat valt op?" in html and "ten onrechte een onderdeel" in html
    for heading in ("Gevonden", "Te klein om te beoordelen", "Niets gevonden"):
        assert f"<h4>{heading}</h4>" in html
    assert f"Zaken per DG en categorie ({END.year}-H1)" in html


def test_the_dg_cells_carry_the_verdict_of_the_hotspot_checks(services):
    from analytics.findings import page_summaries
    from analytics.hotspots import Verdict, hotspots
    from dashboards.prevention.units import dg_cells

    org = demo_org()
    services.replace_org(org)
    records, _hotspots = demo_signals(org, months=23, end=END)
    services.signals.store_many(records, receipts=False)
    services.plans.publish_due()
    plan = {y: plan_year(services, y) for y in (END.year - 1, END.year)}
    checks = page_summaries(plan, "BFZ", END, org, services.taxonomy)
    assert [c.period for c in checks] == [str(END.year - 1), f"{END.year}-H1"]
    cells, _py, halves = dg_cells(plan, org, "BFZ", services.taxonomy.codes("categories"),
                                  END.year, checks)
    assert halves == (f"{END.year}-H1",) and cells
    year = hotspots(plan[END.year - 1], "BFZ")
    verdicts = {(p.unit, p.category): p.verdict for p in year.pairs}
    for c in cells:
        assert c.verdict is not None
        if c.period == str(END.year - 1):
            unit = "BFZ:rest" if c.row == "BFZ" else c.row
            assert c.verdict is verdicts[(unit, c.category)]
        assert c.flagged == (c.verdict is Verdict.FOUND)


def test_follow_up_shares_stay_within_0_and_100(client, officer):
    html = client.get("/dashboard/opvolging" + period()).get_data(as_text=True)
    data = figures(html)["opvolging"]["data"][0]
    assert all(0 <= x <= 100 for x in data["x"])
    assert "±" not in html


def test_viewing_every_page_spends_nothing(client, officer, services):
    before = spent(services)
    releases = len(services.plans.index())
    for url in PAGES:
        assert client.get(url + period()).status_code == 200
    assert client.get("/dashboard/cijfers/dg-categorie.csv" + period()).status_code == 200
    assert spent(services) == before
    assert len(services.plans.index()) == releases


def test_nothing_published_says_what_to_do_next(client, login, services):
    login(Role.PREVENTION_OFFICER, "MIN-A")
    for url in PAGES:
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "nog geen maandcijfers gepubliceerd" in html
        assert "signal-registry publish" in html
        assert "application/json" not in html


def test_a_gap_before_the_publications_links_to_the_latest_month(client, officer):
    html = client.get("/dashboard/?from=2001-01&to=2001-12").get_data(as_text=True)
    assert "nog geen maandcijfers gepubliceerd" in html
    assert f"to={END}" in html


def test_another_organisation_is_403(client, officer):
    for url in PAGES:
        response = client.get(url + "?organisation=MIN-B")
        assert response.status_code in (403, 422)
        response = client.get(url + "?organisation=BFZ")
        assert response.status_code == 403
        assert "eigen organisatie" in response.get_data(as_text=True)
    assert client.get("/dashboard/cijfers/dg-categorie.csv?organisation=BFZ").status_code == 403


@pytest.mark.parametrize(("role", "organisation"), [
    (Role.ADVISER, "MIN-A"), (Role.WORKS_COUNCIL, "MIN-A"), (Role.CENTRAL_WORKS_COUNCIL, None),
    (Role.RESEARCHER, None), (Role.ADMIN, None),
])
def test_other_roles_are_refused(client, login, role, organisation):
    login(role, organisation)
    for url in (*PAGES, "/dashboard/cijfers/dg-categorie.csv"):
        assert client.get(url).status_code == 403, url


def test_without_sign_in_the_pages_lead_to_the_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_plotly_js_is_served_locally_with_a_long_cache(client):
    response = client.get("/dashboard/vendor/plotly.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert b"plotly" in response.data[:2000].lower() and len(response.data) > 1_000_000


def test_pages_load_plotly_and_the_drawing_script_from_this_server(client, officer):
    html = client.get("/dashboard/" + period()).get_data(as_text=True)
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert any(s.startswith("/dashboard/vendor/plotly.js") for s in sources)
    assert all(s.startswith("/") for s in sources)  # nothing from another host
    assert client.get("/dashboard/static/dashboard.js").status_code == 200
    assert client.get("/dashboard/static/dashboard.css").status_code == 200
