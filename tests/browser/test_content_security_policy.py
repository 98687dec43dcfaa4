"""Every page, for every role, renders under the strict Content-Security-Policy with no violation.

The policy (``server.headers``) allows scripts and styles from the app's own static files only.
plotly.js sets styles from script (which the policy allows) and shows a heat map as a ``data:``
image (allowed for images only); anything inline in a template, or a library that injects a
``<style>`` block or a ``style`` attribute, would be blocked and reported. The test walks every
page it can reach by links from the home page, per role, plus the pages no link leads to, and
fails on any violation the browser reports, both as a console error and as a
``securitypolicyviolation`` event.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from dashboards.charts import heatmap_figure
from registry.accounts import Role
from server.headers import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.browser

# Pages no menu links to, per role (None: anyone).
UNLINKED: dict[Role | None, tuple[str, ...]] = {
    None: ("/", "/login", "/meldknop", "/meldknop/wat-gebeurt-er", "/meldknop/waar-terecht",
           "/privacy/budget", "/api/docs", "/bestaat-niet"),
    Role.ADVISER: ("/signalen/nieuw", "/signalen/ontvangstbewijs", "/signalen/import"),
    Role.PREVENTION_OFFICER: ("/dashboard/", "/dashboard/eenheden", "/dashboard/vergelijking",
                              "/dashboard/opvolging"),
    Role.WORKS_COUNCIL: ("/raad/", "/raad/organisatie/MIN-A", "month", "/raad/aanvragen",
                         "/raad/aanvragen/nieuw", "/raad/controleren"),
    Role.CENTRAL_WORKS_COUNCIL: ("/raad/", "/raad/rijk"),
    Role.RESEARCHER: ("/onderzoek/",),
    Role.ADMIN: ("/beheer/", "/beheer/gebruikers", "/beheer/gebruikers/nieuw",
                 "/beheer/organisatie", "/beheer/budgetten", "/beheer/contactpunten"),
}
MAX_PAGES = 45
FILES = (".csv", ".xlsx", ".json", ".js", ".css", ".html", ".zip")
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || event.documentURI}:${event.lineNumber}:${event.columnNumber}`
    + (event.sample ? ` (${event.sample})` : ""));
});
"""


def _links(page: Any, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map(link => link.getAttribute('href'))")
    found = []
    for href in hrefs:
        url = urlsplit(urljoin(page.url, href))
        if url.scheme + "://" + url.netloc != base or url.path.endswith(FILES):
            continue
        found.append(url.path + (f"?{url.query}" if url.query else ""))
    return found


def _visit_all(page: Any, live: Any, role: Role | None) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"{page.url}: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.add_init_script(RECORD_VIOLATIONS)
    start = [f"/raad/organisatie/MIN-A/{live.published[-1]}" if path == "month" else path
             for path in (*UNLINKED[None], *UNLINKED.get(role, ()))] if role else list(UNLINKED[None])
    queue, seen, visited = list(start), {p.split("?")[0] for p in start}, []
    while queue and len(visited) < MAX_PAGES:
        path = queue.pop(0)
        try:
            response = page.goto(path)
        except Exception as error:  # a link to a download: nothing rendered, nothing to check
            if "Download is starting" in str(error):
                continue
            raise
        assert response is not None, path
        assert response.headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, path
        page.wait_for_load_state("networkidle")
        visited.append(path)
        problems += [f"{path}: {v}" for v in page.evaluate("() => window.__cspViolations || []")]
        if response.status != 200 or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        for link in _links(page, live.url):
            if link.split("?")[0] not in seen and "/logout" not in link:
                seen.add(link.split("?")[0])
                queue.append(link)
    return visited, problems


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_every_page_renders_without_a_csp_violation(open_page, live, role):
    page = open_page(role)
    visited, problems = _visit_all(page, live, role)
    assert len(visited) >= len(UNLINKED[None]), visited
    assert problems == [], problems


def test_charts_are_drawn_under_the_policy(open_page):
    page = open_page(Role.PREVENTION_OFFICER)
    page.add_init_script(RECORD_VIOLATIONS)
    for path in ("/dashboard/", "/dashboard/eenheden"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        # plotly has drawn (its SVG is in the page) with its rules from the stylesheet.
        assert page.locator(".chart-canvas .main-svg").count() > 0, path
        assert page.evaluate("() => window.__cspViolations") == [], path
        position = page.locator(".chart-canvas .main-svg").first.evaluate(
            "svg => getComputedStyle(svg).position")
        assert position == "absolute", "plotly's own CSS rules are missing"
    # The heat map (per DG row; the test organisation has too few DGs to show one) is drawn on a
    # canvas and shown as a data: image: the one thing img-src data: is there for.
    figure = heatmap_figure(["DG Eén", "DG Twee"], ["Pesten", "Intimidatie"],
                            [[1.0, 2.0], [3.0, None]], [["1", "2"], ["3", "?"]],
                            value_title="Zaken")
    href = page.evaluate("""figure => {
        const canvas = document.createElement("div");
        document.querySelector("main").appendChild(canvas);
        return window.Plotly.newPlot(canvas, figure.data, figure.layout,
                                     {displayModeBar: false, responsive: true})
            .then(() => canvas.querySelector("image").getAttribute("href"));
    }""", figure)
    assert href.startswith("data:image/png")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__cspViolations") == []
