from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from blueprints.api import (  # noqa: E402,F401  (registers the views)
    auth,
    candidates,
    interviews,  # slots and interviews
    jobs,
    routes,
    scheduling_invitations,  # candidates' self-scheduling links
)
from blueprints.api import openapi  # noqa: E402,F401  (last: it describes the operations the others declared)
