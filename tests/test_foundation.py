"""App factory, configuration, security headers, error pages, migrations and operator commands."""

import hashlib
import re
import subprocess
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import render_template_string
from flask_migrate import upgrade
from sqlalchemy import bindparam, create_engine, func, inspect, select, text
from sqlalchemy.pool import NullPool

import config
from app import create_app
from database import LONE_SELECT_CURSOR, LoneSelect
from models import ApiToken, InterviewSlot, Job, User, db, kept_by_autogenerate
from services import accounts
from tests.conftest import PASSWORD, RECRUITER_EMAIL
from tests.support import BOTH_DATABASES, empty_database

ROOT = Path(__file__).resolve().parent.parent


def test_security_headers_on_every_response(client):
    for path in ("/login", "/static/base.css", "/no-such-page"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite(client, auth, admin):
    cookie = auth.login().headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_behind_https(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKEND_URL", "https://interviews.example.com")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_portal_settings_come_from_the_environment(tmp_path, monkeypatch, clock):
    from tests.portal_support import book_session

    monkeypatch.setenv("PORTAL_LOOKUP_LIMIT", "2/minute")
    monkeypatch.setenv("PORTAL_RESYNC_SECONDS", "7")
    monkeypatch.setenv("PORTAL_HEARTBEAT_SECONDS", "4")
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "UPLOAD_FOLDER": str(tmp_path), "OUTBOX_IN_PROCESS": False}
    )
    with app.app_context():
        db.create_all()
        session = book_session()
        client = app.test_client()
        countdown = client.get(f"/?session_key={session.session_key}").text
        assert 'hx-trigger="every 7s, portal-zero"' in countdown
        clock.set(session.scheduled_at)
        client.post("/ai/start", json={"session_key": session.session_key})
        assert 'hx-trigger="every 4s"' in client.get(f"/?session_key={session.session_key}").text
        codes = [client.get(f"/?session_key=guess{n:040d}").status_code for n in range(3)]
        assert codes == [404, 404, 429]
        db.session.remove()


