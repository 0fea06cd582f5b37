"""Application factory: settings, extensions, blueprints, CLI."""

import hashlib
import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, has_request_context, request, session, url_for
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import Rule
from werkzeug.security import safe_join

import config
from blueprints.zones import viewer_zone
from database import autocommit_engine, ping_when_idle
from extensions import csrf, limiter, login_manager, mail, migrate
from models import db
from services import accounts, branding, labels, timeutil

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(self)",
}
VERSIONED_ASSET_MAX_AGE = 365 * 24 * 3600


class LazilyBuiltRule(Rule):
    """A URL rule whose two url_for builders Werkzeug compiles when the rule is first built, not when
    it is added: compiling them for every rule was most of create_app()'s own time, and a worker
    builds only some of its rules' URLs."""

    def _compile_builder(self, append_unknown=True):
        compile_builder = super()._compile_builder
        attribute = "_build_unknown" if append_unknown else "_build"

        def build_first(rule, **values):
            builder = compile_builder(append_unknown).__get__(rule, None)
            setattr(rule, attribute, builder)  # two threads at once both compile the same builder
            return builder(**values)

        return build_first


class SchedulerApp(Flask):
    """Flask, with a year of browser caching for static files requested by their versioned URL, and
    URL rules compiled as they are used (LazilyBuiltRule)."""

    url_rule_class = LazilyBuiltRule

    def get_send_file_max_age(self, filename):
        version = request.args.get("v") if has_request_context() else None
        if filename and version and version == asset_version(self, filename):
            return VERSIONED_ASSET_MAX_AGE
        return super().get_send_file_max_age(filename)


def create_app(test_config=None):
    """Build the app from the environment, overridden by `test_config`."""
    app = SchedulerApp(__name__, instance_relative_config=True)
    app.config.from_mapping(config.load_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", logging.INFO), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin at every `flask db …`
    if app.config.get("TRUST_PROXY", config.env_bool("TRUST_PROXY")):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    db.init_app(app)
    with app.app_context():
        reads = autocommit_engine(db.engine, app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        app.extensions["autocommit_engine"] = reads
        if db.engine.dialect.name == "postgresql":  # a SQLite file has no connection to lose
            for engine in {db.engine, reads}:
                ping_when_idle(engine, app.config["DATABASE_PING_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=str(config.BASE_DIR / "migrations"))
    mail.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    from blueprints import input_guard

    input_guard.init_app(app)
    # Flask-Login's own context processor loads the user for every template; the proxy loads it only
    # for templates that ask (the candidate portal never does).
    login_manager.init_app(app, add_context_processor=False)
    app.context_processor(lambda: {"current_user": current_user})
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    @login_manager.request_loader
    def load_signed_in_user(_request):
        idle = timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"])
        return accounts.load_login_session(session.get("sid"), idle)

    @app.after_request
    def add_security_headers(response):
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    register_template_helpers(app)
    register_blueprints(app)
    register_error_handlers(app)

    from cli import register_cli

    register_cli(app)

    from services.outbox import in_process

    in_process.init_app(app)
    return app


def register_blueprints(app):
    from blueprints.api import bp as api_bp
    from blueprints.auth import bp as auth_bp
    from blueprints.candidates import bp as candidates_bp
    from blueprints.interviews import bp as interviews_bp
    from blueprints.jobs import bp as jobs_bp
    from blueprints.portal import bp as portal_bp
    from blueprints.schedule import bp as schedule_bp
    from blueprints.settings import bp as settings_bp
    from blueprints.settings import brand_bp
    from blueprints.slots import bp as slots_bp

    for blueprint in (
        auth_bp,
        jobs_bp,
        candidates_bp,
        slots_bp,
        interviews_bp,
        portal_bp,
        schedule_bp,
        api_bp,
        settings_bp,
        brand_bp,
    ):
        app.register_blueprint(blueprint)


def register_error_handlers(app):
    from blueprints.errors import register

    register(app)


def register_template_helpers(app):
    static_assets = {}  # script root → StaticAssets

    @app.context_processor
    def asset_urls():
        """`assets["app.css"]`: the versioned URL of a static file, for templates."""
        if not has_request_context():
            return {}
        script_root = request.script_root
        if script_root not in static_assets:
            static_assets[script_root] = StaticAssets()
        return {"assets": static_assets[script_root]}

    app.add_template_filter(labels.label, "label")
    app.jinja_env.globals["current_brand"] = branding.current  # called by the candidate-facing templates only
    app.jinja_env.globals["labels"] = labels  # dict lookups for hot loops (the calendar)
    app.jinja_env.globals["picker_zones"] = timeutil.picker_zones  # templates/_zone_datalist.html

    @app.template_filter("local")
    def local_time(instant, fmt="%a %d %b %Y, %H:%M %Z", zone_name=None):
        """An instant shown in `zone_name`, by default the viewer's zone (their own, else the display zone)."""
        return timeutil.format_local(instant, timeutil.zone(zone_name or viewer_zone()), fmt)


class StaticAssets(dict):
    """Static files' URLs by name, each with a hash of the file's content (`?v=…`): a changed file
    gets a new URL, so browsers may cache each one for a year.

    A mapping rather than a template function: every page links several assets, and a lookup costs
    templates far less than a call. Filled on first use (in debug mode, never kept); templates name
    a fixed set of files, so it stays small.
    """

    def __missing__(self, filename):
        url = url_for("static", filename=filename, v=asset_version(current_app, filename))
        if not current_app.debug:
            self[filename] = url
        return url


def asset_version(app, filename):
    """A short hash of a static file's content; None for a path outside the static folder or no file.

    Remembered per file actually there (any URL can ask, so made-up names are never stored).
    """
    path = safe_join(app.static_folder, filename)
    if path is None or not Path(path).is_file():
        return None
    versions = app.extensions.setdefault("asset_versions", {})
    if app.debug or path not in versions:
        versions[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    return versions[path]
