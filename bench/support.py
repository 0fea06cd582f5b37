"""What the benchmarks share: scratch databases, a gunicorn server, free ports, the RESULT line.

Every benchmark prints its figures for people and, for `bench/run_all.py`, one line per measure:
`RESULT {"measure": …, "value": …, "target": …, "pass": …}`.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# Settings every benchmark server runs with: no SMTP, no throttling of the load generator's one IP.
BENCH_ENV = {
    "SECRET_KEY": "bench-secret",
    "OUTBOX_IN_PROCESS": "false",
    "MAIL_SERVER": "",
    "EMAIL_HOST": "",
    "RATELIMIT_ENABLED": "false",
    "LOG_LEVEL": "WARNING",
}


def pg_url():
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def result(measure, value, target, passed):
    """Print the machine-readable line `run_all.py` collects; returns `passed`."""
    print("RESULT " + json.dumps({"measure": measure, "value": value, "target": target, "pass": bool(passed)}), flush=True)
    return bool(passed)


@contextmanager
def scratch_postgres(base_url=None):
    """A new, empty PostgreSQL database for one run; dropped afterwards. Yields its URL."""
    base_url = base_url or pg_url()
    name = f"bench_{secrets.token_hex(4)}"
    admin_engine = create_engine(base_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)  # survives a restart
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


def app_config(database_url, **overrides):
    """create_app() settings for an in-process benchmark app."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "bench",
        "MAIL_SERVER": None,
        "OUTBOX_IN_PROCESS": False,
        "RATELIMIT_ENABLED": False,
        **overrides,
    }


@contextmanager
def gunicorn(database_url, *, workers=4, threads=1, app_spec="app:create_app()", env=None):
    """Gunicorn serving the app on a free loopback port; yields its base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server_env = {**os.environ, **BENCH_ENV, "DATABASE_URL": database_url, "BACKEND_URL": base_url, **(env or {})}
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app_spec,
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=server_env)
    try:
        wait_until_up(base_url)
        yield base_url
    finally:
        server.terminate()
        server.wait(15)


def wait_until_up(base_url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base_url}/login", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server at {base_url} did not start")


def app_with_ok_route():
    """The app plus a bare `return "ok"` route: the yardstick the portal's speed is measured against.

    Gunicorn loads it as `bench.support:app_with_ok_route()`.
    """
    from app import create_app

    app = create_app()
    app.add_url_rule("/bench/ok", "bench_ok", lambda: "ok")
    return app


def statement_counting_app():
    """The app plus an `X-Statement-Count` header: the SQL statements each request ran.

    Only benchmarks serve it (gunicorn loads `bench.support:statement_counting_app()`); the app
    itself never counts.
    """
    from flask import g, has_app_context
    from sqlalchemy import event

    from app import create_app
    from models import db

    app = create_app()

    def count(*_args):
        if has_app_context():
            g.statements = g.get("statements", 0) + 1

    with app.app_context():
        for engine in {db.engine, app.extensions["autocommit_engine"]}:
            event.listen(engine, "before_cursor_execute", count)

    @app.after_request
    def header(response):
        response.headers["X-Statement-Count"] = str(g.get("statements", 0))
        return response

    return app
