"""Helpers shared by test modules (fixtures live in conftest.py)."""

import json
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import AXE_JS, PASSWORD

# Run a test on SQLite and on PostgreSQL (PostgreSQL needs TEST_DATABASE_URL).
AXE_SOURCE = AXE_JS.read_text() + "\n;undefined"

BOTH_DATABASES = pytest.mark.parametrize("backend", ["sqlite", "postgresql"])


@contextmanager
def empty_database(backend, tmp_path, request):
    """The URL of a new, empty database on `backend` (a PostgreSQL one is dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    url = request.getfixturevalue("pg_url").rsplit("/", 1)[0] + "/" + "migrated_" + tmp_path.name[-20:].lower()
    admin_engine = create_engine(request.getfixturevalue("pg_url"), isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"'))
    try:
        yield url
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin_engine.dispose()


def assert_accessible(page, context=None):
    """No serious or critical axe-core violations on the current page."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluate() runs over the DevTools protocol, outside the page's CSP (which forbids
        # the inline <script> that add_script_tag would insert); the app keeps its real CSP.
        page.evaluate(AXE_SOURCE)
    # Only violations are gathered in full (passes and the rest would be serialised for nothing).
    results = page.evaluate("(ctx) => axe.run(ctx || document, {resultTypes: ['violations']})", context)
    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(
        [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in bad], indent=1
    )


def browser_login(page, base_url, email, password=PASSWORD):
    """Sign in through the real login form."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/interviews/dashboard")
