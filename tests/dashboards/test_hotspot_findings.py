"""What stands out, said the same way on the dashboard and the API: the demo's planted hotspots
are named with their sentence, and on data without hotspots no more is named than chance allows.

The demo's Rijk is published as ``tests/analytics/test_hotspots.py`` publishes it (2025 complete,
2026 with its first half year), with seeded noise (``hotspot_data``).
"""

from __future__ import annotations

from markupsafe import escape

from analytics.findings import finding_sentence
from analytics.hotspots import hotspots
from analytics.naming import period_label, unit_name
from dashboards.published import plan_year
from registry.accounts import Role
from tests.dashboards.hotspot_data import period_of, publish_demo, related, seed_noise
from tests.server.test_openapi import validator

PERIODS = ("2025", "2026-H1")
# The checks hold each report (one organisation and period) to a familywise error of 5%, so over
# the 20 reports here about one may name a unit by chance (bench/bench_hotspots.py measures the
# rate: 2.5% of reports on data without hotspots). A regression that names units without
# evidence names many; more than two chance names over 20 reports would be one.
CHANCE_REPORTS = 2
PAGE = "/dashboard/eenheden?from=2025-01&to=2026-11"


def checks(client, headers, organisation: str, period: str) -> dict:  # type: ignore[type-arg]
    response = client.get(f"/api/v1/checks?organisation={organisation}&period={period}",
                          headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_planted_hotspot_is_named_with_its_sentence_on_the_api_and_the_dashboard(
        client, login, make_token, services, monkeypatch):
    from server.openapi import build_document

    seed_noise(monkeypatch)
    org, spots = publish_demo(services)
    assert len(spots) == 4
    headers = make_token(Role.CENTRAL_WORKS_COUNCIL, None)
    schema = validator(build_document(), "#/components/schemas/ChecksAnswer")
    allowed: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for spot in spots:
        key = (org.get(spot.unit).organisation, period_of(spot))
        allowed.setdefault(key, set()).update(related(org, spot))
    sentences = {}
    by_chance: set[tuple[str, str]] = set()
    for o in org.organisations:
        for period in PERIODS:
            body = checks(client, headers, o.code, period)
            schema.validate(body)
            assert body["period"] == period and body["note_nl"] is None
            assert body["periods"] == list(PERIODS)
            named = {(f["unit"], f["category"]) for f in body["findings"]}
            # Nothing but the planted hotspots and the units that hold their excess, but for
            # the chance names the error rate allows.
            by_chance |= named - allowed.get((o.code, period), set())
            listed = len(body["findings"]) + len(body["too_small"]) + len(body["nothing_found"])
            assert listed == len({(p["unit"], p["category"]) for key in
                                  ("findings", "too_small", "nothing_found") for p in body[key]})
            sentences.update({(o.code, period, f["unit"], f["category"]): f
                              for f in body["findings"]})
    assert len(by_chance) <= CHANCE_REPORTS, by_chance

    years = {y: plan_year(services, y) for y in (2025, 2026)}
    for spot in spots:
        organisation, period = org.get(spot.unit).organisation, period_of(spot)
        found = sentences[(organisation, period, spot.unit, spot.category)]
        py = years[spot.start.year]
        pair = next(p for p in hotspots(py, organisation, None if spot.months == 12 else period)
                    .findings if (p.unit, p.category) == (spot.unit, spot.category))
        label = services.taxonomy.label("categories", spot.category)
        assert found["sentence_nl"] == finding_sentence(pair, organisation, org, label, period)
        assert found["unit_name"] == unit_name(org, spot.unit)
        text = found["sentence_nl"]
        assert text.startswith(f"In {period_label(period)} waren er in {found['unit_name']} ")
        assert f"meer zaken over {label.lower()}" in text.lower()
        assert "ongeveer" in text and "verwacht" in text and "(consistent)" in text
        assert "p-waarde" not in text and "zekerheid" not in text
        assert "p-waarde" in found["explanation_nl"]
        assert found["evidence"]["estimate"] == round(pair.estimate.value, 1)
        if spot.months == 12:  # a DG row of a complete year: its two half years were seen
            assert "(stabiel)" in text

    # The dashboard of a planted organisation: the same sentence, nothing else named.
    for spot in (spots[0], spots[2]):
        organisation = org.get(spot.unit).organisation
        login(Role.PREVENTION_OFFICER, organisation)
        response = client.get(PAGE)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, html
        found = sentences[(organisation, period_of(spot), spot.unit, spot.category)]
        assert str(escape(found["sentence_nl"])) in html
        assert "Hoe is dit berekend?" in html and "vanaf ongeveer" in html
        assert html.count("<h4>Gevonden</h4>") == 2  # 2025 and the first half of 2026
        named = set()
        for item in html.split('class="flag flag-remarkable" data-unit="')[1:]:
            unit, rest = item.split('"', 1)
            named.add((unit, rest.split('data-category="', 1)[1].split('"', 1)[0]))
        assert (spot.unit, spot.category) in named
        assert named <= set().union(by_chance, *(allowed.get((organisation, p), set())
                                                 for p in PERIODS))
        assert spot.unit not in found["sentence_nl"]  # units are named, not coded


def test_on_data_without_hotspots_units_are_named_only_at_the_chance_rate(client, login, make_token, services,
                                                   monkeypatch):
    seed_noise(monkeypatch)
    org, spots = publish_demo(services, planted=False)
    assert spots == []
    headers = make_token(Role.CENTRAL_WORKS_COUNCIL, None)
    by_chance = []
    for o in org.organisations:
        for period in PERIODS:
            body = checks(client, headers, o.code, period)
            if body["findings"]:
                by_chance.append((o.code, period, [f["unit"] for f in body["findings"]]))
            assert body["too_small"] or body["nothing_found"]
    assert len(by_chance) <= CHANCE_REPORTS, by_chance
    default = client.get("/api/v1/checks?organisation=BFZ", headers=headers).get_json()
    assert default["period"] == "2025" and default["findings"] == []
    for organisation in ("BFZ", "WI"):
        login(Role.PREVENTION_OFFICER, organisation)
        html = client.get(PAGE).get_data(as_text=True)
        assert html.count('class="nothing-named"') == 2
        assert "flag-remarkable" not in html and "waren er in" not in html
        assert html.count("<h4>Te klein om te beoordelen</h4>") == 2
        assert "combinaties van onderdeel en categorie" in html
