"""The web toolkit shared by every blueprint: who is asking (``access``) and what they may see
(``permissions``), the services a view may use (``services``), JSON bodies, form errors.

It sits below ``dashboards/`` and ``intake_adapters/`` and above the Flask-free core
(``analytics/``, ``privacy/``, ``registry/``), so the core never imports Flask.
"""
