"""The outbox sender: delivers due OutboxEmail rows over SMTP.

Delivery is at least once. A row queued for a configured server carries its message already
serialised (`mime_message`, with its envelope), so every attempt sends the same bytes; reminders
due later and rows queued without SMTP (or before that column existed) are serialised when they
are first sent, and kept.

A sender works in batches. One statement claims a batch (status `sending`, `claimed_by`, and a
lease: `next_attempt_at` becomes the moment the claim runs out) and is committed before any SMTP;
on PostgreSQL it picks rows with `SELECT … FOR UPDATE SKIP LOCKED`, so any number of `flask
outbox worker` processes share the work without sending a row twice. The messages go out over
the worker's one SMTP connection, which stays open across batches while there is work. After the
batch, one statement marks the sent rows and one the retries and failures. The lease is twice
what one message may take (SMTP_STEPS × MAIL_TIMEOUT, at least a minute) and is renewed, with
the marks so far, whenever less than one message's worth of it is left, so a live worker never
loses a row it is sending, and a killed worker's rows are claimed again once their lease ends.

What remains: if a process dies after the server accepted a message (250) but before the batch's
"sent" mark is committed, the message is sent again when the lease runs out. SMTP has no
idempotent submission, so this cannot be closed from our side; the repeat carries the same
bytes and Message-ID (derived from the row's idempotency key), which lets receiving systems and
mail clients recognise and fold the duplicate.
"""
import functools
import hashlib
import logging
import os
import smtplib
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from email.headerregistry import Address
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

import click
from flask import current_app
from flask_mail import Connection, Message, sanitize_address
from sqlalchemy import bindparam, event, select, union_all, update
from sqlalchemy.orm import Session

from extensions import mail
from models import ACTIVE_INTERVIEW_STATUSES, EmailStatus, Interview, OutboxEmail, db
from services import calendar_invite, email_render, timeutil

log = logging.getLogger(__name__)

BASE_BACKOFF_SECONDS = 30
MAX_BACKOFF_SECONDS = 3600
# What one message may take on an open connection, in SMTP steps each bounded by MAIL_TIMEOUT:
# MAIL, RCPT, DATA, the message itself, and an RSET after a refusal, with one to spare; and what
# opening a connection adds (connect, EHLO, STARTTLS, EHLO again, AUTH).
SMTP_STEPS = 6
CONNECT_STEPS = 5
MIN_LEASE_SECONDS = 60
POLL_SECONDS = 5
BATCH_SIZE = 50
IDLE_CLOSE_SECONDS = 30  # a worker's SMTP connection is closed after this long without a message
PROMPT_SEND_SECONDS = 5  # the longest `flask create-link` waits for each SMTP step of its own invitation
SENDER_EXTENSION = "outbox_sender"
# Rows a sender may claim once their next_attempt_at has passed: for `sending`, the lease ran out
# (its worker died). UNCONFIGURED rows count too, because nothing is claimed without SMTP.
CLAIMABLE_STATUSES = (
    EmailStatus.QUEUED.value, EmailStatus.RETRYING.value, EmailStatus.SENDING.value, EmailStatus.UNCONFIGURED.value,
)


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




def serialise(email, date=None):
    """(envelope sender, envelope recipient, message bytes) for an outbox row, dated `date` (now by
    default)."""
    message = build_message(email)
    message.date = date.timestamp() if date else None
    return sanitize_address(message.sender), sanitize_address(message.recipients[0]), message.as_bytes()


def store_rendered(email, date=None):
    """Serialise the row's message now and keep the bytes and envelope on the row, so every attempt
    sends exactly these (when it is queued to go out now, or when it is first sent).

    It is dated when it is due: a reminder queued days ahead is sorted by mail clients as arriving
    when it does, not among the mail of the day it was booked."""
    if date is None:
        date = max(email.next_attempt_at or timeutil.now(), timeutil.now())
    email.envelope_from, email.envelope_to, email.mime_message = serialise(email, date)




