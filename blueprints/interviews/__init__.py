from flask import Blueprint

from blueprints.web import staff_required

bp = staff_required(Blueprint("interviews", __name__, url_prefix="/interviews"))

from blueprints.interviews import messages, review, routes  # noqa: E402,F401  (registers the views)
