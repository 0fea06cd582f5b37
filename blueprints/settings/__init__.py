"""Organisation settings (admins) and the public files they publish (the brand's logo and colours)."""

from flask import Blueprint

from blueprints.web import staff_required

bp = staff_required(Blueprint("settings", __name__, url_prefix="/settings"))
# No sign-in: candidates' pages and e-mails load these.
brand_bp = Blueprint("brand", __name__, url_prefix="/brand")

from blueprints.settings import routes  # noqa: E402,F401  (registers the views)
