"""The upload page: advisers only, CSRF-protected, dry run and import, errors in Dutch."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from intake_adapters.spreadsheet import bp
from intake_adapters.spreadsheet.reader import UPLOAD_LIMITS
from registry.accounts import Role

PAGE = "/signalen/import"
SAMPLES = Path(__file__).parent.parent / "fixtures" / "import"
VP_SAMPLE = (SAMPLES / "vertrouwenspersoon-contactregistratie.csv").read_bytes()
VP_HEADER = ("Datum;Naam melder;Afdeling;Onderwerp;Betrokkene;Functie melder;Afhandeling;Gevolgen;"
             "Toelichting\n")


@pytest.fixture(autouse=True)
def _registered(app):  # type: ignore[no-untyped-def]
    # The lead registers the blueprint in server/views.py; until then the tests do it.
    if "spreadsheet" not in app.blueprints:
        app.register_blueprint(bp)


def post(client, csrf_from, content: bytes, *, action: str = "dry_run", filename: str = "vp.csv",
         form_id: str | None = None, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get(PAGE).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "mapping": "vertrouwenspersoon-jaarverslag",
            "channel": "vp_intern", "encoding": "utf-8", "action": action,
            "form_id": form_id or re.search(r'name="form_id" value="([^"]+)"', page).group(1),
            "file": (io.BytesIO(content), filename), **fields}
    return client.post(PAGE, data=data, content_type="multipart/form-data")


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADVISER])
def test_only_advisers_may_open_the_page(client, login, role):
    login(role, "MIN-A" if role.needs_organisation else None)
    assert client.get(PAGE).status_code == 403


def test_the_page_offers_file_mapping_channel_and_both_buttons(client, login):
    login(Role.ADVISER)
    response = client.get(PAGE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    assert '<label for="file">' in page and 'aria-describedby="file-hint"' in page
    for name in ("bmw-registratie", "personeelsraadgever", "rijk-integriteit",
                 "vertrouwenspersoon-contactregistratie"):
        assert f'id="mapping-{name}"' in page
    assert re.search(r'<option value="vp_intern"\s+selected>', page)  # the account's channel
    assert 'value="dry_run"' in page and 'value="import"' in page
    assert "<legend>" in page


def test_a_post_without_the_csrf_token_is_refused(client, login, services):
    login(Role.ADVISER)
    response = client.post(PAGE, data={"mapping": "vertrouwenspersoon-jaarverslag", "channel": "bmw",
                                       "action": "import", "file": (io.BytesIO(VP_SAMPLE), "vp.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and services.signals.count() == 0


def test_a_dry_run_shows_each_row_in_words_and_stores_nothing(client, login, csrf_from, services):
    login(Role.ADVISER)
    response = post(client, csrf_from, VP_SAMPLE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Proefimport: er is niets opgeslagen" in page
    assert "9 contacten zouden worden opgeslagen" in page
    assert "Directie Analyse (MIN-A-DG1-D1)" in page and "Alleen luisteren" in page
    assert "&#39;Naam melder&#39;, &#39;Toelichting&#39;" in page
    assert "J. de Vries" not in page and "03-01-2025" not in page
    assert services.signals.count() == 0


def test_an_import_stores_every_row_once_even_when_the_form_is_sent_again(client, login, csrf_from,
                                                                          services):
    login(Role.ADVISER)
    response = post(client, csrf_from, VP_SAMPLE, action="import", form_id="form-1")
    assert response.status_code == 200
    assert "9 contacten zijn opgeslagen" in response.get_data(as_text=True)
    assert services.signals.count() == 9
    again = post(client, csrf_from, VP_SAMPLE, action="import", form_id="form-1")
    assert again.status_code == 409 and services.signals.count() == 9


def test_one_bad_row_refuses_the_import_and_lists_the_line(client, login, csrf_from, services):
    login(Role.ADVISER)
    content = (VP_HEADER + "03-01-2025;;MIN-A;Pesten;Collega;Medewerker;Advies;;\n"
               "04-01-2025;;MIN-B-D1;Treiteren;Collega;Medewerker;Advies;;\n").encode()
    response = post(client, csrf_from, content, action="import")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Import geweigerd: er is niets opgeslagen" in page
    assert "Deze waarde staat niet in de koppeling voor onderwerp(en)." in page
    assert "Dit onderdeel hoort niet bij uw organisatie." in page
    assert "<td class=\"num\">3</td>" in page
    assert services.signals.count() == 0


def test_a_refused_file_shows_the_reason_next_to_the_file_field(client, login, csrf_from, services):
    login(Role.ADVISER)
    content = (VP_HEADER + "03-01-2025;=cmd;MIN-A;Pesten;Collega;Medewerker;Advies;;\n").encode()
    response = post(client, csrf_from, content, action="import")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="file-error"' in page and 'aria-describedby="file-hint file-error"' in page
    assert "Regel 2, kolom &#39;Naam melder&#39;" in page and 'href="#file"' in page
    assert services.signals.count() == 0


def test_missing_choices_are_each_named(client, login, csrf_from):
    login(Role.ADVISER)
    response = post(client, csrf_from, b"", filename="", mapping="nergens", channel="fax",
                    encoding="ebcdic")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("Kies een bestand", "Kies een koppeling uit de lijst.",
                    "Kies het kanaal waarlangs", "Kies UTF-8 of Windows-1252."):
        assert message in page


def test_an_upload_over_the_limit_gets_a_clear_message(client, login, csrf_from, services):
    login(Role.ADVISER)
    response = post(client, csrf_from, VP_SAMPLE + b"x" * UPLOAD_LIMITS.max_bytes, action="import")
    assert response.status_code == 413
    assert "de grens is 20 MB" in response.get_data(as_text=True)
    assert services.signals.count() == 0


def test_a_windows_1252_file_imports_when_declared(client, login, csrf_from, services):
    login(Role.ADVISER)
    content = (VP_HEADER + "03-01-2025;Renée;MIN-A;Pesten;Collega;Medewerker;Advies;;\n").encode("cp1252")
    refused = post(client, csrf_from, content, action="import")
    assert refused.status_code == 422 and "geen UTF-8" in refused.get_data(as_text=True)
    accepted = post(client, csrf_from, content, action="import", encoding="cp1252")
    assert accepted.status_code == 200 and services.signals.count() == 1
