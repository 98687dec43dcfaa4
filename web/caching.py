"""Keep a blueprint's responses out of every cache: ``never_cache(bp)``.

Pages and API replies here show someone's figures, receipts, case tokens, passwords or budgets:
a browser's back button or a shared proxy must not keep them. Only what is the same for
everyone (a blueprint's static files, a public page) may be named as an exception.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, Response, request

NO_STORE = "no-store"


def never_cache(bp: Blueprint, *, except_endpoints: Iterable[str] = (),
                keep_own: bool = False) -> None:
    """Send every response of ``bp`` with ``Cache-Control: no-store``, except those of the
    endpoints named (full names, such as ``"admin.static"``). With ``keep_own`` a response that
    chose its own Cache-Control (a download, a static file) keeps it."""
    kept_open = frozenset(except_endpoints)

    def _never_cache(response: Response) -> Response:
        if request.endpoint in kept_open:
            return response
        if keep_own:
            response.headers.setdefault("Cache-Control", NO_STORE)
        else:
            response.headers["Cache-Control"] = NO_STORE
        return response

    bp.after_request(_never_cache)