@pytest.mark.parametrize(
    "name, value",
    [
        ("PORTAL_RESYNC_SECONDS", "soon"),
        ("PORTAL_HEARTBEAT_SECONDS", "0"),
        ("PORTAL_LOOKUP_LIMIT", "lots"),
    ],
)
def test_a_bad_portal_setting_stops_the_start_naming_it(tmp_path, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=f"^{name}='{value}' is not valid: give a"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


def test_base_layout_has_no_inline_script_and_sends_csrf_with_htmx_once_signed_in(client, auth, recruiter):
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and " onclick=" not in html
    assert "hx-headers" not in html  # the sign-in form carries its own token
    assert "vendor/htmx-2.0.11.min.js" in html
    auth.login(RECRUITER_EMAIL)
    html = client.get("/interviews/dashboard").get_data(as_text=True)
    assert "<script>" not in html and " onclick=" not in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_static_assets_are_linked_by_content_version_and_cached_for_a_year(client):
    html = client.get("/login").text
    version = hashlib.sha256((ROOT / "static/base.css").read_bytes()).hexdigest()[:12]
    assert f'href="/static/base.css?v={version}"' in html
    versioned = client.get(f"/static/base.css?v={version}")
    assert versioned.status_code == 200 and versioned.cache_control.max_age == 365 * 24 * 3600
    # An old or made-up version, or none, is not cached as if it named this content.
    for url in ("/static/base.css?v=0123456789ab", "/static/base.css"):
        assert client.get(url).cache_control.max_age is None
    assert client.get(f"/static/%2e%2e/app.py?v={version}").status_code == 404
    # Made-up names and spellings of a real one are looked up, never remembered.
    for name in ("nothing-here.css", "./base.css", "vendor/../base.css"):
        client.get(f"/static/{name}?v={version}")
    real_files = {str(path) for path in (ROOT / "static").rglob("*") if path.is_file()}
    assert set(client.application.extensions["asset_versions"]) <= real_files


def test_every_asset_a_template_links_exists():
    linked = {
        name
        for template in (ROOT / "templates").rglob("*.html")
        for name in re.findall(r'assets\["([^"]+)"\]', template.read_text())
    }
    assert "base.css" in linked and "vendor/htmx-2.0.11.min.js" in linked
    assert [name for name in linked if not (ROOT / "static" / name).is_file()] == []


def test_a_changed_asset_gets_a_new_url(tmp_path, app_config):
    static = tmp_path / "static"
    static.mkdir()
    (static / "site.css").write_text("body { color: black }")
    app = create_app(app_config)
    app.static_folder = str(static)
    app.debug = True  # a developer edits files while the server runs
    link = '{{ assets["site.css"] }}'
    with app.test_request_context():
        first = render_template_string(link)
        assert first.startswith("/static/site.css?v=")
        (static / "site.css").write_text("body { color: navy }")
        assert render_template_string(link) != first


def test_html_error_pages(client, recruiter_client):
    missing = client.get("/definitely-missing")
    assert missing.status_code == 404
    assert "text/html" in missing.content_type and b"<h1>404</h1>" in missing.data
    assert recruiter_client.get("/users/").status_code == 403
    assert b"You do not have permission" in recruiter_client.get("/users/").data
    assert client.delete("/login", csrf=False).status_code == 405


def test_unexpected_error_is_a_clean_500(own_url_map, app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.data
    assert b"kaboom" not in response.data


def test_secret_key_is_generated_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    from config import instance_secret_key

    first = instance_secret_key(tmp_path)
    assert len(first) == 64
    assert instance_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_create_admin_and_token_commands(runner, app):
    result = runner.invoke(args=["create-admin", "Boss@Example.com", "--password", "a long password"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.com"))
    assert user.is_admin and user.check_password("a long password")

    result = runner.invoke(args=["create-token", "boss@example.com"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    assert accounts.user_for_token(raw).id == user.id
    assert db.session.scalar(select(ApiToken.token_hash)) == accounts.hash_token(raw)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create-admin", "not-an-email", "--password", "a long password"], "must have an @-sign"),
        (["create-admin", "a@example.com", "--password", "short"], "at least 10 characters"),
        (["create-token", "nobody@example.com"], "No active user"),
    ],
)
def test_operator_commands_refuse_bad_input(runner, app, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output


def test_init_demo_runs_only_on_an_empty_database(runner, app, client):
    result = runner.invoke(args=["init-demo"])
    assert result.exit_code == 0
    password = next(line for line in result.output.splitlines() if line.startswith("Password: ")).split(": ", 1)[1]
    assert db.session.scalar(select(func.count(Job.id))) == 1
    assert db.session.scalar(select(func.count(InterviewSlot.id))) == 21
    assert client.post("/login", data={"email": "admin@example.com", "password": password}).status_code == 302
    assert result.output.splitlines()[-1] == "(Shown once. Sign in at http://testserver.local/login)"

    again = runner.invoke(args=["init-demo"])
    assert again.exit_code == 0 and "Password" not in again.output
    assert again.output.splitlines() == [
        "Sign in at http://testserver.local/login with an existing account, or create one with:",
        "  .venv/bin/flask create-admin you@example.com --password '…'",
    ]
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_links_follow_make_runs_port_unless_backend_url_is_set(monkeypatch, tmp_path):
    monkeypatch.delenv("BACKEND_URL", raising=False)
    monkeypatch.setenv("PORT", "8000")
    assert config.load_config(str(tmp_path))["BACKEND_URL"] == "http://127.0.0.1:8000"
    monkeypatch.delenv("PORT")
    assert config.load_config(str(tmp_path))["BACKEND_URL"] == "http://127.0.0.1:5000"
    monkeypatch.setenv("PORT", "8000")
    monkeypatch.setenv("BACKEND_URL", "https://interviews.example.com/")
    assert config.load_config(str(tmp_path))["BACKEND_URL"] == "https://interviews.example.com"


@BOTH_DATABASES
def test_migrations_create_exactly_the_model_schema(backend, tmp_path, request):
    """`flask db upgrade` builds the schema the models describe, on SQLite and PostgreSQL."""
    with empty_database(backend, tmp_path, request) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
        with app.app_context():
            upgrade()
            assert "interview_sessions" in inspect(db.engine).get_table_names()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": kept_by_autogenerate})
                diff = compare_metadata(context, db.metadata)
            assert diff == []
            # The search objects the models leave to their migration are there too.
            names = set(inspect(db.engine).get_table_names()) | {
                ix["name"] for ix in inspect(db.engine).get_indexes("candidates")
            }
            assert names & {"candidates_search", "ix_candidates_search_text_trgm"}
            db.engine.dispose()


@BOTH_DATABASES
def test_create_all_makes_the_interview_indexes_partial(backend, tmp_path, request):
    """models.PartialIndex gives each database its WHERE, though no dialect keyword names it."""
    with empty_database(backend, tmp_path, request) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "OUTBOX_IN_PROCESS": False})
        with app.app_context():
            db.create_all()
            wheres = {
                ix["name"]: str(ix["dialect_options"].get(f"{backend}_where", ""))
                for ix in inspect(db.engine).get_indexes("interviews")
                if ix["name"] in ("uq_interviews_active_candidate_slot", "uq_interviews_open_candidate_job")
            }
            db.engine.dispose()
    assert (
        "in_progress" in wheres["uq_interviews_active_candidate_slot"]
        and "pending" not in wheres["uq_interviews_active_candidate_slot"]
    )
    assert "pending" in wheres["uq_interviews_open_candidate_job"]


def test_password_is_stored_hashed(admin):
    assert PASSWORD not in admin.password_hash and admin.check_password(PASSWORD)


def _cut_pooled_connections(app):
    """What a database restart does to the app's pooled connections: their server ends are gone."""
    with create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool).connect() as admin:
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )


@pytest.mark.parametrize("backend", ["postgresql"])
def test_an_idle_pooled_connection_the_database_dropped_is_replaced_before_use(app_config, backend):
    app = create_app({**app_config, "DATABASE_PING_IDLE_SECONDS": 0})  # every connection counts as idle
    client = app.test_client()
    key = "k" * 43
    assert client.get(f"/?session_key={key}").status_code == 404  # the pool now holds a connection
    _cut_pooled_connections(app)
    assert client.get(f"/?session_key={key}").status_code == 404  # the ping found it dead; a new one answered
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_pooled_connection_in_steady_use_is_not_pinged_and_a_lost_one_costs_one_503(app_config, backend):
    app = create_app({**app_config, "DATABASE_PING_IDLE_SECONDS": 3600})
    client = app.test_client()
    key = "k" * 43
    assert client.get(f"/?session_key={key}").status_code == 404
    _cut_pooled_connections(app)
    assert client.get(f"/?session_key={key}").status_code == 503  # not pinged: the request finds it dead
    assert client.get(f"/?session_key={key}").status_code == 404  # the pool was renewed: recovered
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_lone_selects_use_an_autocommit_pool_disposed_with_the_main_one(app, backend):
    reads = app.extensions["autocommit_engine"]
    assert reads is not db.engine and reads.url == db.engine.url
    with reads.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
        assert connection.connection.dbapi_connection.autocommit
    assert reads.pool.checkedin() == 1
    db.engine.dispose()
    assert reads.pool.checkedin() == 0


@pytest.mark.parametrize("backend", ["postgresql"])
def test_lone_selects_reuse_one_binary_cursor_per_pooled_connection(app, backend):
    reads = app.extensions["autocommit_engine"]
    lone = LoneSelect(select(Job.job_title, Job.created_at).where(Job.job_title == bindparam("title")))
    assert lone.first(reads, {"title": "no such job"}) is None
    connection = reads.raw_connection()
    cursor = connection.info[LONE_SELECT_CURSOR]
    connection.close()
    db.session.add(Job(job_title="Reused", company_name="Acme"))
    db.session.commit()
    found = lone.first(reads, {"title": "Reused"})
    assert found[0] == "Reused" and found[1].tzinfo is not None  # binary results, converted by the columns' types
    connection = reads.raw_connection()
    assert connection.info[LONE_SELECT_CURSOR] is cursor and cursor.format == 1  # psycopg's BINARY
    connection.close()


def test_a_database_that_cannot_be_reached_is_a_503_to_retry(app_config, api_headers):
    """A restart or failover answers 503 with Retry-After (JSON for the API, a page for people)."""
    down = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/none"})
    client = down.test_client()
    response = client.get("/api/", headers=api_headers)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.json == {"error": "The service is briefly unavailable. Please try again in a moment."}
    page = client.get("/?session_key=" + "k" * 43)
    assert page.status_code == 503 and "Back in a moment" in page.get_data(as_text=True)


def test_make_run_takes_a_port_and_make_clean_removes_what_the_project_creates():
    """`make run PORT=8000` serves there; `make clean` removes tool output but keeps instance/."""
    run = subprocess.run(["make", "-n", "run", "PORT=8000"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert ".venv/bin/flask run --host 127.0.0.1 --port 8000" in run.stdout.splitlines()
    clean = subprocess.run(["make", "-n", "clean"], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
    for created in (".venv", ".pytest_cache", ".hypothesis", "test-results", "bench/results", "__pycache__"):
        assert created in clean
    assert "instance" not in clean


def test_readme_lists_every_api_endpoint(app):
    """The README's API table names each method and path that app.url_map serves under /api/ and /ai/."""
    readme = (ROOT / "README.md").read_text()
    listed = {
        (method, path)
        for methods, path in re.findall(
            r"`((?:GET|POST|PUT|PATCH|DELETE)(?:/(?:GET|POST|PUT|PATCH|DELETE))*) (/[^`\s]*)`", readme
        )
        for method in methods.split("/")
    }
    served = {
        (method, re.sub(r"<[^>]+>", "<id>", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/api/", "/ai/"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served - listed == set()
