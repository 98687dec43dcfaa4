# The part of Flask-Babel (4.x) this project uses, typed: the package ships no type information,
# so without this file mypy takes every translated string for Any. Signatures follow
# flask_babel/__init__.py; gettext and ngettext take their strings positionally (*args there).
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

from babel import Locale
from flask import Flask
from flask_babel.speaklater import LazyString

class Babel:
    def __init__(self, app: Flask | None = None, date_formats: dict[str, str | None] | None = None,
                 configure_jinja: bool = True, *args: Any, **kwargs: Any) -> None: ...
    def init_app(self, app: Flask, default_locale: str = "en", default_domain: str = "messages",
                 default_translation_directories: str = "translations",
                 default_timezone: str = "UTC",
                 locale_selector: Callable[[], str | None] | None = None,
                 timezone_selector: Callable[[], str | None] | None = None) -> None: ...

def get_locale() -> Locale | None: ...
def force_locale(locale: str) -> AbstractContextManager[None]: ...
def format_datetime(datetime: datetime | None = None, format: str | None = None,
                    rebase: bool = True) -> str: ...
def format_date(date: date | datetime | None = None, format: str | None = None,
                rebase: bool = True) -> str: ...
def gettext(string: str, /, **variables: Any) -> str: ...
def ngettext(singular: str, plural: str, num: int, /, **variables: Any) -> str: ...
def lazy_gettext(string: str, /, **variables: Any) -> LazyString: ...
