from flask import Blueprint

from blueprints.web import staff_required

bp = staff_required(Blueprint("jobs", __name__, url_prefix="/jobs"))

from blueprints.jobs import routes  # noqa: E402,F401  (registers the views)
