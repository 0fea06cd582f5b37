"""The time zone a request is shown in: a request helper for views, templates and forms (not app.py,
so no blueprint imports the application module)."""

from flask import current_app, g, has_request_context, request
from flask_login import current_user

from services import timeutil


def viewer_zone():
    """The signed-in user's zone, a `tz` query override, or the display zone."""
    if not has_request_context():
        return current_app.config["DISPLAY_TIMEZONE"]
    if "viewer_zone" not in g:
        chosen = request.args.get("tz")
        if chosen and timeutil.is_valid_zone(chosen):
            g.viewer_zone = chosen
        elif current_user.is_authenticated and current_user.timezone:
            g.viewer_zone = timeutil.canonical_zone(current_user.timezone)
        else:
            g.viewer_zone = current_app.config["DISPLAY_TIMEZONE"]
    return g.viewer_zone
