"""The works councils' portal: who sees which organisation, and the Rijk totals of the GOR."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from analytics.intervals import Estimate
from analytics.published import to_published_month
from analytics.reading import Kind, display
from analytics.report import SELF_REPORT_FOLLOW_UPS
from dashboards.published import plan_year
from privacy.consumers import publication_consumer
from privacy.plan import Dimension
from registry.accounts import Role
from registry.periods import Month
from tests.privacy.test_publication import seed

MONTH = Month.current().add(-1)


def publish(services, organisations=("MIN-A", "MIN-B"), month: Month = MONTH):  # type: ignore[no-untyped-def]
    """Seed a few signals and publish the month the earlier way (an archived publication).

    Monthly publications are no longer paid from the plan: the test gives them a share.
    """
    seed(services, month, n=4)
    for code in organisations:
        services.ledger.ensure_budget(publication_consumer(code), month.year, Fraction(2))
    service = services.publications
    return {code: service.publish(code, month) for code in organisations}


def cell(html: str, table_id: str, code: str, column: str = "estimate") -> str:
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    row = table.split(f'data-code="{code}"', 1)[1].split("</tr>", 1)[0]
    match = re.search(rf'data-col="{column}">([^<]*)<', row)
    assert match, (table_id, code, column)
    return match.group(1).strip()


def publish_plan(services, years=(2024, 2025, 2026)):  # type: ignore[no-untyped-def]
    """Seed signals in a few months of each year and publish the release plan.

    Today is after 2025, so 2024 and 2025 are complete; 2026 has the months closed so far.
    """
    for year in years:
        for month in (3, 7):
            if Month(year, month) < Month.current():
                seed(services, Month(year, month), n=6)
    services.plans.publish_due(list(years))
    return {year: plan_year(services, year) for year in years}


COMPLETE = Month.current().year - 1
RUNNING = Month.current().year


def shown_rows(html: str, table_id: str) -> dict[str, tuple[str, str]]:
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    out = {}
    for row in table.split("<tr data-code=")[1:]:
        code = row.split('"', 2)[1]
        out[code] = (re.search(r'data-col="estimate">([^<]*)<', row).group(1).strip(),
                     re.sub(r"<[^>]+>", "", row.split('data-col="interval">', 1)[1]
                            .split("</td>", 1)[0]).strip())
    return out


def assert_display_rule(html: str, table_id: str, estimates) -> None:  # type: ignore[no-untyped-def]
    """No negative count; 'te onzeker' exactly where the half-width exceeds the value."""
    rows = shown_rows(html, table_id)
    assert set(rows) == set(estimates)
    for code, estimate in estimates.items():
        number, interval = rows[code]
        assert not number.startswith("-") and "tussen -" not in interval, (code, number)
        if estimate.half_width > estimate.value:
            assert number == "te onzeker" and interval.startswith("te onzeker: tussen 0 en"), code
        else:
            assert number == display(estimate).number, code


def test_works_council_sees_its_own_organisation_from_the_plan(client, login, services):
    years = publish_plan(services)
    login(Role.WORKS_COUNCIL, "MIN-A")
    overview = client.get("/raad/")
    assert overview.status_code == 200
    body = overview.get_data(as_text=True)
    assert "MIN-A" in body and "MIN-B" not in body
    page = client.get("/raad/organisatie/MIN-A")  # default: the last complete year
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"{COMPLETE}</h1>" in html
    py = years[COMPLETE]
    assert_display_rule(html, "zaken_per_categorie",
                        {c: py.category("MIN-A", c) for c in py.category_codes()})
    for key, dimension in (("zaken_per_kanaal", Dimension.CHANNEL),
                           ("zaken_per_opvolging", Dimension.FOLLOW_UP),
                           ("zaken_per_gevolg", Dimension.IMPACT),
                           ("zaken_per_betrokkene", Dimension.IMPLICATED_PARTY),
                           ("zaken_per_rol_melder", Dimension.REPORTER_ROLE)):
        assert_display_rule(html, key, {c: e for c, e in py.attribute(dimension, "MIN-A").items()
                                        if c not in SELF_REPORT_FOLLOW_UPS})
    assert "geen" in shown_rows(html, "zaken_per_gevolg")
    assert_display_rule(html, "zaken_totaal", {"totaal": py.total("MIN-A")})
    # Both years complete: the change against the year before.
    change = shown_rows(html, "verandering")
    assert "totaal" in change and "pesten" in change
    if 'id="zonder_formele_opvolging"' in html:  # only with a positive whole
        share = shown_rows(html, "zonder_formele_opvolging")
        assert "tussen -" not in share["aandeel_alleen_luisteren"][1]
    assert "Wat betekenen de marges?" in html and "zaken" in html
    assert "Wat valt op?" in html and "Te klein om te beoordelen" in html
    assert "<caption id=" in html and 'scope="col"' in html and 'scope="row"' in html


def test_running_year_shows_the_months_so_far_and_the_year_to_date(client, login, services):
    years = publish_plan(services)
    login(Role.WORKS_COUNCIL, "MIN-A")
    html = client.get(f"/raad/organisatie/MIN-A?jaar={RUNNING}").get_data(as_text=True)
    py = years[RUNNING]
    assert not py.complete
    monthly = dict(py.monthly("MIN-A"))
    assert_display_rule(html, "per_maand", {str(m): e for m, e in monthly.items()})
    assert len(monthly) == Month.current().month - 1
    ytd = py.months_sum("MIN-A", list(monthly))
    assert_display_rule(html, "tot_nu_toe", {"totaal": ytd})
    assert "zaken_per_categorie" not in html


def test_too_uncertain_shows_the_reason_not_the_number():
    shown = display(Estimate(3.0, 25.0))
    assert shown.too_uncertain and shown.text == "te onzeker: tussen 0 en 13"
    negative = display(Estimate(-4.6, 25.0))
    assert negative.value == 0 and negative.lower == 0
    assert negative.text == "te onzeker: tussen 0 en 10"  # the margin beyond 0, not "0 en 6"
    clear = display(Estimate(40.0, 25.0))
    assert not clear.too_uncertain and clear.text == "40 (tussen 30 en 50)"
    percent = display(Estimate(97.0, 40.0), Kind.PERCENT)
    assert percent.upper == 100 and "84,6" in percent.text


def test_works_council_is_refused_another_organisation(client, login, services):
    publish(services)
    login(Role.WORKS_COUNCIL, "MIN-A")
    for url in ("/raad/organisatie/MIN-B", f"/raad/organisatie/MIN-B/{MONTH}",
                f"/raad/organisatie/MIN-B/{MONTH}/csv", "/raad/organisatie/MIN-B/jaarverslag/"
                f"{MONTH.year}/html", "/raad/rijk", f"/raad/rijk/rapportage/{COMPLETE}/html"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Geen toegang" in response.get_data(as_text=True) or "alleen" in \
            response.get_data(as_text=True)


def test_central_council_sees_every_organisation(client, login, services):
    publish_plan(services)
    login(Role.CENTRAL_WORKS_COUNCIL, None)
    overview = client.get("/raad/").get_data(as_text=True)
    assert "MIN-A" in overview and "MIN-B" in overview
    for code in ("MIN-A", "MIN-B"):
        assert client.get(f"/raad/organisatie/{code}").status_code == 200
        assert client.get(f"/raad/organisatie/{code}?jaar={RUNNING}").status_code == 200


def test_rijk_page_shows_rijk_figures_and_organisation_names(client, login, services):
    years = publish_plan(services)
    login(Role.CENTRAL_WORKS_COUNCIL, None)
    response = client.get(f"/raad/rijk?jaar={COMPLETE}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    py = years[COMPLETE]
    assert_display_rule(html, "rijk-zaken_per_categorie",
                        {c: py.category("RIJK", c) for c in py.category_codes()})
    assert_display_rule(html, "rijk-zaken_per_kanaal", py.attribute(Dimension.CHANNEL, "RIJK"))
    assert_display_rule(html, "rijk-zaken_totaal", {"totaal": py.rijk_total()})
    names = html.split('id="rijk-organisaties"', 1)[1].split("</table>", 1)[0]
    assert "Ministerie van Voorbeeldzaken" in names and "Ministerie van Proefnemingen" in names
    running = client.get(f"/raad/rijk?jaar={RUNNING}").get_data(as_text=True)
    assert 'id="rijk-per_maand"' in running
    # The report's title names the Rijk as a title does, on the page and in the download.
    title = f"Signalenrapportage sociale veiligheid Rijksoverheid {COMPLETE}"
    for url in (f"/raad/rijk/rapportage/{COMPLETE}", f"/raad/rijk/rapportage/{COMPLETE}/html"):
        report = client.get(url).get_data(as_text=True)
        assert title in report and "veiligheid het Rijk" not in report, url


def test_rijk_page_without_publications_says_so(client, login):
    login(Role.CENTRAL_WORKS_COUNCIL, None)
    response = client.get("/raad/rijk?jaar=2025")
    assert response.status_code == 200
    assert "nog niets gepubliceerd" in response.get_data(as_text=True)
    assert client.get("/raad/rijk?jaar=gisteren").status_code == 404


def test_archived_monthly_publications_stay_readable(client, login, services):
    releases = publish(services)
    login(Role.WORKS_COUNCIL, "MIN-A")
    assert f"Cijfers van {MONTH}" in client.get("/raad/organisatie/MIN-A").get_data(as_text=True)
    html = client.get(f"/raad/organisatie/MIN-A/{MONTH}").get_data(as_text=True)
    expected = to_published_month(releases["MIN-A"]).table("contacts_total").estimate()
    number, interval = shown_rows(html, "contacts_total")["totaal"]
    assert number in (str(max(expected, 0)), "te onzeker")
    assert "tussen" in interval and "tussen -" not in interval
    # made after the cap, so charged in rho to the month's data year (not the earlier label)
    assert f"gegevensjaar {MONTH.year}: kosten {releases['MIN-A'].cost_text}." in html
    assert releases["MIN-A"].cost_text.startswith("rho ") and 'data-legacy' not in html


@pytest.mark.parametrize("role", [Role.ADVISER, Role.PREVENTION_OFFICER, Role.RESEARCHER,
                                  Role.ADMIN])
def test_other_roles_are_refused(client, login, role):
    login(role, "MIN-A")
    for url in ("/raad/", "/raad/organisatie/MIN-A", "/raad/aanvragen", "/raad/controleren",
                "/raad/aanvragen/nieuw"):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/raad/organisatie/MIN-A")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_organisation_or_month_is_not_found(client, login):
    login(Role.CENTRAL_WORKS_COUNCIL, None)
    assert client.get("/raad/organisatie/NOPE").status_code == 404
    assert client.get("/raad/organisatie/MIN-A/2026-99").status_code == 404
