"""Error pages for people and JSON errors for API clients."""

import logging

from flask import jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError

from blueprints.auth.routes import session_ended
from blueprints.web import is_htmx
from models import db
from services.errors import ServiceError

log = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/ai/")


def wants_json():
    return request.path.startswith(JSON_PREFIXES) or request.accept_mimetypes.best == "application/json"


def error_response(code, message):
    """The error as JSON for API clients, as a page (the candidate's own, in the portal) for people."""
    if wants_json():
        return jsonify(error=message), code
    if request.blueprint in ("portal", "schedule"):
        return render_template(
            "errors/portal_error.html", code=code, heading=PORTAL_HEADINGS.get(code, PORTAL_HEADINGS[500])
        ), code
    return render_template("errors/error.html", code=code, message=message), code


def throttled_message(exc):
    """What a person is told when a rate limit stops them: how long to wait, in words."""
    seconds = exc.limit.limit.get_expiry()
    wait = "a minute" if seconds <= 60 else f"{-(-seconds // 60)} minutes"
    return f"Too many attempts. Try again in {wait}."


MESSAGES = {
    400: "The request could not be understood.",
    401: "Authentication is required.",
    403: "You do not have permission to do that.",
    404: "Not found.",
    405: "That method is not allowed here.",
    409: "That conflicts with the current state.",
    413: "The upload is too large.",
    429: "Too many requests. Please wait a moment and try again.",
    500: "Something went wrong on our side. It has been logged.",
    503: "The service is briefly unavailable. Please try again in a moment.",
}
RETRY_AFTER_SECONDS = 5
# Candidates reach the portal from an e-mail: its errors speak to them and never point to staff sign-in.
PORTAL_HEADINGS = {
    404: "We can't find this interview link",
    429: "Too many attempts. Try again in a minute.",
    500: "Something went wrong on our side",
}


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        # A staff page's session (and its token) is gone; candidates never had one to lose.
        if is_htmx() and request.blueprint != "portal" and not current_user.is_authenticated:
            return session_ended()
        return error_response(400, f"The form expired or was forged ({exc.description}). Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if isinstance(exc, RateLimitExceeded):
            message = throttled_message(exc)
        else:
            message = exc.description if exc.code not in MESSAGES or _custom(exc) else MESSAGES[exc.code]
        body, code = error_response(exc.code, message)
        response = app.make_response((body, code))
        if exc.code == 405:  # keep the Allow header
            response.headers["Allow"] = exc.valid_methods and ", ".join(exc.valid_methods) or ""
        if exc.code == 401 and wants_json():
            response.headers["WWW-Authenticate"] = "Token"
        if getattr(exc, "retry_after", None) is not None:  # 429 from the portal's key guard
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(ServiceError)
    def refused(exc):
        """A service's refusal that no view turned into a form's inline errors: nothing of it was
        kept (the session is rolled back), the client is told why."""
        db.session.rollback()
        if wants_json():
            return jsonify(exc.as_json()), exc.status
        return error_response(exc.status, exc.message)

    @app.errorhandler(DBAPIError)
    def database_unavailable(exc):
        """A lost database connection (restart, failover) is a 503 to retry, not a crash."""
        if not exc.connection_invalidated and not _is_connection_error(exc):
            return unexpected_error(exc)
        db.session.rollback()
        log.warning("Database unavailable on %s %s: %s", request.method, request.path, exc.orig)
        if wants_json():
            response = jsonify(error=MESSAGES[503])
        else:
            # A page that needs nothing from the database (base.html would look up the user).
            response = app.make_response(render_template("errors/unavailable.html", message=MESSAGES[503]))
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc):
        db.session.rollback()
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, MESSAGES[500])


def _is_connection_error(exc):
    """psycopg and sqlite3 report a database that can't be reached as an OperationalError."""
    return type(exc.orig).__name__ == "OperationalError" and "connect" in str(exc.orig).lower()


def _custom(exc):
    """True when the code that raised the error wrote its own message."""
    default = type(exc).description
    return bool(exc.description) and exc.description != default and not isinstance(exc, InternalServerError)
