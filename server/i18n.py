"""Keep the translations in step with the source: ``python -m server.i18n update|check|compile``.

The source strings are Dutch; ``server/translations/<locale>/LC_MESSAGES/messages.po`` holds the
translations and ``messages.mo`` the compiled form Flask-Babel reads.

``update``
    Extract every message from the source tree (``babel.cfg``; ``.venv``, ``tests`` and
    ``bench`` are skipped), merge the result into each catalog (existing translations stay; a
    changed source string comes back as *fuzzy* with its old translation, to review), and compile
    the ``.mo``. Prints the msgids that still need a translation.
``check``
    Exit 1, listing them, when a msgid in the source has no (or only a fuzzy) translation, when
    a translation's placeholders differ from its msgid's, or when a ``.mo`` is missing or stale.
``compile``
    Only compile the ``.po`` files (after editing translations by hand).

Fuzzy translations and translations whose placeholders do not match are left out of the
``.mo``: the page then shows the Dutch text instead of failing.
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import os
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
LOCALES = ("en",)
IGNORE_DIRS = (".*", "_*", "tests", "bench", "node_modules", "build", "dist", "*.egg-info")
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "lazy_gettext": None,
    "_l": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}
COMMENT_TAGS = ("Translators:",)
HEADER_COMMENT = (
    "# {language} translations of the Signaalregister sociale veiligheid.\n"
    "# The source strings are Dutch. Regenerate with `python -m server.i18n update`;\n"
    "# see server/translations/README.md."
)
LANGUAGE_NAMES = {"en": "English"}
PLACEHOLDER = re.compile(
    r"%\([^)]*\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]"  # %(name)s
    r"|%[#0 +-]*\d*(?:\.\d+)?[sdirfgxXeEoc%]"  # %s, %d, %%
    r"|\{[A-Za-z_0-9.\[\]]*(?:![rsa])?(?::[^{}]*)?\}"  # {name}, {0}, {}
    r"|&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+\d*);"  # HTML entities
)


def po_path(locale: str, translations: Path = TRANSLATIONS) -> Path:
    return translations / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str, translations: Path = TRANSLATIONS) -> Path:
    return translations / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


# --- extraction -------------------------------------------------------------------------------


def _directory_filter(path: str) -> bool:
    name = os.path.basename(path)
    return not any(fnmatch.fnmatch(name, pattern) for pattern in IGNORE_DIRS)


def extract(root: Path = ROOT, mapping_file: Path | None = None) -> Catalog:
    """Every translatable message in the source tree under ``root``, as a template catalog."""
    mapping_file = mapping_file or root / "babel.cfg"
    with open(mapping_file, encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, str(mapping_file))
    template = Catalog(project="signal-registry", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
        strip_comment_tags=True, directory_filter=_directory_filter,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


# --- inspecting a catalog ---------------------------------------------------------------------


def placeholders(text: str) -> Counter[str]:
    """The placeholders (``%(name)s``, ``%s``, ``%%``, ``{name}``) and HTML entities in ``text``."""
    return Counter(PLACEHOLDER.findall(text))


def _forms(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return [""]
    return [value] if isinstance(value, str) else list(value)


def msgid_text(message: Message) -> str:
    return " | ".join(_forms(message.id))


def is_translated(message: Message | None) -> bool:
    return message is not None and not message.fuzzy and all(_forms(message.string))


def placeholder_problem(message: Message) -> str | None:
    """Why the translation's placeholders do not fit its msgid, or None when they do."""
    if not all(_forms(message.string)):
        return None
    ids = _forms(message.id)
    strings = _forms(message.string)
    if len(ids) == 1:
        want, got = placeholders(ids[0]), placeholders(strings[0])
        if want != got:
            return f"msgid has {sorted(want.elements())}, msgstr has {sorted(got.elements())}"
        return None
    # Plural forms: a singular may spell the number out, so each form may use a subset of the
    # msgid's placeholders, and together they must use all of them.
    allowed = set().union(*(placeholders(text) for text in ids))
    used = set().union(*(placeholders(text) for text in strings))
    if used != allowed:
        return f"msgid forms have {sorted(allowed)}, msgstr forms have {sorted(used)}"
    return None


def translation_problem(message: Message) -> str | None:
    """Why this translation cannot be used as it is (placeholders), or None when it can."""
    problem = placeholder_problem(message)
    if problem or not all(_forms(message.string)):
        return problem
    try:
        errors = message.check()  # Babel's own python-format checks
    except Exception as error:
        return str(error)
    return "; ".join(str(error) for error in errors) or None


def compilable(catalog: Catalog) -> Catalog:
    """A copy of ``catalog`` holding only what belongs in the ``.mo``."""
    out = Catalog(locale=catalog.locale, domain=catalog.domain, fuzzy=False)
    out.mime_headers = catalog.mime_headers
    for message in catalog:
        if not message.id or not is_translated(message):
            continue
        if translation_problem(message):
            continue
        out.add(message.id, message.string, context=message.context)
    return out


def mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, compilable(catalog), use_fuzzy=False)
    return buffer.getvalue()


