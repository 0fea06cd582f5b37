from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from blueprints.api import auth, routes  # noqa: E402,F401  (registers the views)
from blueprints.api import interviews  # noqa: E402,F401  (slots and interviews)
