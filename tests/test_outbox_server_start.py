"""The in-process sender starts with the server, not on its first request: a real `flask run`
(with and without the reloader) and a real gunicorn (with and without --preload) deliver an
invitation queued by `flask create-link --no-send` while nobody sends them a single request."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SENDER_STARTED = "Outbox: in-process sender started"
MAIL_LINE = "Mail: SMTP 127.0.0.1:"


def server_command(kind, port):
    """The command line of a `flask run` or gunicorn variant on `port`."""
    if kind.startswith("flask run"):
        return [str(BIN / "flask"), "run", "--port", str(port), *kind.split()[2:]]
    return [str(BIN / "gunicorn"), "app:create_app()", "--workers", "2", "--bind", f"127.0.0.1:{port}", *kind.split()[1:]]


class Server:
    """A server subprocess in its own process group, its output collected line by line."""

    def __init__(self, command, env):
        self.lines = []
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True)
        self.reader.start()

    def wait_for_output(self, text, count, timeout=30):
        """Block until `text` appeared in `count` lines of output."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count(text) >= count:
                return
            assert self.process.poll() is None, "".join(self.lines)
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not seen {count} times:\n{''.join(self.lines)}")

    def count(self, text):
        """How many lines of output so far contain `text`."""
        return sum(text in line for line in list(self.lines))

    def stop(self):
        """SIGTERM to the whole group (the reloader's server or gunicorn's workers too)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        self.reader.join(5)


def cli_env(database_url, **settings):
    """The environment a `flask` command or server runs with: the test database, INFO logs."""
    return {
        **os.environ,
        "FLASK_APP": "app",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test",
        "OUTBOX_IN_PROCESS": "true",
        "LOG_LEVEL": "INFO",
        **settings,
    }


@pytest.fixture(scope="module")
def queued_link(sqlite_template, tmp_path_factory):
    """`flask create-link --no-send` run once, on a copy of the schema the module's tests start
    from: the invitation waits in the outbox before any server starts, so no sender can take the
    row before the command reports on it, and a server's first round (not its poll) must deliver it."""
    path = tmp_path_factory.mktemp("queued") / "queued.db"
    shutil.copyfile(sqlite_template, path)
    command = [str(BIN / "flask"), "create-link", "--no-send", "PYTHON", "Jane Smith", "jane@example.com", "2030-10-20 14:30"]
    env = cli_env(
        f"sqlite:///{path}",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(free_port()),  # nothing listens: --no-send must not try
        MAIL_DEFAULT_SENDER="interviews@example.com",
    )
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    return path, result


@pytest.fixture
def sqlite_start(queued_link):
    """This module's tests start from a copy of the file with the queued invitation."""
    return queued_link[0]


def test_create_link_no_send_queues_the_invitation_and_starts_no_sender(queued_link):
    _, result = queued_link
    assert result.returncode == 0, result.stdout + result.stderr
    assert "E-mail: queued (--no-send; the server's sender delivers it)" in result.stdout
    assert MAIL_LINE in result.stderr  # the app was created and logged its settings
    assert SENDER_STARTED not in result.stderr + result.stdout  # CLI commands never run a sender


@pytest.mark.parametrize(
    "kind, senders", [("flask run", 1), ("flask run --reload", 1), ("gunicorn", 2), ("gunicorn --preload", 2)]
)
def test_sender_starts_with_the_server_and_delivers_without_any_request(app, smtp, database_url, kind, senders):
    port = free_port()
    env = cli_env(
        database_url,
        FLASK_DEBUG="0",
        BACKEND_URL=f"http://127.0.0.1:{port}",
        MAIL_SERVER=smtp.host,
        MAIL_PORT=str(smtp.port),
        MAIL_USE_TLS="false",
        MAIL_USE_SSL="false",
        MAIL_DEFAULT_SENDER="interviews@example.com",
        PYTHONUNBUFFERED="1",
    )
    server = Server(server_command(kind, port), env)
    try:
        server.wait_for_output(SENDER_STARTED, senders)
        (message,) = smtp.wait_for(1, timeout=20)
        assert message["To"].addresses[0].addr_spec == "jane@example.com"
        assert message["Subject"] == "Interview Scheduled - AI/ML Engineer at Quick Interviews"
    finally:
        server.stop()
    output = "".join(server.lines)
    assert server.count(SENDER_STARTED) == senders, output  # once per serving process, none in the reloader's watcher
    assert " GET " not in output and '"GET ' not in output  # no web request was made
    if kind.startswith("flask run"):
        assert server.count(MAIL_LINE) == 1, output  # the mail settings are logged once, not by the watcher too


@pytest.mark.parametrize("command", [["db", "current"], ["create-token", "nobody@example.com"], ["init-demo"]])
def test_other_cli_commands_never_start_a_sender(app, smtp, database_url, command):
    env = cli_env(database_url, MAIL_SERVER=smtp.host, MAIL_PORT=str(smtp.port))
    result = subprocess.run([str(BIN / "flask"), *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert MAIL_LINE in result.stderr  # the app was created and logged its settings
    assert SENDER_STARTED not in result.stderr + result.stdout
