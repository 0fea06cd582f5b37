from flask import Blueprint

from blueprints.web import staff_required

bp = staff_required(Blueprint("candidates", __name__, url_prefix="/candidates"))

from blueprints.candidates import routes  # noqa: E402,F401  (registers the views)