def lease_seconds():
    """How long a claim lasts: twice what one message may take (SMTP_STEPS × MAIL_TIMEOUT), at least
    MIN_LEASE_SECONDS; always more than a message plus opening a connection for it."""
    return max(MIN_LEASE_SECONDS, 2 * SMTP_STEPS * (current_app.config.get("MAIL_TIMEOUT") or 10))


def default_worker_id():
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


def claim_due(limit=BATCH_SIZE, worker_id=None, email_ids=None):
    """Claim up to `limit` due rows (only among `email_ids` when given) for this worker in one
    statement and commit the claim; returns the claimed rows (id, attempts, what to send)."""
    if not is_configured():
        return []
    dialect = db.session.get_bind().dialect.name
    statement = _claim_statement(dialect, limit) if email_ids is None else _build_claim_statement(dialect, limit, email_ids)
    now = timeutil.now()
    claimed = db.session.execute(
        statement,
        {"now": now, "worker": worker_id or default_worker_id(), "lease_end": now + timedelta(seconds=lease_seconds())},
    ).all()
    db.session.commit()
    return claimed


@functools.cache
def _claim_statement(dialect, limit):
    """The claim for every due row, built once per dialect and batch size (a worker runs it for
    every batch; building and hashing a statement this size costs more than running it)."""
    return _build_claim_statement(dialect, limit)


def _build_claim_statement(dialect, limit, email_ids=None):
    """UPDATE … WHERE id IN (the batch) RETURNING …, with :now, :worker and :lease_end.

    Each claimable status is read as one range of the ix_outbox_emails_due index (status, then
    next_attempt_at: oldest first), and the ranges one after the other until the batch is full,
    so a large backlog is neither sorted nor scanned."""
    outbox_emails, candidate = OutboxEmail.__table__, OutboxEmail.__table__.alias("due")
    now = bindparam("now", type_=outbox_emails.c.next_attempt_at.type)
    ranges = []
    for status in CLAIMABLE_STATUSES:
        due = select(candidate.c.id).where(candidate.c.status == status, candidate.c.next_attempt_at <= now)
        if email_ids is not None:
            due = due.where(candidate.c.id.in_(email_ids))
        due = due.order_by(candidate.c.next_attempt_at).limit(limit)
        if dialect == "postgresql":  # rows another sender is claiming right now are skipped, not waited for
            due = due.with_for_update(skip_locked=True)
        ranges.append(select(due.subquery().c.id))
    batch = union_all(*ranges).subquery()
    # On SQLite the one UPDATE takes the write lock at once, so two senders never claim the same row.
    return (
        update(outbox_emails)
        .where(outbox_emails.c.id.in_(select(batch.c.id).limit(limit)))
        .values(
            status=EmailStatus.SENDING.value, claimed_at=now, claimed_by=bindparam("worker"),
            next_attempt_at=bindparam("lease_end", type_=outbox_emails.c.next_attempt_at.type),
            attempts=outbox_emails.c.attempts + 1,
        )
        .returning(
            outbox_emails.c.id, outbox_emails.c.attempts, outbox_emails.c.idempotency_key, outbox_emails.c.kind,
            outbox_emails.c.interview_id, outbox_emails.c.mime_message, outbox_emails.c.envelope_from,
            outbox_emails.c.envelope_to,
        )
    )


def _held_by(worker_id):
    """Rows still claimed by this worker (not taken over by another after a lost lease)."""
    return (OutboxEmail.status == EmailStatus.SENDING.value, OutboxEmail.claimed_by == worker_id)