def _hashable(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def mo_messages(data: bytes) -> dict[tuple[object, object], object]:
    """The messages of a compiled catalog, comparable between two ``.mo`` files."""
    catalog = read_mo(io.BytesIO(data))
    # babel's read_mo gives a plural message's id and string as lists: tuples compare the same
    # and can be keys.
    messages: dict[tuple[object, object], object] = {
        (_hashable(message.id), message.context): _hashable(message.string)
        for message in catalog if message.id
    }
    messages[("", "plural-forms")] = catalog.plural_forms
    return messages


def read_catalog(path: Path, locale: str) -> Catalog:
    with path.open("rb") as fileobj:
        return read_po(fileobj, locale=locale, domain=DOMAIN)


def render_po(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, ignore_obsolete=True,
             include_previous=True)
    return buffer.getvalue()


# --- commands ---------------------------------------------------------------------------------


@dataclass
class Report:
    locale: str
    messages: int = 0
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    placeholder_errors: list[str] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)
    mo_stale: bool = False

    @property
    def ok(self) -> bool:
        return not (self.untranslated or self.fuzzy or self.placeholder_errors or self.mo_stale)


def _inspect(template: Catalog, catalog: Catalog, locale: str) -> Report:
    report = Report(locale, messages=sum(1 for m in template if m.id))
    for wanted in template:
        if not wanted.id:
            continue
        message = catalog.get(wanted.id, wanted.context)
        if message is not None and message.fuzzy:
            report.fuzzy.append(msgid_text(wanted))
        elif not is_translated(message):
            report.untranslated.append(msgid_text(wanted))
    for message in catalog:
        if not message.id:
            continue
        problem = translation_problem(message)
        if problem:
            report.placeholder_errors.append(f"{msgid_text(message)!r}: {problem}")
        if template.get(message.id, message.context) is None:
            report.obsolete.append(msgid_text(message))
    return report


def compile_catalog(locale: str, translations: Path = TRANSLATIONS) -> bool:
    """Write the ``.mo`` for ``locale`` when it differs from the ``.po``; True when written."""
    data = mo_bytes(read_catalog(po_path(locale, translations), locale))
    target = mo_path(locale, translations)
    if target.exists() and target.read_bytes() == data:
        return False
    target.write_bytes(data)
    return True


def update(locales: Sequence[str] = LOCALES, root: Path = ROOT,
           translations: Path = TRANSLATIONS) -> list[Report]:
    template = extract(root)
    reports = []
    for locale in locales:
        path = po_path(locale, translations)
        if path.exists():
            old = path.read_bytes()
            catalog = read_catalog(path, locale)
        else:
            old = b""
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(
                locale=locale, domain=DOMAIN, project="signal-registry", version="0.1.0",
                msgid_bugs_address="-", last_translator="signal-registry maintainers",
                revision_date=template.creation_date, fuzzy=False,
                header_comment=HEADER_COMMENT.format(language=LANGUAGE_NAMES.get(locale, locale)),
                language_team=LANGUAGE_NAMES.get(locale, locale),
            )
        catalog.update(template, update_creation_date=False)
        rendered = render_po(catalog)
        if rendered != old:  # only touch the file (and its dates) when a message changed
            catalog.creation_date = template.creation_date
            path.write_bytes(render_po(catalog))
        compile_catalog(locale, translations)
        reports.append(_inspect(template, catalog, locale))
    return reports


def check(locales: Sequence[str] = LOCALES, root: Path = ROOT,
          translations: Path = TRANSLATIONS, template: Catalog | None = None) -> list[Report]:
    template = template or extract(root)
    reports = []
    for locale in locales:
        path = po_path(locale, translations)
        if not path.exists():
            report = Report(locale, messages=sum(1 for m in template if m.id), mo_stale=True)
            report.untranslated = [msgid_text(m) for m in template if m.id]
            reports.append(report)
            continue
        catalog = read_catalog(path, locale)
        report = _inspect(template, catalog, locale)
        mo = mo_path(locale, translations)
        report.mo_stale = not mo.exists() or mo_messages(mo.read_bytes()) != mo_messages(
            mo_bytes(catalog)
        )
        reports.append(report)
    return reports


def _print(reports: Sequence[Report], verbose_obsolete: bool = False) -> None:
    for report in reports:
        done = report.messages - len(report.untranslated) - len(report.fuzzy)
        print(f"{report.locale}: {done} of {report.messages} msgids translated")
        sections = [
            ("without a translation", report.untranslated),
            ("with a fuzzy translation to review (remove the '#, fuzzy' line when done)",
             report.fuzzy),
            ("whose placeholders differ from the msgid", report.placeholder_errors),
        ]
        for title, items in sections:
            if items:
                print(f"{report.locale}: {len(items)} msgids {title}:")
                for item in items:
                    print(f"  - {item!r}" if title != sections[2][0] else f"  - {item}")
        if report.obsolete:
            print(f"{report.locale}: {len(report.obsolete)} msgids no longer in the source "
                  "(`update` drops them)")
            if verbose_obsolete:
                for item in report.obsolete:
                    print(f"  - {item!r}")
        if report.mo_stale:
            print(f"{report.locale}: {mo_path(report.locale).relative_to(ROOT)} is missing or "
                  "stale; run `python -m server.i18n compile`")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.i18n", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["update", "check", "compile"])
    parser.add_argument("--locale", action="append", dest="locales",
                        help=f"only this locale (repeatable; default: {', '.join(LOCALES)})")
    args = parser.parse_args(argv)
    locales = tuple(args.locales or LOCALES)
    if args.command == "compile":
        for locale in locales:
            written = compile_catalog(locale)
            print(f"{locale}: {mo_path(locale).relative_to(ROOT)} "
                  f"{'written' if written else 'already up to date'}")
        return 0
    if args.command == "update":
        reports = update(locales)
        _print(reports)
        return 0
    reports = check(locales)
    _print(reports, verbose_obsolete=True)
    return 0 if all(report.ok for report in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
