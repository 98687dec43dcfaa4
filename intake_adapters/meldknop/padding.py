"""Every meldknop page of one step has the same size, so the size on the wire tells nothing.

An observer of encrypted traffic (the employer's proxy, a shared Wi-Fi) sees how long each
response is. Without padding, the answer page would betray which routes were shown and so
roughly what was reported, and an error or refusal page would differ from a stored one. Each
step's HTML is padded with an HTML comment to ``STEP_BYTES`` (or the next multiple of it, for an
organisation whose pages are larger than that); the browser script pads the form's POST body
to ``REQUEST_BYTES`` the same way.

Compression on the way (a proxy that gzips) would shrink the padding again: serve these pages
uncompressed (docs/threat-model.md).
"""

from __future__ import annotations

from flask import Response

# Larger than any page of its step for the demo's Rijk (ten ministries, their units and contact
# lists); a bigger organisation moves a step to the next multiple, never between multiples.
STEP_BYTES = {
    ("meldknop.form", "GET"): 128 * 1024,
    ("meldknop.submit", "POST"): 128 * 1024,
    ("meldknop.where", "GET"): 64 * 1024,
    # The unit options of one organisation (the script asks for them when the choice changes).
    ("meldknop.units", "GET"): 32 * 1024,
    ("meldknop.privacy", "GET"): 16 * 1024,
}
# The form's encoded POST body, padded by static/meldknop.js with the hidden field "padding".
REQUEST_BYTES = 4096
_OPEN = b"\n<!-- "
_CLOSE = b" -->\n"


def padded_size(length: int, step_bytes: int) -> int:
    """The size a body of ``length`` bytes is padded to: the first multiple with room to spare."""
    room = length + len(_OPEN) + len(_CLOSE)
    return max(1, -(-room // step_bytes)) * step_bytes


def pad(response: Response, endpoint: str | None, method: str) -> Response:
    step_bytes = STEP_BYTES.get((endpoint or "", method))
    if step_bytes is None or response.mimetype != "text/html" or response.direct_passthrough:
        return response
    body = response.get_data()
    filler = padded_size(len(body), step_bytes) - len(body) - len(_OPEN) - len(_CLOSE)
    response.set_data(body + _OPEN + b" " * filler + _CLOSE)
    return response
