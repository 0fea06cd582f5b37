from flask import Blueprint

from blueprints.web import staff_required

bp = staff_required(Blueprint("slots", __name__, url_prefix="/slots"))

from blueprints.slots import routes  # noqa: E402,F401  (registers the views)
