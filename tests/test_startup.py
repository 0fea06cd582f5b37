"""Start-up: create_app() does no work a request does not need; `flask db …` still works."""

import json
import subprocess
import sys
import uuid
from pathlib import Path

from flask import url_for
from sqlalchemy import text
from werkzeug.routing import Rule

from app import create_app
from models import db
from services import accounts

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")
LOADED_AFTER_CREATE_APP = """
import json, sys
from app import create_app
create_app()
from sqlalchemy import text

from models import db
from services import accounts
from services.schemas import Schema

def declared(model):
    for subclass in model.__subclasses__():
        yield subclass
        yield from declared(subclass)

print(json.dumps({
    "modules": sorted(m for m in (
        "alembic", "flask_migrate", "pypdf", "docx",  # the CLI's and the resume reader's
        "zxcvbn", "icalendar", "email_validator", "PIL", "defusedxml", "segno", "css_inline",  # one code path's each, slow to load
        "sqlalchemy.dialects.postgresql",  # this start runs on SQLite
    ) if m in sys.modules),
    "dummy_hashes": accounts._dummy_user.cache_info().currsize,
    "built_schemas": sorted(model.__name__ for model in declared(Schema) if model.__pydantic_complete__),
}))
"""


def cli_env(tmp_path):
    return {"PATH": str(Path(sys.executable).parent), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "SECRET_KEY": "x"}


def test_create_app_imports_no_migration_or_resume_libraries_hashes_nothing_and_builds_no_schema(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", LOADED_AFTER_CREATE_APP],
        cwd=ROOT,
        env=cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"modules": [], "dummy_hashes": 0, "built_schemas": []}


def test_flask_db_upgrade_from_the_cli_then_check_and_help(tmp_path):
    """The venv's `flask` finds the app from the repo root (operators' entry point) and migrates."""
    env = cli_env(tmp_path)
    upgraded = subprocess.run(
        [FLASK, "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert upgraded.returncode == 0, upgraded.stderr
    # The rest in this process (each `flask` process costs about a second of CPU).
    runner = create_app(
        {"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "SECRET_KEY": "x", "OUTBOX_IN_PROCESS": False}
    ).test_cli_runner()
    checked = runner.invoke(args=["db", "check"])  # exits 1 when the models differ from the migrated schema
    assert checked.exit_code == 0, checked.output
    helped = runner.invoke(args=["db", "--help"])
    assert helped.exit_code == 0 and "upgrade" in helped.output and "downgrade" in helped.output


def test_flask_db_runs_in_process_too(app, runner):
    result = runner.invoke(args=["db", "stamp", "head"])
    assert result.exit_code == 0, result.output
    heads = [path.stem.split("_")[0] for path in (ROOT / "migrations/versions").glob("*.py")]
    assert db.session.scalar(text("SELECT version_num FROM alembic_version")) in heads


def test_unknown_email_still_costs_a_password_check(app):
    assert accounts.authenticate("nobody@example.com", "whatever password") is None
    assert accounts._dummy_user.cache_info().currsize == 1
    # Hashed like every real password (the app's PASSWORD_HASH_METHOD; scrypt in production), so a
    # miss costs what a wrong password costs.
    method = app.config["PASSWORD_HASH_METHOD"]
    assert accounts._dummy_user().password_hash.startswith(method.split(":")[0] + ":")


def test_url_builders_are_compiled_on_first_use(own_url_map, tmp_path, monkeypatch):
    compiled = []
    compile_code = Rule._get_func_code
    monkeypatch.setattr(
        Rule, "_get_func_code", staticmethod(lambda code, name: compiled.append(name) or compile_code(code, name))
    )
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "x", "OUTBOX_IN_PROCESS": False})
    assert compiled == []
    candidate_id = uuid.UUID(int=5)
    with app.test_request_context():
        assert url_for("candidates.detail", candidate_id=candidate_id, tab="a b") == f"/candidates/{candidate_id}?tab=a+b"
        assert url_for("candidates.detail", candidate_id=candidate_id) == f"/candidates/{candidate_id}"
        assert url_for("api.get_job", job_id="j", _external=True) == "http://localhost/api/jobs/j/"
    assert len(compiled) == 2  # one builder per rule built, kept for the next url_for
