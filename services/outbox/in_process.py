"""The in-process sender: a thread delivering the outbox inside the web process, woken by commits that add rows."""

import logging
import os
import socket
import threading
import uuid

import click
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from models import OutboxEmail, db
from services.no_shows import Sweeper
from services.outbox.queue import drain
from services.outbox.transport import Courier, describe_mail_config

log = logging.getLogger(__name__)

POLL_SECONDS = 5
SENDER_EXTENSION = "outbox_sender"


class InProcessSender:
    """A daemon thread delivering the outbox inside the web process (the embedded SQLite setup).

    It starts with the server: in the process `flask run` serves from (see flask_run_role) and in
    each gunicorn worker after the fork (gunicorn.conf.py), never at import or in other CLI
    commands; under any other WSGI server, on the first request. It polls every POLL_SECONDS
    and is woken at once by a commit that added outbox rows. Requests only set an Event; they
    never wait for SMTP.
    """

    def __init__(self, app):
        self.app = app
        self.wakeup = threading.Event()
        self.stopping = threading.Event()
        self.thread = None
        self.pid = None
        self.lock = threading.Lock()

    def ensure_started(self):
        if self.thread is not None and self.thread.is_alive() and self.pid == os.getpid():
            return
        with self.lock:
            if self.thread is not None and self.thread.is_alive() and self.pid == os.getpid():
                return
            self.pid = os.getpid()
            self.stopping.clear()
            self.thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)
            self.thread.start()
            log.info("Outbox: in-process sender started (pid %s)", self.pid)

    def wake(self):
        self.wakeup.set()

    def stop(self, timeout=5):
        self.stopping.set()
        self.wakeup.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self):
        worker_id = f"{socket.gethostname()}:{os.getpid()}:in-process:{uuid.uuid4().hex[:6]}"
        courier = Courier(self.app)
        no_shows = Sweeper()  # keeps missed interviews' status true as well
        while not self.stopping.is_set():
            self.wakeup.clear()
            with self.app.app_context():
                try:
                    drain(worker_id, stop=self.stopping, courier=courier)
                    no_shows.sweep_if_due()
                except Exception:  # noqa: BLE001 - the thread must survive a bad moment (database down)
                    log.exception("Outbox: delivery or no-show round failed; trying again in %s s", POLL_SECONDS)
                    db.session.rollback()
                finally:
                    db.session.remove()
            self.wakeup.wait(POLL_SECONDS)
            courier.close_if_idle()
        courier.close()


def flask_run_role():
    """ "serving" in the process `flask run` serves from, "watching" in its reloader's watcher (which
    only restarts the server), None anywhere else (gunicorn, other CLI commands, tests)."""
    from flask.cli import get_debug_flag, run_command

    context = click.get_current_context(silent=True)
    if context is None or context.command is not run_command:
        return None
    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":  # set by the reloader in the process it starts
        return "serving"
    reload = context.params.get("reload")
    return "watching" if (get_debug_flag() if reload is None else reload) else "serving"


def start_sender(app):
    """Start the app's in-process sender in this process (if OUTBOX_IN_PROCESS); idempotent.

    `app` may be any WSGI callable gunicorn serves; only this project's Flask app has a sender."""
    sender = getattr(app, "extensions", {}).get(SENDER_EXTENSION)
    if sender is not None:
        sender.ensure_started()


_logged_config = set()


def init_app(app):
    """Log the mail settings once per process, and run the in-process sender when OUTBOX_IN_PROCESS
    is true: started now under `flask run`, by gunicorn.conf.py in gunicorn workers."""
    role = flask_run_role()
    line, warnings = describe_mail_config(app)
    if role != "watching" and (line, tuple(warnings)) not in _logged_config:
        _logged_config.add((line, tuple(warnings)))
        log.info(line)
        for warning in warnings:
            log.warning(warning)
    if not app.config.get("OUTBOX_IN_PROCESS"):
        return
    if SENDER_EXTENSION in app.extensions:
        return
    sender = InProcessSender(app)
    app.extensions[SENDER_EXTENSION] = sender
    _listen_for_outbox_commits()
    app.before_request(sender.ensure_started)  # a server started some other way: its first request
    if role == "serving":
        sender.ensure_started()


def wake(app=None):
    """Ask the in-process sender (if running) to look for due rows now; returns at once.

    It does not start the thread: a CLI command that commits would exit under it mid-send."""
    sender = (app or current_app).extensions.get(SENDER_EXTENSION)
    if sender is not None:
        sender.wake()


_listening = False


def _listen_for_outbox_commits():
    """Wake the sender after any commit that wrote outbox rows (registered once per process)."""
    global _listening
    if _listening:
        return
    _listening = True

    @event.listens_for(Session, "after_flush")
    def note_outbox_rows(session, _flush_context):
        if any(isinstance(obj, OutboxEmail) for obj in session.new):
            session.info["outbox_rows_added"] = True

    @event.listens_for(Session, "after_commit")
    def wake_after_commit(session):
        if session.info.pop("outbox_rows_added", False):
            try:
                wake()
            except RuntimeError:
                log.debug("Outbox rows committed outside an app context; the poll will find them")

    @event.listens_for(Session, "after_rollback")
    def forget_on_rollback(session):
        session.info.pop("outbox_rows_added", None)
