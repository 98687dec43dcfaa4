"""The check page /raad/controleren answers every upload on the page, never with a 500.

Deeply nested JSON made Python's parser raise RecursionError; a CSV release whose embedded
document holds NaN made the canonical form raise ValueError. Both are now a failed check with
a Dutch reason, and hypothesis sends arbitrary bytes and JSON to the page and to
``check_download`` itself.
"""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards.council.views_verify import check_download
from registry.accounts import Role
from tests.server.test_cli_errors import BAD_FILES

DEEP = b'{"format":' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001


def upload(client, csrf_from, files: dict[str, bytes]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/raad/controleren").get_data(as_text=True))
    data = {"csrf_token": token,
            **{name: (io.BytesIO(body), f"{name}.json") for name, body in files.items()}}
    return client.post("/raad/controleren", data=data, content_type="multipart/form-data")


@pytest.fixture
def council(client, login):  # type: ignore[no-untyped-def]
    login(Role.WORKS_COUNCIL, "MIN-A")
    return client


def test_deeply_nested_json_is_a_dutch_error_on_the_page(council, csrf_from):
    for files in ({"bestand": DEEP}, {"bestand": b"<html>rapport</html>", "handtekening": DEEP}):
        response = upload(council, csrf_from, files)
        assert response.status_code == 422, list(files)
        html = response.get_data(as_text=True)
        assert "te diep genest" in html and "Er ging iets mis" not in html


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_every_unreadable_release_is_a_failed_check(council, csrf_from, name):
    for files in ({"bestand": BAD_FILES[name]},
                  {"bestand": b"<html></html>", "handtekening": BAD_FILES[name]}):
        response = upload(council, csrf_from, files)
        assert response.status_code == 422, (name, list(files))
        assert "Er ging iets mis" not in response.get_data(as_text=True)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=30)
_release_like = st.fixed_dictionaries(
    {"format": st.sampled_from(["signal-registry-release/1", "x"]),
     "document": _json | st.fixed_dictionaries({"result": st.fixed_dictionaries(
         {"files": _json | st.dictionaries(st.text(max_size=8), st.text(max_size=64))})}),
     "signature": _json, "public_key": _json})
_uploads = st.one_of(
    st.binary(max_size=300),
    _json.map(lambda v: json.dumps(v).encode()),
    _release_like.map(lambda v: json.dumps(v).encode()),
    st.integers(min_value=1, max_value=3000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.integers(min_value=1, max_value=3000).map(lambda n: b"#" + b"[" * n),
    st.sampled_from(sorted(BAD_FILES.values())),
)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=_uploads, signature=st.none() | _uploads)
def test_check_download_answers_anything(app, services, data, signature):
    with app.test_request_context():
        outcome = check_download(data, signature, services.signer.public_key_b64)
    assert not outcome.ok and outcome.message


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=_uploads, signature=st.none() | _uploads)
def test_the_page_never_answers_500(council, csrf_from, data, signature):
    files = {"bestand": data} if signature is None else {"bestand": data, "handtekening": signature}
    response = upload(council, csrf_from, files)
    # 413: a file larger than the request limit (SIGNAL_REGISTRY_MAX_REQUEST_BYTES), refused
    # with the site's Dutch "te groot" page before the view reads it.
    assert response.status_code in (200, 413, 422), response.status_code
    if response.status_code == 413:
        assert "te groot" in response.get_data(as_text=True)
