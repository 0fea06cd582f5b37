"""Token authentication for the JSON API: `Authorization: Token <token>`."""

from flask import abort, g, request

from blueprints.api import bp
from extensions import csrf
from services import accounts

PUBLIC_ENDPOINTS = {"api.openapi_json", "api.docs"}  # the API description and its page

# Token-authenticated requests carry no cookie session, so CSRF does not apply.
csrf.exempt(bp)


@bp.before_request
def authenticate():
    """Every API call needs a valid token (the user is in g.api_user), except the description."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, raw = (request.headers.get("Authorization") or "").partition(" ")
    user = accounts.user_for_token(raw.strip()) if scheme.lower() == "token" else None
    if user is None:
        abort(401, description="Authentication credentials were not provided or are invalid.")
    g.api_user = user


def require_admin():
    if not g.api_user.is_admin:
        abort(403, description="Only admins can do that.")
