from flask import Blueprint

bp = Blueprint("auth", __name__)

from blueprints.auth import account, routes, users  # noqa: E402,F401  (registers the views)