def _renew_claims(email_ids, worker_id):
    """Restart the lease of this worker's still-claimed rows and commit; returns the ids that are
    still this worker's."""
    now = timeutil.now()
    renewed = db.session.scalars(
        update(OutboxEmail)
        .where(OutboxEmail.id.in_(email_ids), *_held_by(worker_id))
        .values(claimed_at=now, next_attempt_at=now + timedelta(seconds=lease_seconds()))
        .returning(OutboxEmail.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return set(renewed)


def _release(email_ids, worker_id):
    """Hand claimed but untouched rows back (a worker asked to stop), so others send them now."""
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id.in_(email_ids), *_held_by(worker_id))
        .values(
            status=EmailStatus.QUEUED.value, claimed_at=None, claimed_by=None, attempts=OutboxEmail.attempts - 1,
            next_attempt_at=timeutil.now(),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _moot_reminders(claimed):
    """Ids of claimed reminders whose interview is no longer scheduled (a safety net behind
    cancel_pending_reminders); one query, and none when the batch has no reminders."""
    reminders = {row.id: row.interview_id for row in claimed if row.kind == "reminder" and row.interview_id is not None}
    if not reminders:
        return set()
    active = set(db.session.scalars(
        select(Interview.id).where(Interview.id.in_(set(reminders.values())), Interview.status.in_(ACTIVE_INTERVIEW_STATUSES))
    ))
    return {email_id for email_id, interview_id in reminders.items() if interview_id not in active}


@dataclass
class Outcomes:
    """What became of a batch's rows, written in two statements: sent, and everything else."""

    worker_id: str
    counts: dict = field(default_factory=lambda: {"sent": 0, "retrying": 0, "failed": 0, "cancelled": 0})
    sent: list = field(default_factory=list)
    others: list = field(default_factory=list)

    def record(self, email_id, status, error=None, retry_at=None):
        """Note one row's outcome (`sent`, `retrying`, `failed` or `cancelled`)."""
        self.counts[status] += 1
        if status == EmailStatus.SENT.value:
            self.sent.append(email_id)
        else:
            self.others.append({"b_id": email_id, "b_status": status, "b_error": error, "b_next": retry_at or timeutil.now()})

    def flush(self):
        """Write the outcomes noted so far (the rows leave `sending`) and commit."""
        if self.sent:
            db.session.execute(_MARK_SENT, {"ids": self.sent, "worker": self.worker_id, "now": timeutil.now()})
        if self.others:
            db.session.execute(_MARK_OTHERS, [{**other, "worker": self.worker_id} for other in self.others])
        db.session.commit()
        self.sent, self.others = [], []


def _mark_statements():
    """The two UPDATEs that end a batch (built once): the sent rows, and by primary key (one
    executemany) the retries, failures and cancellations; only rows this worker still holds."""
    outbox_emails = OutboxEmail.__table__
    held = (outbox_emails.c.status == EmailStatus.SENDING.value, outbox_emails.c.claimed_by == bindparam("worker"))
    released = {"claimed_at": None, "claimed_by": None}
    mark_sent = (
        update(outbox_emails)
        .where(outbox_emails.c.id.in_(bindparam("ids", expanding=True)), *held)
        .values(status=EmailStatus.SENT.value, sent_at=bindparam("now", type_=outbox_emails.c.sent_at.type), last_error=None, **released)
    )
    mark_others = (
        update(outbox_emails)
        .where(outbox_emails.c.id == bindparam("b_id"), *held)
        .values(status=bindparam("b_status"), last_error=bindparam("b_error"), next_attempt_at=bindparam("b_next"), **released)
    )
    return mark_sent, mark_others


_MARK_SENT, _MARK_OTHERS = _mark_statements()


def _rendered(claimed, outcomes):
    """{id: (envelope from, envelope to, bytes)} for the claimed rows; rows without stored bytes are
    rendered now (one query for all of them); a row that cannot be rendered fails for good."""
    ready = {row.id: (row.envelope_from, row.envelope_to, row.mime_message) for row in claimed if row.mime_message is not None}
    unrendered = [row.id for row in claimed if row.mime_message is None]
    if not unrendered:
        return ready
    for email in db.session.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(unrendered))):
        try:
            # Kept on the row, so a retry sends these bytes; dated now (a claimed row's next_attempt_at is its lease).
            store_rendered(email, timeutil.now())
            ready[email.id] = (email.envelope_from, email.envelope_to, email.mime_message)
        except Exception as error:  # noqa: BLE001 - recorded on the row
            log.warning("Outbox %s cannot be rendered: %s", email.idempotency_key, error)
            outcomes.record(email.id, EmailStatus.FAILED.value, describe_error(error))
    return ready


