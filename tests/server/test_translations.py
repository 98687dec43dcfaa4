"""The English catalog keeps up with the Dutch source: every msgid translated, placeholders
intact, the committed .mo compiled from the committed .po, and English pages really English."""

from __future__ import annotations

import io
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from server import i18n

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "server" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\([^)]*\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]|%[sdif%]|\{[^{}\s]*\}|&#?\w+;")


def _forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return [""]
    return [value] if isinstance(value, str) else list(value)


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as fileobj:
        return read_po(fileobj, locale="en")


@pytest.fixture(scope="module")
def source_template(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What ``pybabel extract`` finds in the source tree today (not the i18n tool's own idea)."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    cwd = os.getcwd()
    os.chdir(ROOT)  # babel.cfg patterns and the written locations are relative to the root
    try:
        CommandLineInterface().run([
            "pybabel", "--quiet", "extract", "-F", "babel.cfg", "-o", str(pot),
            "--ignore-dirs", ".* _* tests bench", "-k", "lazy_gettext", "-k", "_l", ".",
        ])
    finally:
        os.chdir(cwd)
    with pot.open("rb") as fileobj:
        return read_po(fileobj)


@pytest.fixture(scope="module")
def english() -> Catalog:
    return _read_po(PO)


def test_the_source_has_messages_to_translate(source_template):
    ids = {m.id for m in source_template if m.id}
    assert len(ids) > 100
    assert {"Inloggen", "Meldknop sociale veiligheid en integriteit"} <= ids


def test_every_msgid_in_the_source_has_an_english_translation(source_template, english):
    missing, fuzzy = [], []
    for wanted in source_template:
        if not wanted.id:
            continue
        message = english.get(wanted.id, wanted.context)
        if message is not None and message.fuzzy:
            fuzzy.append(wanted.id)
        elif message is None or not all(_forms(message.string)):
            missing.append(wanted.id)
    assert not missing, f"untranslated; run `python -m server.i18n update` and translate: {missing}"
    assert not fuzzy, f"fuzzy translations to review in {PO.relative_to(ROOT)}: {fuzzy}"


def test_placeholders_and_entities_match_between_msgid_and_msgstr(english):
    wrong = []
    for message in english:
        if not message.id:
            continue
        ids, strings = _forms(message.id), _forms(message.string)
        if len(ids) == 1:
            if Counter(PLACEHOLDER.findall(ids[0])) != Counter(PLACEHOLDER.findall(strings[0])):
                wrong.append(message.id)
        else:  # plural forms: together they use exactly the msgid's placeholders
            want = {p for text in ids for p in PLACEHOLDER.findall(text)}
            got = {p for text in strings for p in PLACEHOLDER.findall(text)}
            if want != got:
                wrong.append(message.id)
        if message.python_format and message.check():
            wrong.append(message.id)
    assert not wrong, wrong


def test_the_committed_mo_is_compiled_from_the_committed_po(english):
    assert MO.exists(), "run `python -m server.i18n compile`"
    buffer = io.BytesIO()
    write_mo(buffer, english, use_fuzzy=False)
    # i18n.mo_messages reads plural messages (lists in babel's read_mo) as tuples.
    assert i18n.mo_messages(MO.read_bytes()) == i18n.mo_messages(buffer.getvalue()), (
        "stale .mo: run `python -m server.i18n compile`")


def test_update_keeps_translations_adds_new_msgids_and_check_reports_them(tmp_path):
    (tmp_path / "babel.cfg").write_text("[python: **.py]\n", encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text('_("Hallo")\n_("Dag %(name)s")\n', encoding="utf-8")
    translations = tmp_path / "translations"
    (report,) = i18n.update(["en"], root=tmp_path, translations=translations)
    assert sorted(report.untranslated) == ["Dag %(name)s", "Hallo"]

    catalog = _read_po(i18n.po_path("en", translations))
    catalog.get("Hallo").string = "Hello"
    catalog.get("Dag %(name)s").string = "Goodbye %(naam)s"  # a broken placeholder
    with i18n.po_path("en", translations).open("wb") as fileobj:
        fileobj.write(i18n.render_po(catalog))
    (report,) = i18n.check(["en"], root=tmp_path, translations=translations)
    assert report.mo_stale and report.placeholder_errors and not report.ok

    (tmp_path / "pkg" / "mod.py").write_text('_("Hallo")\n_("Nieuw")\n', encoding="utf-8")
    (report,) = i18n.update(["en"], root=tmp_path, translations=translations)
    assert report.untranslated == ["Nieuw"]
    with i18n.mo_path("en", translations).open("rb") as fileobj:
        compiled = {m.id: m.string for m in read_mo(fileobj) if m.id}
    assert compiled == {"Hallo": "Hello"}  # kept; nothing broken or empty compiled


def test_the_committed_catalogs_pass_the_i18n_check(source_template):
    (report,) = i18n.check(["en"], template=source_template)
    assert report.ok, report


def _switch_to_english(client, csrf_from, path: str) -> str:
    token = csrf_from(client.get(path).get_data(as_text=True))
    response = client.post("/taal/en", data={"csrf_token": token, "next": path})
    assert response.status_code == 302
    page = client.get(path)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_login_page_is_english_after_switching(client, csrf_from):
    html = _switch_to_english(client, csrf_from, "/login")
    assert 'lang="en"' in html
    for english_text in ("Log in", "Username", "Password", "Skip to content"):
        assert english_text in html
    for dutch_text in ("Inloggen", "Gebruikersnaam", "Wachtwoord", "Naar de inhoud"):
        assert dutch_text not in html


def test_meldknop_is_english_after_switching(client, csrf_from):
    html = _switch_to_english(client, csrf_from, "/meldknop")
    assert "Report button for social safety and integrity" in html
    assert "Send anonymously" in html
    for dutch_text in ("Meldknop sociale veiligheid en integriteit", "Anoniem versturen", "Wat speelt er?"):
        assert dutch_text not in html
