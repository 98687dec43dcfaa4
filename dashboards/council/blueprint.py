"""The council blueprint object, shared by the modules that add its pages."""

from __future__ import annotations

from flask import Blueprint

from dashboards.council.figures import figure_table_html, month_table_html
from dashboards.margin import margin_explanation, margin_title
from dashboards.report_html import plan_table_html

bp = Blueprint("council", __name__, url_prefix="/raad", template_folder="templates",
               static_folder="static", static_url_path="/static")
# For the templates: the council's tables through the one table renderer
# (dashboards.charts.render), and the one wording of the margin (dashboards.margin).
for _function in (figure_table_html, month_table_html, plan_table_html, margin_title,
                  margin_explanation):
    bp.add_app_template_global(_function)
