"""The candidate portal behind `/?session_key=…` (and `/interview/?session_key=…`)."""
from flask import abort, redirect, request, url_for
from flask_login import current_user

from blueprints.portal import bp


@bp.get("/")
@bp.get("/interview/")
def index():
    """A session key opens the portal; otherwise staff go to the dashboard, others to sign-in."""
    if request.args.get("session_key") is not None:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("interviews.dashboard"))
    return redirect(url_for("auth.login"))
