"""The organisation upload reads Dutch Excel files, lists every error at once and shows what it
would change before anything is replaced."""

from __future__ import annotations

import re

from tests.conftest import FIXTURES
from tests.dashboards.test_admin_access import admin_csrf
from tests.dashboards.test_admin_org import _confirm, _upload

SMALL = (FIXTURES / "org-small.csv").read_text()


def dutch_excel(text: str) -> str:
    """The file as Dutch Excel saves it: semicolons between fields."""
    return "\r\n".join(line.replace(",", ";") for line in text.splitlines()) + "\r\n"


def count(html: str, key: str) -> int:
    found = re.search(rf'data-count="{key}">(\d+)<', html)
    assert found, key
    return int(found.group(1))


def listed(html: str, key: str) -> str:
    return html.split(f'data-list="{key}"', 1)[1].split("</ul>", 1)[0]


def test_a_dutch_excel_file_with_decimal_commas_is_previewed_then_stored(client, login,
                                                                         csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    before = services.org()
    base = dutch_excel(SMALL)
    # A new unit with 12,5 fte (rounded half up to 13), one renamed, one with another headcount.
    child = next(u for u in before.units if u.parent is not None)
    changed = base.replace(f"{child.code};{child.name};", f"{child.code};Nieuwe naam;", 1)
    small_parent = next(u for u in before.units if u.parent is None)
    text = changed + f"NIEUW-1;Team Nieuw;{small_parent.code};{small_parent.code};12,5\r\n"
    preview = _upload(client, token, text.encode("utf-8-sig"))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html[:3000]
    assert "puntkomma" in html
    assert services.org() == before  # nothing replaced yet
    assert count(html, "added") == 1 and "Team Nieuw" in listed(html, "added")
    assert count(html, "renamed") == 1 and "Nieuwe naam" in listed(html, "renamed")
    assert count(html, "removed") == 0
    assert "12,5 fte wordt 13 fte" in listed(html, "rounded")
    # 13 fte is under the threshold: the new team gets no row of its own in the figures.
    threshold = services.settings.coarsen_threshold
    assert threshold > 13 and count(html, "merged") >= 1
    assert "Team Nieuw" in listed(html, "merged")
    done = _confirm(client, token, html)
    assert done.status_code == 200 and "De organisatiestructuur is vervangen" in done.get_data(
        as_text=True)
    stored = services.org()
    assert stored.get("NIEUW-1").headcount == 13 and stored.get(child.code).name == "Nieuwe naam"


def test_removed_units_and_headcount_changes_are_named(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    before = services.org()
    leaf = next(u for u in before.units if u.parent is not None and not before.children(u.code))
    lines = [line for line in SMALL.splitlines() if not line.startswith(f"{leaf.code},")]
    html = _upload(client, token, ("\n".join(lines) + "\n").encode()).get_data(as_text=True)
    assert count(html, "removed") == 1 and leaf.name in listed(html, "removed")
    root = before.organisations[0]
    bigger = SMALL.replace(f"{root.code},{root.name},,{root.code},{root.headcount}",
                           f"{root.code},{root.name},,{root.code},{root.headcount + 7}")
    html = _upload(client, token, bigger.encode()).get_data(as_text=True)
    assert count(html, "headcount") == 1
    assert f"{root.headcount} fte wordt {root.headcount + 7} fte" in listed(html, "headcount")


def test_every_error_is_listed_in_one_pass(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    bad = dutch_excel(SMALL) + ("X1;;;X1;10\r\nX2;Twee;GEEN;X1;4,25\r\nX3;Drie;X1;X1;1.200\r\n"
                                "X4;Vier;X1;X1;0,4\r\n")
    response = _upload(client, token, bad.encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    # Line 13's "1.200" is refused: in Dutch a point separates thousands, not decimals.
    for line in ("Regel 11: naam ontbreekt", "Regel 12: parent GEEN bestaat niet",
                 "Regel 13: headcount moet", "Regel 14: headcount 0,4 is afgerond 0 fte"):
        assert line in html, line


def test_a_confirm_after_the_structure_changed_replaces_nothing(client, login, csrf_from,
                                                               services):
    _, token = admin_csrf(client, login, csrf_from)
    first = _upload(client, token, (SMALL + "N1,Een,MIN-A,MIN-A,5\n").encode()).get_data(
        as_text=True)
    second = _upload(client, token, (SMALL + "N2,Twee,MIN-A,MIN-A,5\n").encode()).get_data(
        as_text=True)
    assert "vervangen" in _confirm(client, token, second).get_data(as_text=True)
    stale = _confirm(client, token, first)
    assert stale.status_code == 409 and "N1" not in services.org() and "N2" in services.org()
