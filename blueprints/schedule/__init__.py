from flask import Blueprint

bp = Blueprint("schedule", __name__, url_prefix="/schedule")

from blueprints.schedule import routes  # noqa: E402,F401  (registers the views)
