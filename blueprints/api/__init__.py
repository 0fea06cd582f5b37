from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from blueprints.api import (  # noqa: E402,F401  (registers the views)
    auth,
    candidates,
    interviews,  # slots and interviews
    jobs,
    openapi,  # the description of them all, and its page
    routes,
    scheduling_invitations,  # candidates' self-scheduling links
)
