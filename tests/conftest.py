"""Fixtures with real parts: SQLite and PostgreSQL, an aiosmtpd server, a live server and Chromium.

Tests run against SQLite by default. Parametrize `backend` (see tests/support.py BOTH_DATABASES)
to run a test on PostgreSQL too; that needs TEST_DATABASE_URL, and in CI (CI=true) a skipped
browser, PostgreSQL or SMTP test counts as a failure.
"""

import asyncio
import email
import email.policy
import os
import secrets
import shutil
import socket
import tempfile
import threading
from collections import Counter, namedtuple
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import current_app, g, has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.routing import Map
from werkzeug.serving import make_server

from app import SchedulerApp, create_app
from models import Role, db
from services import accounts, timeutil

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # A synthetic microphone, allowed without a prompt: voice answers are recorded for real.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
AXE_JS = Path(__file__).parent / "assets" / "axe-4.11.0.min.js"
ADMIN_EMAIL, RECRUITER_EMAIL, PASSWORD = "admin@example.com", "recruiter@example.com", "correct horse battery"
REAL_PARTS = ("browser", "postgres", "smtp")
CLOCK_START = datetime(2030, 1, 15, 4, 30, tzinfo=UTC)  # the `clock` fixture's start: 10:00 IST on a Tuesday
CHEAP_HASH = {"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"}  # scrypt costs ~0.1 s per hash or sign-in


def pytest_configure(config):
    for marker in REAL_PARTS:
        config.addinivalue_line("markers", f"{marker}: uses a real {marker} (must run, not skip, in CI)")


def pytest_collection_modifyitems(items):
    """Mark tests by the real parts they use, so CI can count them and refuse to skip them."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & {"page", "browser_page"}:
            item.add_marker("browser")
        if "smtp" in names:
            item.add_marker("smtp")
        callspec = getattr(item, "callspec", None)
        if callspec and callspec.params.get("backend") == "postgresql" or "pg_url" in names:
            item.add_marker("postgres")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    parts = [marker for marker in REAL_PARTS if item.get_closest_marker(marker)]
    if IN_CI and report.skipped and parts:
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where {', '.join(REAL_PARTS)} tests must run: {report.longrepr}"
    # Reports travel from pytest-xdist's workers to the controller, which prints the summary.
    report.user_properties.append(("real_parts", parts))


real_part_counts = Counter()


def pytest_runtest_logreport(report):
    """Count each real-part test once: its call, or its setup when that did not pass."""
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        for marker in dict(report.user_properties).get("real_parts", ()):
            real_part_counts[(marker, report.outcome)] += 1


def pytest_terminal_summary(terminalreporter, config):
    terminalreporter.section("real parts")
    for marker in REAL_PARTS:
        passed, failed, skipped = (real_part_counts[(marker, outcome)] for outcome in ("passed", "failed", "skipped"))
        terminalreporter.write_line(f"{marker}: {passed} passed, {failed} failed, {skipped} skipped")


# --- databases -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this run (dropped afterwards), schema created once."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        if IN_CI:
            pytest.fail("TEST_DATABASE_URL is not set; CI must run the PostgreSQL tests")
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL tests skipped")
    name = f"test_{os.getpid()}_{secrets.token_hex(4)}"
    admin_engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database need not survive a crash: commits skip the WAL flush (locks, visibility unchanged).
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    with admin_engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_engine.dispose()


@pytest.fixture
def backend():
    """Which database a test runs on; parametrize it to cover PostgreSQL as well."""
    return "sqlite"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file with the schema, built once per run; each test starts from a copy of it."""
    path = tmp_path_factory.mktemp("schema") / "template.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "test"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()  # the last connection closing checkpoints the WAL into the file itself
    return path


@pytest.fixture
def sqlite_start(sqlite_template):
    """The file a SQLite test's database is copied from: the schema with no rows (a module may
    override it with rows it seeded once)."""
    return sqlite_template


@pytest.fixture(scope="session")
def sqlite_folder(tmp_path_factory):
    """Where the tests' SQLite files live: memory-backed /dev/shm where there is one, since a commit
    on disk waits about 0.25 ms for its fsync (the PostgreSQL test database skips that flush too);
    pytest's temporary folder elsewhere."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path_factory.mktemp("sqlite")
        return
    folder = Path(tempfile.mkdtemp(prefix="scheduler-tests-", dir=shm))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def database_url(request, backend, tmp_path, sqlite_folder):
    """The test's database, with the schema (and on SQLite the rows of `sqlite_start`)."""
    if backend == "postgresql":
        yield request.getfixturevalue("pg_url")
        return
    path = sqlite_folder / f"{tmp_path.name}.db"  # pytest names each test's tmp_path uniquely in a run
    shutil.copyfile(request.getfixturevalue("sqlite_start"), path)
    yield f"sqlite:///{path}"
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        file.unlink(missing_ok=True)


