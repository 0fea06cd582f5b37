from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from blueprints.api import auth, routes  # noqa: E402,F401  (registers the views)
from blueprints.api import interviews  # noqa: E402,F401  (slots and interviews)
from blueprints.api import openapi  # noqa: E402,F401  (the description and its docs page)
from blueprints.api import candidates, jobs  # noqa: E402,F401  (jobs, candidates, resumes)
from blueprints.api import scheduling_invitations  # noqa: E402,F401  (candidates' self-scheduling links)
