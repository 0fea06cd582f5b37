"""Extension singletons, attached to the app in create_app() with init_app."""

import click
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_wtf.csrf import CSRFProtect


class LazyMigrate:
    """Flask-Migrate, imported on first use: `flask db …` and flask_migrate's functions work as
    usual, while a web worker never imports Alembic (a third of the app's import time)."""

    def __init__(self, **options):
        self.options = options

    def init_app(self, app, db, directory):
        """Stand in for Flask-Migrate on `app` until a migration command or function needs it."""

        def load():
            from flask_migrate import Migrate

            Migrate(**self.options).init_app(app, db, directory=directory)  # replaces both stand-ins
            return app.extensions["migrate"]

        app.extensions["migrate"] = _PendingMigrateConfig(load)
        app.cli.add_command(_PendingDbGroup(lambda: load() and app.cli.commands["db"]))


class _PendingMigrateConfig:
    """app.extensions["migrate"] before Flask-Migrate is loaded; any attribute loads it."""

    def __init__(self, load):
        self.load = load

    def __getattr__(self, name):
        return getattr(self.load(), name)


class _PendingDbGroup(click.Group):
    """The `flask db` group before Flask-Migrate is loaded; running or listing it loads it."""

    def __init__(self, load):
        super().__init__("db", help="Perform database migrations.")
        self.load = load

    def make_context(self, info_name, args, parent=None, **extra):
        return self.load().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self.load().list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        return self.load().get_command(ctx, cmd_name)


migrate = LazyMigrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
mail = Mail()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
