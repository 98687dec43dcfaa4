"""The one form-error model (``web.forms``), its macros (``server/templates/_forms.html``) and
the one cache rule of the blueprints (``web.caching``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
from flask import Blueprint, Flask, Response
from hypothesis import given
from hypothesis import strategies as st

from registry.errors import FieldError
from web.caching import never_cache
from web.forms import (
    NO_ERRORS,
    FieldMessage,
    FormErrors,
    FormFields,
    page_messages,
    registry_messages,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "server" / "templates"
DECLARED = ("period", "unit", "categories", "case_token")
FORM = FormFields(DECLARED, anchors={"categories": "categories-pesten"})


def macros(locale: str = "nl") -> Any:
    """The macros as every page imports them, with gettext and the locale stubbed."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    env.globals.update(_=lambda text, **values: text % values if values else text,
                       get_locale=lambda: locale)
    return env.get_template("_forms.html").module


# Any set of errors: fields on the form and off it, each message distinct.
field_errors = st.lists(
    st.tuples(st.sampled_from((*DECLARED, "other", "")),
              st.text(alphabet="abcdefghij ", min_size=1, max_size=12).map(str.strip)
              .filter(bool)),
    max_size=12, unique_by=lambda pair: pair[1],
).map(lambda pairs: [FieldError(name, f"melding {text}") for name, text in pairs])


@given(field_errors)
def test_any_set_of_field_errors_is_summarised_in_declared_order_each_once(errors):
    found = FORM.errors(registry_messages(errors))
    said = [line.message.text for line in found.summary]
    assert sorted(said) == sorted(error.message for error in errors)
    rank = {name: i for i, name in enumerate(DECLARED)}
    ranks = [rank.get(line.field, len(DECLARED)) for line in found.summary]
    assert ranks == sorted(ranks)
    assert list(found.by_field) == [line.field for line in found.summary
                                    if line.message == found.get(line.field)[0]]
    assert bool(found) == bool(errors)


@given(field_errors)
def test_any_set_of_field_errors_renders_in_declared_order_each_once(errors):
    found = FORM.errors(registry_messages(errors))
    forms = macros()
    summary = str(forms.error_summary(found))
    listed = re.findall(r"melding [a-j ]+", summary)
    assert listed == [line.message.text for line in found.summary]
    beside = "".join(str(forms.field_error(name, found)) for name in DECLARED)
    on_the_form = [line.message.text for line in found.summary if line.field in DECLARED]
    assert re.findall(r"melding [a-j ]+", beside) == on_the_form


def test_the_summary_links_to_the_first_control_and_leaves_other_fields_unlinked():
    found = FORM.errors(registry_messages([
        FieldError("other", "Onbekend veld."), FieldError("categories", "Kies er een."),
        FieldError("period", "Alleen de maand."),
    ]), labels={"period": "Maand"})
    assert [(line.field, line.anchor, line.label) for line in found.summary] == [
        ("period", "period", "Maand"), ("categories", "categories-pesten", ""), ("other", "", "")]
    summary = str(macros().error_summary(found))
    assert '<a href="#period">Maand: Alleen de maand.</a>' in summary
    assert '<a href="#categories-pesten">Kies er een.</a>' in summary
    assert "<li>Onbekend veld.</li>" in summary


def test_aliases_and_other_place_an_error_on_the_field_that_shows_it():
    form = FormFields(("file", "budget", ""), aliases={"epsilon": "budget"}, other="file")
    found = form.errors(registry_messages([FieldError("epsilon", "Te groot."),
                                           FieldError("header", "Geen kopregel."),
                                           FieldError("", "Leeg.")]))
    assert found.texts("budget") == ["Te groot."]
    assert found.texts("file") == ["Geen kopregel."]
    assert found.texts("") == ["Leeg."]
    assert [line.anchor for line in found.summary] == ["file", "budget", ""]


def test_the_same_message_twice_is_said_once():
    twice = [FieldError("unit", "Kies een onderdeel."), FieldError("unit", "Kies een onderdeel.")]
    assert FORM.errors(registry_messages(twice)).texts("unit") == ["Kies een onderdeel."]


def test_the_registrys_dutch_is_marked_on_an_english_page_and_the_pages_own_words_are_not():
    found = FORM.errors(registry_messages([FieldError("period", "Alleen de maand.")]),
                        page_messages({"unit": ["Choose a unit."]}))
    english = macros("en")
    assert '<span lang="nl">Alleen de maand.</span>' in str(english.field_error("period", found))
    assert "lang=" not in str(english.field_error("unit", found))
    assert '<a href="#period"><span lang="nl">Alleen de maand.</span></a>' in str(
        english.error_summary(found))
    assert "lang=" not in str(macros("nl").error_summary(found))


def test_wtforms_errors_and_worded_field_errors_are_in_the_pages_language():
    lazy = type("Lazy", (), {"__str__": lambda self: "Vul een naam in."})()
    assert page_messages({"label": [lazy]}) == (FieldMessage("label", "Vul een naam in."),)
    assert page_messages([FieldError("code", "Too late.")]) == (FieldMessage("code", "Too late."),)
    assert registry_messages([FieldError("code", "Te laat.")])[0].dutch


def test_described_names_the_hint_and_the_error_and_marks_the_field_invalid():
    forms = macros()
    found = FORM.errors(registry_messages([FieldError("unit", "Kies een onderdeel.")]))
    assert str(forms.described("unit", found)) == (
        ' aria-describedby="unit-hint unit-error" aria-invalid="true"')
    assert str(forms.described("period", found)) == ' aria-describedby="period-hint"'
    assert str(forms.described("period", found, hint=False)) == ""
    # On a fieldset aria-invalid belongs on the inputs inside.
    assert str(forms.described("unit", found, group=True)) == (
        ' aria-describedby="unit-hint unit-error"')
    assert str(forms.described("unit", found, hint=False, prefix="a-1-")) == (
        ' aria-describedby="a-1-unit-error" aria-invalid="true"')
    assert 'id="a-1-unit-error"' in str(forms.field_error("unit", found, "a-1-"))


def test_no_errors_render_nothing():
    forms = macros()
    assert not NO_ERRORS and NO_ERRORS.get("unit") == ()
    assert str(forms.error_summary(NO_ERRORS)).strip() == ""
    assert str(forms.field_error("unit", NO_ERRORS)).strip() == ""
    assert isinstance(FORM.errors(), FormErrors) and not FORM.errors()


def test_never_cache_keeps_every_response_but_the_named_ones_out_of_caches():
    app = Flask(__name__)
    bp = Blueprint("private", __name__)
    bp.add_url_rule("/page", "page", lambda: "figures")
    bp.add_url_rule("/public", "public", lambda: "the same for everyone")
    bp.add_url_rule("/own", "own", lambda: Response("file", headers={"Cache-Control": "private"}))
    never_cache(bp, except_endpoints=("private.public",))
    kept = Blueprint("kept", __name__, url_prefix="/kept")
    kept.add_url_rule("/own", "own", lambda: Response("file", headers={"Cache-Control": "private"}))
    never_cache(kept, keep_own=True)
    app.register_blueprint(bp)
    app.register_blueprint(kept)
    client = app.test_client()
    assert client.get("/page").headers["Cache-Control"] == "no-store"
    assert "Cache-Control" not in client.get("/public").headers
    assert client.get("/own").headers["Cache-Control"] == "no-store"
    assert client.get("/kept/own").headers["Cache-Control"] == "private"