def deliver_due(limit=BATCH_SIZE, worker_id=None, stop=None, email_ids=None, timeout=None, courier=None):
    """Claim and send one batch of due rows (only `email_ids` when given); returns counts {"sent",
    "retrying", "failed", "cancelled"}.

    `courier` is the worker's SMTP connection, kept open for its next batch; without one, a
    connection is opened for this batch and closed after it. `timeout` bounds each SMTP step of
    that connection (MAIL_TIMEOUT, or less). `stop` (a threading.Event) ends the batch after the
    current message; the rest are released.
    """
    worker_id = worker_id or default_worker_id()
    own_courier = courier is None
    courier = courier or Courier(current_app._get_current_object(), timeout)
    outcomes = Outcomes(worker_id)
    claimed = claim_due(limit, worker_id, email_ids)
    if not claimed:
        return outcomes.counts
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    base_backoff = current_app.config["OUTBOX_BACKOFF_SECONDS"]
    moot = _moot_reminders(claimed)
    rendered = _rendered([row for row in claimed if row.id not in moot], outcomes)
    db.session.commit()  # end the read transaction: none stays open while SMTP is slow
    lease = lease_seconds()
    renewed_at, lost = timeutil.now(), set()
    try:
        for position, row in enumerate(claimed):
            if stop is not None and stop.is_set():
                _release([r.id for r in claimed[position:]], worker_id)
                break
            if row.id in moot:
                outcomes.record(row.id, EmailStatus.CANCELLED.value, "Interview no longer scheduled.")
                continue
            if row.id not in rendered or row.id in lost:
                continue  # failed to render (recorded), or another worker took it over
            try:
                if timeutil.now() - renewed_at >= timedelta(seconds=lease - courier.longest_send()):
                    # Less of the lease is left than this message may take: renew it (the batch's
                    # rows sent so far are marked first, so none of them can be claimed again).
                    outcomes.flush()
                    remaining = [r.id for r in claimed[position:]]
                    lost.update(set(remaining) - _renew_claims(remaining, worker_id))
                    renewed_at = timeutil.now()
                    if row.id in lost:
                        continue
                courier.send(*rendered[row.id])
            except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
                reason = describe_error(error)
                if is_permanent(error) or row.attempts >= max_attempts:
                    log.warning("Outbox %s failed for good after %s attempt(s): %s", row.idempotency_key, row.attempts, reason)
                    outcomes.record(row.id, EmailStatus.FAILED.value, reason)
                else:
                    retry_at = timeutil.now() + backoff(row.attempts, base_backoff)
                    log.info("Outbox %s attempt %s failed (%s); retrying at %s", row.idempotency_key, row.attempts, reason, retry_at)
                    outcomes.record(row.id, EmailStatus.RETRYING.value, reason, retry_at)
            else:
                outcomes.record(row.id, EmailStatus.SENT.value)
    finally:
        try:
            outcomes.flush()
        finally:
            if own_courier:
                courier.close()
    return outcomes.counts


