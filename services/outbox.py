"""The outbox sender: delivers due OutboxEmail rows through Flask-Mail over SMTP.

Delivery is at least once. A sender claims due rows (status `sending`, `claimed_at`,
`claimed_by`) and commits the claim before talking to SMTP; on PostgreSQL the claim uses
`SELECT … FOR UPDATE SKIP LOCKED`, so any number of `flask outbox worker` processes share the
work without sending a row twice. Each row is marked (sent / retrying / failed) in its own
commit right after its SMTP transaction. Batches are small and their lease is renewed before
each message, so a claim older than the short lease (a worker killed mid-batch) is taken over
by the next sender within a minute.

What remains: if a process dies after the server accepted a message (250) but before the
"sent" mark is committed, the message is sent again when the lease runs out. SMTP has no
idempotent submission, so this cannot be closed from our side; the repeat carries the same
Message-ID (derived from the row's idempotency key), which lets receiving systems and mail
clients recognise and fold the duplicate.
"""
import hashlib
import logging
import os
import smtplib
import socket
import threading
import uuid
from datetime import timedelta
from email.headerregistry import Address
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

import click
from flask import current_app, render_template
from flask_mail import Connection, Message
from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.orm import Session, aliased

from extensions import mail
from models import EmailStatus, Interview, OutboxEmail, db
from services import calendar_invite, timeutil

log = logging.getLogger(__name__)

BASE_BACKOFF_SECONDS = 30
MAX_BACKOFF_SECONDS = 3600
# A claim lasts this long without renewal; the sender renews its batch before each message, so
# the lease only has to outlast one SMTP transaction (MAIL_TIMEOUT per step), and a killed
# worker's rows are taken over after at most this long.
LEASE_SECONDS = 60
POLL_SECONDS = 5
BATCH_SIZE = 10
PROMPT_SEND_SECONDS = 5  # the longest `flask create-link` waits for each SMTP step of its own invitation
SENDER_EXTENSION = "outbox_sender"


def header_safe(value):
    """A header value on one line: CR, LF and runs of whitespace become single spaces."""
    return " ".join(str(value or "").split())


def default_sender(app=None):
    """MAIL_DEFAULT_SENDER as (name, address), whether configured as "Name <a@b>" or a tuple."""
    value = (app or current_app).config.get("MAIL_DEFAULT_SENDER") or ""
    name, address = value if isinstance(value, (tuple, list)) else parseaddr(value)
    return header_safe(name), header_safe(address)


def is_configured(app=None):
    """True when an SMTP server is configured (MAIL_SERVER or EMAIL_HOST)."""
    return bool((app or current_app).config.get("MAIL_SERVER"))


def describe_mail_config(app):
    """One line saying where mail goes (never the password), and warnings for doubtful settings."""
    config = app.config
    if not config.get("MAIL_SERVER"):
        return (
            "Mail: no SMTP server configured (set MAIL_SERVER or EMAIL_HOST); "
            "e-mails wait in the outbox as 'unconfigured' and are sent once it is set",
            [],
        )
    security = "SSL" if config.get("MAIL_USE_SSL") else "STARTTLS" if config.get("MAIL_USE_TLS") else "plain SMTP"
    login = f"as {config['MAIL_USERNAME']}" if config.get("MAIL_USERNAME") else "without login"
    warnings = []
    if config.get("MAIL_USERNAME") and not config.get("MAIL_PASSWORD"):
        warnings.append("Mail: MAIL_USERNAME is set but MAIL_PASSWORD is empty; the server will likely refuse to log in")
    if config.get("MAIL_PASSWORD") and not (config.get("MAIL_USE_TLS") or config.get("MAIL_USE_SSL")):
        warnings.append("Mail: a password is configured without STARTTLS or SSL; it would travel in clear text")
    _name, sender = default_sender(app)
    if "@" not in sender:
        warnings.append(f"Mail: MAIL_DEFAULT_SENDER {config.get('MAIL_DEFAULT_SENDER')!r} is not an e-mail address")
    line = (
        f"Mail: SMTP {config['MAIL_SERVER']}:{config['MAIL_PORT']} ({security}) {login}, "
        f"from {formataddr(default_sender(app))}, timeout {config.get('MAIL_TIMEOUT')} s"
    )
    return line, warnings