def empty_written_tables(engine):
    """Empty only the tables that hold rows (one cheap probe finds them) and restart their sequences.

    DELETE, children first, rather than TRUNCATE: a test leaves a few rows, and TRUNCATE gives each
    table a new file, which costs about 0.7 s per test against 0.03 s for DELETE.
    """
    tables = db.metadata.sorted_tables
    probe = " UNION ALL ".join(f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM \"{table.name}\")" for table in tables)
    with engine.begin() as conn:
        written = set(conn.execute(text(probe)).scalars())
        for table in reversed(tables):
            if table.name in written:
                conn.execute(table.delete())
        if written:
            conn.execute(text(OWNED_SEQUENCES_RESTART), {"tables": sorted(written)})


# What TRUNCATE … RESTART IDENTITY did: the sequences the emptied tables own start again at 1.
OWNED_SEQUENCES_RESTART = """
SELECT setval(sequence.oid, 1, false) FROM pg_class sequence
JOIN pg_depend owned ON owned.objid = sequence.oid AND owned.deptype IN ('a', 'i')
JOIN pg_class owner ON owner.oid = owned.refobjid
WHERE sequence.relkind = 'S' AND owner.relname = ANY(:tables)
"""


class CompiledSQL(dict):
    """Compiled SQL shared by every test's engines: each test builds a new app and engine, whose own
    statement cache starts empty. SQLAlchemy keys a compiled statement by the engine's dialect object,
    a new one per engine, so this cache keys it by the dialect's class and server version instead
    (the tests' engines of one database differ in nothing else that compiling reads)."""

    @staticmethod
    def _shared(key):
        dialect, *rest = key
        return (type(dialect), dialect.server_version_info, *rest)

    def get(self, key, default=None):
        return super().get(self._shared(key), default)

    def __setitem__(self, key, value):
        super().__setitem__(self._shared(key), value)


COMPILED_SQL = CompiledSQL()
# The ORM's flush runs its INSERT, UPDATE and DELETE with each mapper's own cache, keyed the same way.
for mapper in db.Model.registry.mappers:
    mapper._compiled_cache = COMPILED_SQL


class SharedTemplateCode(BytecodeCache):
    """Compiled templates shared by every test's app (each app has its own Jinja environment, which
    would lex, parse and compile every template it renders again); Jinja checks each template's
    source checksum before it uses the code."""

    def __init__(self):
        self.code = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


class SharedURLMap(Map):
    """The one URL map of every app the tests build. Each test builds an app, and Werkzeug parsing
    and compiling the same ~100 rules again was most of create_app()'s time (about 12 ms a test);
    the rules name endpoints, so one map serves every app, each with its own views. A rule the map
    holds is not added again; once any app has routed a request, a new one is refused, since it
    would reach every later test's app."""

    def __init__(self, **options):
        super().__init__(**options)
        self.held, self.routed = set(), False

    def add(self, rule):
        key = (rule.rule, rule.endpoint, frozenset(rule.methods or ()), tuple(sorted((rule.defaults or {}).items())))
        if key in self.held:
            return
        if self.routed:
            raise AssertionError(f"{rule.rule!r} would reach every test's app: a test adding routes takes `own_url_map`")
        self.held.add(key)
        super().add(rule)

    def bind(self, *args, **kwargs):
        self.routed = True
        return super().bind(*args, **kwargs)

    def bind_to_environ(self, *args, **kwargs):
        self.routed = True
        return super().bind_to_environ(*args, **kwargs)


URL_MAPS = {}  # the map's options (host matching or not) → the map


def shared_url_map(**options):
    key = tuple(sorted(options.items()))
    if key not in URL_MAPS:
        URL_MAPS[key] = SharedURLMap(**options)
    return URL_MAPS[key]


SchedulerApp.url_map_class = staticmethod(shared_url_map)


@pytest.fixture
def own_url_map(monkeypatch):
    """Apps built in this test get a URL map of their own: for a test that adds a route, or that
    watches rules being compiled (name it before `app`)."""
    monkeypatch.setattr(SchedulerApp, "url_map_class", Map)


@pytest.fixture
def app_config(tmp_path, database_url):
    """Settings for the app under test; tests may update it before `app` is built."""
    return {
        "TESTING": True,
        "SQLALCHEMY_ENGINE_OPTIONS": {"execution_options": {"compiled_cache": COMPILED_SQL}},
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "BACKEND_URL": "http://testserver.local",
        "MAIL_SERVER": None,
        "OUTBOX_IN_PROCESS": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SESSION_COOKIE_SECURE": False,
        **CHEAP_HASH,
    }


@pytest.fixture
def app(app_config, backend):
    app = create_app(app_config)
    app.test_client_class = CSRFClient
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    with app.app_context():
        yield app
        db.session.remove()
        if backend == "postgresql":
            empty_written_tables(db.engine)
        db.engine.dispose()


Executed = namedtuple("Executed", "sql parameters")


@pytest.fixture
def recorded_sql(app):
    """`with recorded_sql() as statements:` lists what the app's engines execute inside the block
    (both pools on PostgreSQL), each an Executed(sql, parameters)."""

    @contextmanager
    def recording():
        statements = []

        def record(_conn, _cursor, sql, parameters, *_args):
            statements.append(Executed(sql, parameters))

        engines = {db.engine, current_app.extensions["autocommit_engine"]}
        for engine in engines:
            event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", record)

    return recording


