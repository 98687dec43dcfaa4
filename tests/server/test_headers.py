"""Security headers on every response: pages of every blueprint, the JSON API, static files,
redirects and error pages (404, 405, 413, 429, 500); HSTS in production only; and a real
``signal-registry serve`` (gunicorn) that does not name its software or version."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from privacy.signing import create_signing_key_file
from registry.accounts import Role
from server.app import create_app, csrf
from server.headers import CONTENT_SECURITY_POLICY
from server.migrations import upgrade
from tests.conftest import MASTER_SECRET
from tests.server.test_cli import _free_port, _wait_for

MAX_BYTES = 4096
EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def database_url(tmp_path):  # type: ignore[no-untyped-def]
    # Headers do not depend on the database; SQLite is enough.
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def settings_overrides(settings_overrides):  # type: ignore[no-untyped-def]
    return {**settings_overrides, "max_request_bytes": MAX_BYTES, "login_rate_limit": "2 per hour"}


def assert_secure(response, what: str) -> None:  # type: ignore[no-untyped-def]
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{what}: {name} is {response.headers.get(name)!r}"
    assert "Strict-Transport-Security" not in response.headers, f"{what}: HSTS outside production"


def test_the_policy_is_strict():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives == {
        "default-src": "'none'", "script-src": "'self'", "style-src": "'self'",
        "img-src": "'self' data:", "connect-src": "'self'", "form-action": "'self'",
        "base-uri": "'none'", "frame-ancestors": "'none'",
    }
    assert "unsafe" not in CONTENT_SECURITY_POLICY


# One page of every blueprint that has pages, as the role that may see it.
PAGES = [
    (None, "/"), (None, "/login"), (None, "/meldknop"), (None, "/meldknop/wat-gebeurt-er"),
    (None, "/privacy/budget"), (None, "/api/docs"),
    (Role.ADVISER, "/signalen/nieuw"), (Role.ADVISER, "/signalen/ontvangstbewijs"),
    (Role.ADVISER, "/signalen/import"),
    (Role.PREVENTION_OFFICER, "/dashboard/"),
    (Role.WORKS_COUNCIL, "/raad/"),
    (Role.RESEARCHER, "/onderzoek/"),
    (Role.ADMIN, "/beheer/"), (Role.ADMIN, "/beheer/gebruikers"),
]


@pytest.mark.parametrize("role,path", PAGES, ids=[p for _, p in PAGES])
def test_every_kind_of_page_carries_the_headers(client, login, role, path):
    if role is not None:
        login(role, "MIN-A" if role.needs_organisation else None)
    response = client.get(path)
    assert response.status_code == 200, path
    assert_secure(response, path)


def test_the_json_api_static_files_and_redirects_carry_the_headers(client, make_token):
    responses = {
        "JSON API": client.get("/api/v1/taxonomy"),
        "JSON API with a token": client.get("/api/v1/org", headers=make_token(Role.ADVISER)),
        "OpenAPI": client.get("/api/openapi.json"),
        "static file": client.get("/static/style.css"),
        "blueprint static file": client.get("/dashboard/static/dashboard.js"),
        "redirect to sign in": client.get("/beheer/"),
    }
    for what, response in responses.items():
        assert response.status_code in (200, 302), what
        assert_secure(response, what)


@pytest.fixture
def failing_route(app):  # type: ignore[no-untyped-def]
    def explode():  # type: ignore[no-untyped-def]
        raise RuntimeError("simulated bug")

    app.add_url_rule("/test-explode", "test_explode", explode)
    csrf.exempt(explode)
    return app


def test_error_pages_carry_the_headers(failing_route, make_token, csrf_from):
    client = failing_route.test_client()
    adviser = make_token(Role.ADVISER)
    errors = {404: client.get("/bestaat-niet"), 405: client.delete("/api/v1/taxonomy"),
              413: client.post("/api/v1/signals", data=b" " * (MAX_BYTES + 1), headers=adviser,
                               content_type="application/json"),
              500: client.get("/test-explode")}
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for _ in range(3):
        errors[429] = client.post("/login", data={"username": "niemand", "password": "fout",
                                                  "csrf_token": token})
    for status, response in errors.items():
        assert response.status_code == status
        assert_secure(response, f"error {status}")
    api_500 = client.get("/test-explode", headers={"Accept": "application/json"})
    assert api_500.status_code == 500 and api_500.mimetype == "application/json"
    assert_secure(api_500, "JSON 500")


def production_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    key = tmp_path / "signing-key"
    create_signing_key_file(key)
    app = create_app({"mode": "production", "master_secret": MASTER_SECRET,
                      "database_url": f"sqlite:///{tmp_path / 'production.db'}",
                      "data_dir": str(tmp_path / "data"), "signing_key_file": str(key),
                      "secret_key": "production-test-key"})
    upgrade(app.extensions["signal_registry"].db.engine)
    return app


def test_hsts_is_sent_in_production_only(client, tmp_path):
    app = production_app(tmp_path)
    try:
        production = app.test_client()
        for path in ("/", "/api/v1/taxonomy", "/static/style.css", "/bestaat-niet"):
            response = production.get(path)
            assert response.headers.get("Strict-Transport-Security") == HSTS, path
            assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    finally:
        app.extensions["signal_registry"].db.dispose()
    assert "Strict-Transport-Security" not in client.get("/").headers  # test mode


def test_a_view_cannot_weaken_the_headers(app, client):
    @app.get("/test-weak")
    def weak():  # type: ignore[no-untyped-def]
        return "x", 200, {"Content-Security-Policy": "default-src *", "X-Frame-Options": "ALLOW"}

    assert_secure(client.get("/test-weak"), "a view's own headers")


def test_a_real_server_names_no_software_version(tmp_path: Path) -> None:
    key = tmp_path / "signing-key"
    create_signing_key_file(key)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "SIGNAL_REGISTRY_MODE": "production", "SIGNAL_REGISTRY_MASTER_SECRET": MASTER_SECRET,
           "SIGNAL_REGISTRY_SIGNING_KEY_FILE": str(key), "SIGNAL_REGISTRY_SECURE_COOKIES": "false",
           "SIGNAL_REGISTRY_DATA_DIR": str(tmp_path / "data")}
    subprocess.run([sys.executable, "-m", "server.cli", "init-db"], env=env, check=True,
                   capture_output=True, timeout=120)
    process = subprocess.Popen(  # noqa: S603 - the product's own command, fixed arguments
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/login", process, seconds=60) == 200
        responses = []
        for path in ("/login", "/static/style.css", "/api/v1/taxonomy"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
                responses.append((path, response.headers))
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bestaat-niet", timeout=10)
        responses.append(("/bestaat-niet", missing.value.headers))
    finally:
        process.terminate()
        process.wait(timeout=30)
    for path, headers in responses:
        server = headers.get("Server", "")
        assert "gunicorn" not in server.lower() and not any(c.isdigit() for c in server), (path, server)
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert headers["Strict-Transport-Security"] == HSTS, path


def test_the_headers_hold_for_a_file_upload_refused_as_too_large(client, login):
    login(Role.ADMIN, None)
    response = client.post("/beheer/organisatie", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"x" * (MAX_BYTES * 2)), "org.csv")})
    assert response.status_code in (400, 413)
    assert_secure(response, "a refused upload")