class TimedConnection(Connection):
    """Flask-Mail's SMTP connection with a socket timeout (MAIL_TIMEOUT), which Flask-Mail lacks."""

    def __init__(self, state, timeout):
        super().__init__(state)
        self.timeout = timeout

    def configure_host(self):
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=self.timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def open_connection(app=None, timeout=None):
    """An SMTP connection built from the app's current settings (read now, so config changes apply);
    `timeout` (seconds per SMTP step) defaults to MAIL_TIMEOUT."""
    app = app or current_app
    # Flask-Mail's own state suppresses sending when TESTING; the outbox sends whenever SMTP is configured.
    state = mail.init_mail(app.config, debug=False, testing=False)
    return TimedConnection(state, timeout=timeout or app.config.get("MAIL_TIMEOUT") or 10)


def mail_address(name, address):
    """An email.headerregistry.Address: the display name stays one quoted name, never more recipients;
    an international domain is written in IDNA, as SMTP needs."""
    local, _at, domain = header_safe(address).rpartition("@")
    return Address(display_name=header_safe(name), username=local, domain=domain.encode("idna").decode("ascii"))


class AddressedMessage(Message):
    """Flask-Mail's Message with From and To written from Address objects.

    Flask-Mail turns a display name into an RFC 2047 word that the email package later decodes and
    re-wraps unquoted, so `"Sharma, Priya" <p@…>` came out as two addresses on the To: line.
    """

    def __init__(self, *, to, sender, **kwargs):
        super().__init__(recipients=[to.addr_spec], sender=sender.addr_spec, **kwargs)
        self.addresses = {"From": sender, "To": to}

    def _message(self):
        message = super()._message()  # already under policy.SMTP, which stores Address objects as parsed headers
        for header, address in self.addresses.items():
            del message[header]
            message[header] = address
        return message


