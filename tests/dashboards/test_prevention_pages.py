"""The prevention officer's dashboard: published figures only, as charts and tables, free to view."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import plotly.graph_objects as go
import pytest

from privacy.publication import PublicationService
from registry.accounts import Role
from registry.periods import Month
from tests.privacy.test_publication import seed

MONTH = Month.current().add(-1)
EARLIER = MONTH.add(-1)
PAGES = ("/dashboard/", "/dashboard/eenheden", "/dashboard/vergelijking", "/dashboard/opvolging")
FIGURE_RE = re.compile(r'<script type="application/json" id="figuur-([a-z0-9-]+)">(.*?)</script>',
                       re.S)


@pytest.fixture
def published(services):  # type: ignore[no-untyped-def]
    seed(services, EARLIER, n=10)
    seed(services, MONTH, n=10)
    service = PublicationService(services.queries, services.releases, services.org(),
                                 services.taxonomy)
    return {m: service.publish("MIN-A", m) for m in (EARLIER, MONTH)}


@pytest.fixture
def officer(login):  # type: ignore[no-untyped-def]
    return login(Role.PREVENTION_OFFICER, "MIN-A")


def period(**extra: str) -> str:
    params = {"from": str(EARLIER), "to": str(MONTH), **extra}
    return "?" + "&".join(f"{k}={v}" for k, v in params.items())


def figures(html: str) -> dict[str, dict]:  # type: ignore[type-arg]
    return {key: json.loads(text) for key, text in FIGURE_RE.findall(html)}


def spent(services) -> dict[str, Fraction]:  # type: ignore[no-untyped-def]
    return {c: services.ledger.status(c, MONTH.year).spent
            for c in ("publication:MIN-A", "preventie:MIN-A", "or:MIN-A")}


@pytest.mark.parametrize(("url", "charts"), [
    ("/dashboard/", {"trend-aantal", "trend-per-100-fte"}),
    ("/dashboard/eenheden", {"heatmap"}),
    ("/dashboard/vergelijking", {"trechter", "extern"}),
    ("/dashboard/opvolging", {"opvolging"}),
])
def test_each_page_shows_its_charts_as_valid_plotly_figures_with_tables(
        client, officer, published, url, charts):
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


def test_trend_figures_are_the_published_estimates_with_their_bands(client, officer, published,
                                                                   services):
    html = client.get("/dashboard/" + period(category="pesten")).get_data(as_text=True)
    counts = figures(html)["trend-aantal"]
    band, line = counts["data"]
    cells = {m: {(c["unit"], c["category"]): c["estimate"]
                 for c in published[m].result["tables"]["contacts_unit_category"]["cells"]}
             for m in (EARLIER, MONTH)}
    units = ("MIN-A", "MIN-A-DG1", "MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG2")
    expected = [sum(cells[m][(u, "pesten")] for u in units) for m in (EARLIER, MONTH)]
    assert line["y"] == expected
    assert line["x"] == [str(EARLIER), str(MONTH)]
    assert line["line"]["dash"] and line["marker"]["symbol"] and line["text"][-1] == "Pesten"
    upper, lower = band["y"][:2], band["y"][2:][::-1]
    assert all(lo < y < hi for lo, y, hi in zip(lower, expected, upper, strict=True))


def test_the_heat_map_annotates_every_cell_and_lists_the_checks(client, officer, published):
    html = client.get("/dashboard/eenheden" + period(category="pesten")).get_data(as_text=True)
    heat = figures(html)["heatmap"]
    rows, columns = heat["data"][0]["y"], heat["data"][0]["x"]
    assert columns == ["Pesten"] and len(rows) == 5
    assert len(heat["layout"]["annotations"]) == len(rows) * len(columns)
    assert all(a["text"] for a in heat["layout"]["annotations"])
    assert "Opvallend" in html and "Wat betekent een vlag?" in html
    assert "Directie Analyse (MIN-A-DG1-D1)" in html


def test_viewing_every_page_spends_nothing_and_reads_no_signal(client, officer, published,
                                                              services, monkeypatch):
    import privacy.aggregate

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the dashboard must not count raw signals")

    monkeypatch.setattr(privacy.aggregate, "exact_table", refuse)
    monkeypatch.setattr("privacy.publication.exact_table", refuse)
    before = spent(services)
    releases = len(services.releases.list_for("publication:MIN-A"))
    for url in PAGES:
        assert client.get(url + period()).status_code == 200
    assert client.get("/dashboard/cijfers/heatmap.csv" + period()).status_code == 200
    assert spent(services) == before
    assert len(services.releases.list_for("publication:MIN-A")) == releases


def test_nothing_published_says_what_to_do_next(client, officer, services):
    for url in PAGES:
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "nog geen maandcijfers gepubliceerd" in html
        assert "signal-registry publish --period" in html
        assert "application/json" not in html


def test_a_gap_before_the_publications_links_to_the_latest_month(client, officer, published):
    html = client.get("/dashboard/?from=2001-01&to=2001-12").get_data(as_text=True)
    assert "nog geen maandcijfers gepubliceerd" in html
    assert f"to={MONTH}" in html


def test_another_organisation_is_403(client, officer, published):
    for url in PAGES:
        response = client.get(url + "?organisation=MIN-B")
        assert response.status_code == 403
        assert "eigen organisatie" in response.get_data(as_text=True)
    assert client.get("/dashboard/cijfers/heatmap.csv?organisation=MIN-B").status_code == 403


@pytest.mark.parametrize(("role", "organisation"), [
    (Role.ADVISER, "MIN-A"), (Role.WORKS_COUNCIL, "MIN-A"), (Role.CENTRAL_WORKS_COUNCIL, None),
    (Role.RESEARCHER, None), (Role.ADMIN, None),
])
def test_other_roles_are_refused(client, login, published, role, organisation):
    login(role, organisation)
    for url in (*PAGES, "/dashboard/cijfers/heatmap.csv"):
        assert client.get(url).status_code == 403, url


def test_without_sign_in_the_pages_lead_to_the_login(client, published):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_plotly_js_is_served_locally_with_a_long_cache(client):
    response = client.get("/dashboard/vendor/plotly.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert b"plotly" in response.data[:2000].lower() and len(response.data) > 1_000_000


def test_pages_load_plotly_and_the_drawing_script_from_this_server(client, officer, published):
    html = client.get("/dashboard/" + period()).get_data(as_text=True)
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert any(s.startswith("/dashboard/vendor/plotly.js") for s in sources)
    assert all(s.startswith("/") for s in sources)  # nothing from another host
    assert client.get("/dashboard/static/dashboard.js").status_code == 200
    assert client.get("/dashboard/static/dashboard.css").status_code == 200


def test_the_index_of_releases_agrees_with_the_publication_service(services, published):
    service = PublicationService(services.queries, services.releases, services.org(),
                                 services.taxonomy)
    replacement = service.publish("MIN-A", MONTH, replace=True)
    expected = service.published_months("MIN-A", Month(2000, 1), Month.current())
    index = service.index("MIN-A")
    assert [p.release_id for p in index] == [r.id for r in expected]
    assert index[-1].release_id == replacement.id and index[-1].revision == 2
    assert service.index("MIN-B") == []


def test_a_replaced_month_shows_the_new_release_not_a_cached_one(client, officer, published,
                                                                services):
    url = "/dashboard/" + period(category="pesten")
    before = figures(client.get(url).get_data(as_text=True))["trend-aantal"]["data"][1]["y"]
    service = PublicationService(services.queries, services.releases, services.org(),
                                 services.taxonomy)
    replacement = service.publish("MIN-A", MONTH, replace=True)
    cells = replacement.result["tables"]["contacts_unit_category"]["cells"]
    units = ("MIN-A", "MIN-A-DG1", "MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG2")
    expected = sum(c["estimate"] for c in cells
                   if c["unit"] in units and c["category"] == "pesten")
    after = figures(client.get(url).get_data(as_text=True))["trend-aantal"]["data"][1]["y"]
    assert after[0] == before[0] and after[-1] == expected
