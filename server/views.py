"""Blueprint registration: the composition root knows every web-facing package."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from dashboards.admin import bp as admin_bp
    from dashboards.analytics_api.api import bp as analytics_api_bp
    from dashboards.council import bp as council_bp
    from dashboards.prevention import bp as prevention_bp
    from dashboards.research import bp as research_bp
    from dashboards.research.api import bp as research_api_bp
    from dashboards.transparency import bp as transparency_bp
    from intake_adapters.api import bp as api_bp
    from intake_adapters.meldknop import bp as meldknop_bp
    from intake_adapters.spreadsheet import bp as spreadsheet_bp
    from intake_adapters.webform import bp as webform_bp
    from server import account, auth, openapi, site_pages
    from server.app import csrf

    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(webform_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(meldknop_bp)
    app.register_blueprint(spreadsheet_bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(research_api_bp)
    app.register_blueprint(analytics_api_bp)
    app.register_blueprint(prevention_bp)
    app.register_blueprint(council_bp)
    app.register_blueprint(research_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(transparency_bp)
    app.register_blueprint(site_pages.bp)
    # The API authenticates with bearer tokens only (never the session cookie), so a cross-site
    # request cannot act for anyone and CSRF tokens do not apply.
    csrf.exempt(api_bp)
    csrf.exempt(openapi.bp)
    csrf.exempt(research_api_bp)
    csrf.exempt(analytics_api_bp)