def message_id(idempotency_key):
    """A Message-ID fixed by the idempotency key, so a repeated send is recognisably the same message."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    host = urlsplit(current_app.config["BACKEND_URL"]).hostname or "localhost"
    return f"<outbox.{digest}@{host}>"


def build_message(email):
    """A Flask-Mail Message for an outbox row: text + HTML parts, `invite.ics` attached when present."""
    message = AddressedMessage(
        subject=header_safe(email.subject),
        to=mail_address(email.to_name, email.to_email),
        body=email.body_text,
        html=email.body_html or None,
        sender=mail_address(*default_sender()),
    )
    message.msgId = message_id(email.idempotency_key)
    message.extra_headers = {"X-Outbox-Key": header_safe(email.idempotency_key)}
    if email.ics:
        method = calendar_invite.method_of(email.ics)
        message.attach("invite.ics", f"text/calendar; charset=utf-8; method={method}", email.ics.encode("utf-8"))
    return message


def is_permanent(error):
    """A 5xx reply about the message or recipient; connection trouble and 4xx are worth retrying.

    Authentication failures (535) are a configuration problem, not the message's, so they retry
    (with back-off) until an operator fixes the credentials.
    """
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return not isinstance(error, (OSError, smtplib.SMTPException))


def describe_error(error):
    """A short readable error for last_error."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{rcpt}: {code} {reply.decode(errors='replace')}" for rcpt, (code, reply) in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        return f"{error.smtp_code} {reply}"
    if isinstance(error, (socket.timeout, TimeoutError)) or "timed out" in str(error):
        return "SMTP server timed out"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def backoff(attempts, base_seconds=BASE_BACKOFF_SECONDS):
    """Delay before the next try after `attempts` tries: 30 s, 60 s, 120 s, … capped at an hour."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def _due_condition(table, now, email_ids=None):
    """Rows to send now: queued, retrying or unconfigured (SMTP is configured by now) and due, or
    `sending` under a claim older than the lease (its worker died); only `email_ids` when given."""
    ready = (EmailStatus.QUEUED.value, EmailStatus.RETRYING.value, EmailStatus.UNCONFIGURED.value)
    due = or_(
        and_(table.status.in_(ready), table.next_attempt_at <= now),
        and_(table.status == EmailStatus.SENDING.value, table.claimed_at < now - timedelta(seconds=LEASE_SECONDS)),
    )
    return due if email_ids is None else and_(due, table.id.in_(email_ids))


def claim_due(limit=BATCH_SIZE, worker_id=None, email_ids=None):
    """Claim up to `limit` due rows (only among `email_ids` when given) for this worker and commit
    the claim; returns their ids."""
    if not is_configured():
        return []
    now = timeutil.now()
    claim = {"status": EmailStatus.SENDING.value, "claimed_at": now, "claimed_by": worker_id or default_worker_id(), "attempts": OutboxEmail.attempts + 1}
    if db.session.get_bind().dialect.name == "postgresql":
        query = select(OutboxEmail.id).where(_due_condition(OutboxEmail, now, email_ids)).order_by(OutboxEmail.next_attempt_at).limit(limit)
        ids = db.session.scalars(query.with_for_update(skip_locked=True)).all()
        if ids:
            db.session.execute(update(OutboxEmail).where(OutboxEmail.id.in_(ids)).values(**claim).execution_options(synchronize_session=False))
    else:
        # One UPDATE takes SQLite's write lock at once, so two senders never claim the same row.
        candidate = aliased(OutboxEmail)
        due_ids = select(candidate.id).where(_due_condition(candidate, now, email_ids)).order_by(candidate.next_attempt_at).limit(limit)
        ids = db.session.scalars(
            update(OutboxEmail).where(OutboxEmail.id.in_(due_ids)).values(**claim).returning(OutboxEmail.id)
        ).all()
    db.session.commit()
    return list(ids)


def default_worker_id():
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


def _mark(email_id, **values):
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.status == EmailStatus.SENDING.value)
        .values(claimed_at=None, claimed_by=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _renew_claims(email_ids, worker_id):
    """Restart the lease of this worker's still-claimed rows (the rest of its batch), so a live
    worker keeps them while a dead one's run out; returns the ids that are still this worker's."""
    renewed = db.session.scalars(
        update(OutboxEmail)
        .where(OutboxEmail.id.in_(email_ids), OutboxEmail.status == EmailStatus.SENDING.value, OutboxEmail.claimed_by == worker_id)
        .values(claimed_at=timeutil.now())
        .returning(OutboxEmail.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return set(renewed)


def _is_moot(email):
    """A reminder whose interview is no longer scheduled (a safety net behind cancel_pending_reminders)."""
    if email.kind != "reminder" or email.interview_id is None:
        return False
    interview = db.session.get(Interview, email.interview_id)
    return interview is None or not interview.is_active


def _release(email_ids):
    """Hand claimed but untouched rows back (a worker asked to stop), so others send them now."""
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id.in_(email_ids), OutboxEmail.status == EmailStatus.SENDING.value)
        .values(status=EmailStatus.QUEUED.value, claimed_at=None, claimed_by=None, attempts=OutboxEmail.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def deliver_due(limit=BATCH_SIZE, worker_id=None, stop=None, email_ids=None, timeout=None):
    """Claim and send due rows (only `email_ids` when given); returns counts {"sent", "retrying",
    "failed", "cancelled"}.

    `stop` (a threading.Event) ends the batch after the current message; the rest are released.
    `timeout` bounds each SMTP step (MAIL_TIMEOUT by default).
    """
    counts = {"sent": 0, "retrying": 0, "failed": 0, "cancelled": 0}
    worker_id = worker_id or default_worker_id()
    ids = claim_due(limit, worker_id, email_ids)
    if not ids:
        return counts
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    connection = None
    try:
        for position, email_id in enumerate(ids):
            if stop is not None and stop.is_set():
                _release(ids[position:])
                break
            if email_id not in _renew_claims(ids[position:], worker_id):
                continue  # another worker took it over
            email = db.session.get(OutboxEmail, email_id, populate_existing=True)
            attempts, key = email.attempts, email.idempotency_key
            if _is_moot(email):
                _mark(email_id, status=EmailStatus.CANCELLED.value, last_error="Interview no longer scheduled.")
                counts["cancelled"] += 1
                continue
            try:
                message = build_message(email)
                # End the read transaction: no database transaction stays open while SMTP is slow.
                db.session.commit()
                if connection is None:
                    connection = open_connection(timeout=timeout)
                    connection.__enter__()
                connection.send(message)
            except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
                connection = _discard(connection)
                reason = describe_error(error)
                if is_permanent(error) or attempts >= max_attempts:
                    log.warning("Outbox %s failed for good after %s attempt(s): %s", key, attempts, reason)
                    _mark(email_id, status=EmailStatus.FAILED.value, last_error=reason)
                    counts["failed"] += 1
                else:
                    retry_at = timeutil.now() + backoff(attempts, current_app.config["OUTBOX_BACKOFF_SECONDS"])
                    log.info("Outbox %s attempt %s failed (%s); retrying at %s", key, attempts, reason, retry_at)
                    _mark(email_id, status=EmailStatus.RETRYING.value, last_error=reason, next_attempt_at=retry_at)
                    counts["retrying"] += 1
            else:
                _mark(email_id, status=EmailStatus.SENT.value, sent_at=timeutil.now(), last_error=None)
                counts["sent"] += 1
    finally:
        _discard(connection)
    return counts


def _discard(connection):
    """Close an SMTP connection quietly (it may already be broken); returns None."""
    if connection is not None and connection.host is not None:
        try:
            connection.host.quit()
        except (OSError, smtplib.SMTPException):
            connection.host.close()
    return None


def send_now(email_id, timeout=PROMPT_SEND_SECONDS):
    """Deliver one due row right away, claimed like any sender claims (a running sender cannot send it
    too), waiting at most `timeout` (or MAIL_TIMEOUT, if lower) per SMTP step; returns the row."""
    timeout = min(timeout, current_app.config.get("MAIL_TIMEOUT") or timeout)
    deliver_due(limit=1, worker_id=f"{default_worker_id()}:send-now", email_ids=[email_id], timeout=timeout)
    return db.session.get(OutboxEmail, email_id, populate_existing=True)


def delivery_report(email, queued_reason="waiting for the sender"):
    """What became of a message, for an operator: `sent to …`, `queued (why; when)` or `not sent (why)`."""
    if email is None:
        return "none (no invitation was queued)"
    reason = email.last_error or ""
    if reason[:3].isdigit():
        reason = f"SMTP refused: {reason}"
    if email.status == EmailStatus.SENT.value:
        return f"sent to {email.to_email}"
    if email.status == EmailStatus.RETRYING.value:
        wait = max(0, round((email.next_attempt_at - timeutil.now()).total_seconds()))
        return f"queued ({reason}; retrying in {wait} s)"
    if email.status == EmailStatus.FAILED.value:
        return f"not sent ({reason}); copy the link and send it yourself"
    if email.status == EmailStatus.UNCONFIGURED.value:
        return "queued (no SMTP server configured; it goes out once MAIL_SERVER is set)"
    if email.status == EmailStatus.SENDING.value:
        return "queued (another sender is delivering it now)"
    if email.status == EmailStatus.CANCELLED.value:
        return "withdrawn"
    return f"queued ({queued_reason})"


def drain(worker_id=None, batch=BATCH_SIZE, stop=None):
    """Deliver until nothing is due (or `stop` is set); returns summed counts."""
    totals = {"sent": 0, "retrying": 0, "failed": 0, "cancelled": 0}
    while stop is None or not stop.is_set():
        counts = deliver_due(batch, worker_id, stop)
        for name, value in counts.items():
            totals[name] += value
        if sum(counts.values()) < batch:
            break
    return totals


def send_test_message(to_email):
    """Send a test message directly (not through the outbox); raises on failure."""
    server = f"{current_app.config['MAIL_SERVER']}:{current_app.config['MAIL_PORT']}"
    message = AddressedMessage(
        subject="Interview scheduler: test message",
        to=mail_address("", to_email),
        body=render_template("email/mail_test.txt", server=server, sent_at=timeutil.isoformat_z(timeutil.now())),
        sender=mail_address(*default_sender()),
    )
    with open_connection() as connection:
        connection.send(message)
    return message.msgId


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
        while not self.stopping.is_set():
            self.wakeup.clear()
            with self.app.app_context():
                try:
                    drain(worker_id, stop=self.stopping)
                except Exception:  # noqa: BLE001 - the thread must survive a bad moment (database down)
                    log.exception("Outbox: delivery round failed; trying again in %s s", POLL_SECONDS)
                    db.session.rollback()
                finally:
                    db.session.remove()
            self.wakeup.wait(POLL_SECONDS)


def flask_run_role():
    """"serving" in the process `flask run` serves from, "watching" in its reloader's watcher (which
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
