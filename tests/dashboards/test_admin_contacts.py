"""The meldknop's contact points on the admin pages: list, add, edit, remove, with validation."""

from __future__ import annotations

from registry.accounts import Role
from tests.dashboards.test_admin_access import admin_csrf

VP = {"name": "Vertrouwenspersoon DG Beleid", "role": "vertrouwenspersoon", "reach": "vp@example.nl",
      "confidential": "ja"}


def test_an_added_contact_point_is_listed_and_reaches_the_meldknop(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    response = client.post("/beheer/contactpunten/MIN-A", data={"csrf_token": token, **VP},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Contactpunt Vertrouwenspersoon DG Beleid is toegevoegd aan de lijst van Ministerie van " \
           "Voorbeeldzaken." in html
    row = html.split("<th scope=\"row\">Vertrouwenspersoon DG Beleid</th>", 1)[1].split("</tr>", 1)[0]
    assert "vp@example.nl" in row and "Ja" in row
    [stored] = services.contacts.list_for("MIN-A")
    assert (stored.role.value, stored.confidential) == ("vertrouwenspersoon", True)
    assert services.contacts.list_for("MIN-B") == []
    assert "vp@example.nl" in client.get("/meldknop/waar-terecht?organisatie=MIN-A").get_data(as_text=True)


def test_a_bad_contact_point_is_refused_per_field_and_nothing_is_stored(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    response = client.post("/beheer/contactpunten/MIN-A", data={
        "csrf_token": token, "name": "Twee\nregels", "role": "toverdokter", "reach": "x"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("name", "role", "reach", "confidential"):
        assert f'id="{field}-error"' in html, field
    assert 'aria-describedby="name-hint name-error" aria-invalid="true"' in html
    assert "Geef aan of een gesprek hier vertrouwelijk kan zijn" in html
    assert services.contacts.count() == 0


def test_a_contact_point_typed_twice_is_refused(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    client.post("/beheer/contactpunten/MIN-A", data={"csrf_token": token, **VP})
    response = client.post("/beheer/contactpunten/MIN-A", data={"csrf_token": token, **VP})
    assert response.status_code == 409
    assert "Dit contactpunt staat al in de lijst" in response.get_data(as_text=True)
    assert services.contacts.count("MIN-A") == 1


def test_editing_a_contact_point_keeps_its_place_and_validates(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    first = services.contacts.add("MIN-A", "Eerste", "personeelsraadgever", "070 123 4567", False)
    services.contacts.add("MIN-A", "Tweede", "overig", "https://intranet.example/hulp", False)
    page = client.get(f"/beheer/contactpunten/MIN-A/{first}").get_data(as_text=True)
    assert 'value="Eerste"' in page and 'value="nee" checked' in page
    refused = client.post(f"/beheer/contactpunten/MIN-A/{first}", data={
        "csrf_token": token, "name": "Eerste", "role": "personeelsraadgever", "reach": "",
        "confidential": "nee"})
    assert refused.status_code == 422
    assert services.contacts.get(first, "MIN-A").reach == "070 123 4567"
    response = client.post(f"/beheer/contactpunten/MIN-A/{first}", data={
        "csrf_token": token, "name": "  Eerste   adviseur ", "role": "vertrouwenspersoon",
        "reach": "070 765 4321", "confidential": "ja"}, follow_redirects=True)
    assert "Contactpunt Eerste adviseur is gewijzigd." in response.get_data(as_text=True)
    names = [(c.name, c.role.value, c.reach, c.confidential) for c in services.contacts.list_for("MIN-A")]
    assert names == [("Eerste adviseur", "vertrouwenspersoon", "070 765 4321", True),
                     ("Tweede", "overig", "https://intranet.example/hulp", False)]


def test_removing_a_contact_point_takes_it_off_the_list(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    contact = services.contacts.add("MIN-B", "Weg ermee", "overig", "0612345678", False)
    response = client.post(f"/beheer/contactpunten/MIN-B/{contact}/verwijderen", data={"csrf_token": token},
                           follow_redirects=True)
    assert "Contactpunt Weg ermee is verwijderd uit de lijst van Ministerie van Proefnemingen." in \
        response.get_data(as_text=True)
    assert services.contacts.count("MIN-B") == 0


def test_a_contact_point_cannot_be_reached_through_another_organisation(client, login, csrf_from, services):
    _, token = admin_csrf(client, login, csrf_from)
    contact = services.contacts.add("MIN-B", "Van B", "overig", "0612345678", False)
    assert client.get(f"/beheer/contactpunten/MIN-A/{contact}").status_code == 404
    assert client.post(f"/beheer/contactpunten/MIN-A/{contact}/verwijderen",
                       data={"csrf_token": token}).status_code == 404
    assert client.post("/beheer/contactpunten/MIN-A-DG1", data={"csrf_token": token, **VP}).status_code == 404
    assert services.contacts.count() == 1


def test_the_list_page_shows_the_chosen_organisation(client, login, services):
    login(Role.ADMIN, None)
    services.contacts.add("MIN-B", "Alleen bij B", "overig", "0612345678", False)
    assert "Alleen bij B" in client.get("/beheer/contactpunten?organisatie=MIN-B").get_data(as_text=True)
    assert "Alleen bij B" not in client.get("/beheer/contactpunten?organisatie=MIN-A").get_data(as_text=True)
