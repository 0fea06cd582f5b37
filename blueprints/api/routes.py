"""JSON API views. Each area adds its endpoints in its own module of this package."""
from flask import jsonify

from blueprints.api import bp


@bp.get("/")
def root():
    """Who the token belongs to, so a script can check its credentials."""
    from flask import g

    return jsonify(user={"id": str(g.api_user.id), "email": g.api_user.email, "role": g.api_user.role})
