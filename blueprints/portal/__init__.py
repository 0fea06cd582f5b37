from flask import Blueprint

bp = Blueprint("portal", __name__)

from blueprints.portal import routes  # noqa: E402,F401  (registers the views)
