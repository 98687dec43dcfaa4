"""The organisation structure on the admin pages: upload as load-org does, and the coarsened tree."""

from __future__ import annotations

import html as html_text
import io
import re

from tests.conftest import FIXTURES
from tests.dashboards.test_admin_access import admin_csrf

GOOD = (FIXTURES / "org-small.csv").read_text() + "MIN-B-D3,Directie Nieuw,MIN-B,MIN-B,60\n"


def _upload(client, token: str, content: bytes, name: str = "org.csv"):  # type: ignore[no-untyped-def]
    return client.post("/beheer/organisatie", data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def _confirm(client, token: str, preview: str):  # type: ignore[no-untyped-def]
    """Step 2: post the preview's confirm form back, as the button does."""
    fields = {name: html_text.unescape(value) for name, value in re.findall(
        r'<input type="hidden" name="(csv|basis)" value="([^"]*)">', preview)}
    assert set(fields) == {"csv", "basis"}
    return client.post("/beheer/organisatie/bevestigen", data={"csrf_token": token, **fields},
                       follow_redirects=True)


def test_a_good_file_replaces_the_structure_and_the_tree_shows_the_new_unit(client, login, csrf_from,
                                                                          services):
    _, token = admin_csrf(client, login, csrf_from)
    preview = _upload(client, token, GOOD.encode("utf-8-sig"))
    assert preview.status_code == 200 and "MIN-B-D3" not in services.org()
    response = _confirm(client, token, preview.get_data(as_text=True))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "De organisatiestructuur is vervangen: 2 organisaties en 10 eenheden" in html
    assert "Directie Nieuw" in html
    # The cached structure was refreshed: the public API sees the new unit at once.
    assert "MIN-B-D3" in services.org()
    assert any(u["code"] == "MIN-B-D3" for u in client.get("/api/v1/org").get_json())


def test_a_bad_file_is_refused_whole_with_every_bad_line_numbered_and_nothing_changes(client, login,
                                                                                    csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    before = services.org()
    bad = GOOD + "MIN-C,,,MIN-C,12\nMIN-A-X,Afdeling X,GEEN-OUDER,MIN-A,10\nMIN-B-D4,Te groot,MIN-B,MIN-B,x\n"
    response = _upload(client, token, bad.encode())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Het bestand is geweigerd" in html and "Er is niets gewijzigd" in html
    assert "Regel 12: naam ontbreekt of is te lang." in html
    assert "Regel 13: parent GEEN-OUDER bestaat niet." in html
    assert "Regel 14: headcount moet een positief geheel getal zijn." in html
    assert 'aria-describedby="file-hint file-error"' in html
    assert services.org() == before
    assert "MIN-B-D3" not in services.organisations.structure()


def test_a_wrong_header_an_undecodable_file_an_empty_post_and_a_too_large_file_are_refused(client, login,
                                                                                    csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    before = services.organisations.structure()
    assert "Regel 1: de kopregel moet code,name,parent,organisation,headcount zijn." in _upload(
        client, token, b"code;naam\nA;B\n").get_data(as_text=True)
    # Bytes that are neither UTF-8 nor Windows-1252 (0x81 is undefined in both).
    assert "geen tekst in UTF-8 of Windows-1252" in _upload(
        client, token, GOOD.encode() + b"MIN-Z,Z\x81,,MIN-Z,9\n").get_data(as_text=True)
    empty = client.post("/beheer/organisatie", data={"csrf_token": token})
    assert empty.status_code == 422
    assert "Kies een CSV-bestand" in empty.get_data(as_text=True)
    nul = _upload(client, token, GOOD.replace("Directie Nieuw", "Directie\x00Nieuw").encode())
    assert "Regel 11: bevat een onzichtbaar stuurteken" in nul.get_data(as_text=True)
    big = _upload(client, token, GOOD.encode() + b"\n" * (1024 * 1024))
    assert big.status_code == 413
    assert "groter dan 1 MB" in big.get_data(as_text=True)
    assert services.organisations.structure() == before


def test_the_tree_shows_which_units_are_merged_into_their_parent_by_the_threshold(client, login):
    login("admin", None)
    html = client.get("/beheer/organisatie").get_data(as_text=True)
    # Threshold 50 FTE: Team Klein (30) goes into Directie Uitvoering, Kleine Zaken (40) into MIN-B.
    team = html.split("Team Klein", 1)[1].split("</tr>", 1)[0]
    assert "Samengevoegd met Directie Uitvoering (MIN-A-DG1-D2)" in team
    small = html.split("Directie Kleine Zaken", 1)[1].split("</tr>", 1)[0]
    assert "Samengevoegd met Ministerie van Proefnemingen (MIN-B)" in small
    analyse = html.split("Directie Analyse", 1)[1].split("</tr>", 1)[0]
    assert "Eigen regel" in analyse
    assert "7 onderdelen" not in html and "6 onderdelen, waarvan 1 samengevoegd" in html
    assert "3 onderdelen, waarvan 1 samengevoegd" in html
    assert '<th scope="row" class="depth-3">Team Klein</th>' in html


def test_a_higher_threshold_merges_more_units(tmp_path, settings_overrides):
    from registry.accounts import Role
    from registry.organisations import parse_org_csv
    from server.app import create_app
    from server.migrations import upgrade

    app = create_app({**settings_overrides, "coarsen_threshold": 400, "csrf": False})
    services = app.extensions["signal_registry"]
    upgrade(services.db.engine)
    services.replace_org(parse_org_csv((FIXTURES / "org-small.csv").read_text()))
    _, password = services.accounts.create_user("beheerder", Role.ADMIN.value)
    client = app.test_client()
    client.post("/login", data={"username": "beheerder", "password": password})
    html = client.get("/beheer/organisatie").get_data(as_text=True)
    services.db.dispose()
    assert "Onderdelen met minder dan 400 fte" in html
    analyse = html.split("Directie Analyse", 1)[1].split("</tr>", 1)[0]
    assert "Samengevoegd met DG Beleid (MIN-A-DG1)" in analyse
    team = html.split("Team Klein", 1)[1].split("</tr>", 1)[0]
    assert "Samengevoegd met DG Beleid (MIN-A-DG1)" in team


def test_a_windows_1252_file_from_dutch_excel_is_read_with_its_accents(client, login, csrf_from):
    _, token = admin_csrf(client, login, csrf_from)
    preview = _upload(client, token, GOOD.replace("Directie Nieuw", "Directie Financi\u00eble Zaken")
                      .encode("cp1252"))
    assert preview.status_code == 200
    assert "Directie Financiële Zaken" in preview.get_data(as_text=True)
