from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from blueprints.api import (  # noqa: E402,F401  (registers the views)  # noqa: E402,F401  (jobs, candidates, resumes)
    auth,
    candidates,
    interviews,  # noqa: E402,F401  (slots and interviews)
    jobs,
    openapi,  # noqa: E402,F401  (the description and its docs page)
    routes,
    scheduling_invitations,  # noqa: E402,F401  (candidates' self-scheduling links)
)