class CSRFClient(FlaskClient):
    """A test client that sends a valid CSRF token with state-changing requests.

    Pass `csrf=False` to send none (to test that the app refuses such requests).
    """

    def open(self, *args, csrf=True, **kwargs):
        # The `app` fixture keeps one app context open so tests can use db.session; give every
        # request a fresh `g` anyway, as in production where each request has its own context.
        if has_app_context():
            for name in list(g):
                g.pop(name)
        method = (kwargs.get("method") or "GET").upper()
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "")
        if csrf and method not in ("GET", "HEAD", "OPTIONS") and not path.startswith("/api/"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def csrf_token(self):
        """A token valid for this client's session (as Flask-WTF's generate_csrf makes one)."""
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- people ----------------------------------------------------------------------------------


@pytest.fixture
def admin(app):
    user = accounts.create_user(ADMIN_EMAIL, PASSWORD, Role.ADMIN, "Ada Admin")
    db.session.commit()
    return user


@pytest.fixture
def recruiter(app):
    user = accounts.create_user(RECRUITER_EMAIL, PASSWORD, Role.RECRUITER, "Rita Recruiter")
    db.session.commit()
    return user


@pytest.fixture
def api_token(admin):
    """A raw API token of the admin."""
    raw = accounts.create_token(admin, "tests")
    db.session.commit()
    return raw


@pytest.fixture
def api_headers(api_token):
    return {"Authorization": f"Token {api_token}"}


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email=ADMIN_EMAIL, password=PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def admin_client(client, auth, admin):
    """A client signed in as an admin."""
    assert auth.login().status_code == 302
    return client


@pytest.fixture
def recruiter_client(client, auth, recruiter):
    """A client signed in as a recruiter."""
    assert auth.login(RECRUITER_EMAIL).status_code == 302
    return client


# --- clock -----------------------------------------------------------------------------------


class Clock:
    """The app's clock (services.timeutil.now), pinned and moved by tests instead of sleeping."""

    def set(self, instant):
        timeutil.set_now(instant)

    def advance(self, delta):
        timeutil.advance(delta)

    def now(self):
        return timeutil.now()


@pytest.fixture
def clock():
    timeutil.set_now(CLOCK_START)
    yield Clock()
    timeutil.set_now(None)


# --- SMTP ------------------------------------------------------------------------------------


class SMTPRecorder:
    """An aiosmtpd handler that keeps parsed messages; can stall or answer with errors."""

    def __init__(self):
        self.messages = []
        self.envelopes = []
        self.delay = 0.0
        self.replies = []  # queued replies like "451 try later", used before "250 OK"
        self.attempts = []  # (SMTP session, bytes) of every message, refused ones too
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        self.attempts.append((session, envelope.original_content))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.replies:
            return self.replies.pop(0)
        with self.arrived:
            self.envelopes.append(envelope)
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count, timeout=10):
        """Block until `count` messages arrived (delivery runs in other threads), woken by each arrival."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"expected {count} messages, got {len(self.messages)}")
        return self.messages


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port (not wired into the app)."""
    handler = SMTPRecorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.host, handler.port, handler.controller = "127.0.0.1", port, controller
    yield handler
    controller.stop()


@pytest.fixture
def smtp(smtp_server, app_config):
    """The SMTP server, configured as the app's mail server."""
    app_config.update(
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_USERNAME=None,
        MAIL_PASSWORD=None,
        MAIL_DEFAULT_SENDER="Interviews <interviews@example.com>",
        MAIL_TIMEOUT=5,
    )
    return smtp_server


# --- browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def base_url():
    """No base URL (tests use live_server's): replaces pytest-playwright's fallback fixture, a method
    on a plugin class that pytest 9 deprecates (PytestRemovedIn10Warning) every run."""
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed: browser tests skipped")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def in_process_app(app_config, smtp):
    """An app of its own with the in-process outbox sender on (off in every other test's app),
    mailing the test SMTP server; the sender is stopped afterwards."""
    from services.outbox import in_process

    app_config["OUTBOX_IN_PROCESS"] = True
    app = create_app(app_config)
    app.test_client_class = CSRFClient
    with app.app_context():
        db.create_all()
    yield app
    app.extensions[in_process.SENDER_EXTENSION].stop()
    with app.app_context():
        db.engine.dispose()


@contextmanager
def serving(server):
    """`server` (a socketserver) answering from a thread inside the block, stopped at its end.

    serve_forever checks for shutdown every poll_interval: its default, half a second, was what a
    live server's teardown cost each browser, fuzz and fake-LLM test.
    """
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def live_server(app):
    """The app served over HTTP from a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["BACKEND_URL"] = base_url
    with serving(server):
        yield base_url


@pytest.fixture
def browser_page(page):
    """Playwright's page with a short default timeout and script errors collected.

    `page.console_errors` holds JavaScript errors (CSP violations included); failed resource
    loads are left out because pages answer 4xx on purpose (a refused login is a 401).
    """
    page.set_default_timeout(10_000)
    page.console_errors = []

    def collect(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            page.console_errors.append(message.text)

    page.on("console", collect)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    return page
