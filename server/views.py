"""Blueprint registration: the composition root knows every web-facing package."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from intake_adapters.api import bp as api_bp
    from intake_adapters.webform import bp as webform_bp
    from server import auth

    app.register_blueprint(auth.bp)
    app.register_blueprint(webform_bp)
    app.register_blueprint(api_bp)