class Courier:
    """One worker's SMTP connection: opened when first needed, kept across messages and batches,
    closed after a connection error (the next message opens a new one) or when idle.

    Each SMTP step waits at most `timeout` seconds, never more than MAIL_TIMEOUT, from which
    the claims' lease is derived."""

    def __init__(self, app, timeout=None):
        self.app = app
        mail_timeout = app.config.get("MAIL_TIMEOUT") or 10
        self.timeout = min(timeout or mail_timeout, mail_timeout)
        self.host = None
        self.reused = False  # whether the open connection has carried a message
        self.used_at = time.monotonic()

    def connect(self):
        """Open the connection unless it is open."""
        if self.host is None:
            self.host = open_connection(self.app, self.timeout).configure_host()
            self.reused = False
            self.used_at = time.monotonic()

    def send(self, envelope_from, envelope_to, message_bytes):
        """Send one message; a refusal (an SMTP reply) leaves the connection open for the next one.

        A connection that carried earlier messages may have been dropped by the server while idle:
        then the message is tried once more on a new connection."""
        for first_try in (True, False):
            self.connect()
            reused = self.reused
            try:
                self.host.sendmail(envelope_from, [envelope_to], message_bytes)
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                self.close()
                if reused and first_try:
                    continue
                raise
            except smtplib.SMTPResponseException as error:
                if error.smtp_code == 421:  # the server is closing the connection
                    self.close()
                raise
            except smtplib.SMTPRecipientsRefused:
                raise  # smtplib has reset the transaction; the connection is fine
            except Exception:
                self.close()  # a timeout or a broken connection: the next message opens a new one
                raise
            finally:
                self.used_at = time.monotonic()
            self.reused = True
            return

    def longest_send(self):
        """Seconds the next message may take at most: its SMTP steps, and opening a connection first
        if none is open."""
        return (SMTP_STEPS + (CONNECT_STEPS if self.host is None else 0)) * self.timeout

    def close_if_idle(self, seconds=IDLE_CLOSE_SECONDS):
        """Close the connection if no message went over it for `seconds`."""
        if self.host is not None and time.monotonic() - self.used_at >= seconds:
            self.close()

    def close(self):
        """Close quietly (the connection may already be broken)."""
        host, self.host = self.host, None
        if host is not None:
            try:
                host.quit()
            except (OSError, smtplib.SMTPException):
                host.close()


def send_now(email_id, timeout=PROMPT_SEND_SECONDS):
    """Deliver one due row right away, claimed like any sender claims (a running sender cannot send it
    too), waiting at most `timeout` (or MAIL_TIMEOUT, if lower) per SMTP step; returns the row."""
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




def drain(worker_id=None, batch=BATCH_SIZE, stop=None, courier=None):
    """Deliver until nothing is due (or `stop` is set) over one SMTP connection; returns summed counts."""
    totals = {"sent": 0, "retrying": 0, "failed": 0, "cancelled": 0}
    own_courier = courier is None
    courier = courier or Courier(current_app._get_current_object())
    try:
        while stop is None or not stop.is_set():
            counts = deliver_due(batch, worker_id, stop, courier=courier)
            for name, value in counts.items():
                totals[name] += value
            if sum(counts.values()) < batch:
                break
    finally:
        if own_courier:
            courier.close()
    return totals


def send_test_message(to_email):
    """Send a test message directly (not through the outbox); raises on failure."""
    server = f"{current_app.config['MAIL_SERVER']}:{current_app.config['MAIL_PORT']}"
    body, html = email_render.render("mail_test", server=server, sent_at=timeutil.isoformat_z(timeutil.now()))
    message = AddressedMessage(
        subject="Interview scheduler: test message", to=mail_address("", to_email), body=body, html=html,
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
        courier = Courier(self.app)
        while not self.stopping.is_set():
            self.wakeup.clear()
            with self.app.app_context():
                try:
                    drain(worker_id, stop=self.stopping, courier=courier)
                except Exception:  # noqa: BLE001 - the thread must survive a bad moment (database down)
                    log.exception("Outbox: delivery round failed; trying again in %s s", POLL_SECONDS)
                    db.session.rollback()
                finally:
                    db.session.remove()
            self.wakeup.wait(POLL_SECONDS)
            courier.close_if_idle()
        courier.close()


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
