"""The outbox as a queue: claiming due rows under a lease, sending a batch, and marking what became of each row."""

import functools
import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select, union_all, update

from models import ACTIVE_INTERVIEW_STATUSES, EmailStatus, Interview, OutboxEmail, db
from services import timeutil
from services.outbox.transport import SMTP_STEPS, Courier, describe_error, is_configured, is_permanent, store_rendered

log = logging.getLogger(__name__)

BASE_BACKOFF_SECONDS = 30
MAX_BACKOFF_SECONDS = 3600
MIN_LEASE_SECONDS = 60
BATCH_SIZE = 50
PROMPT_SEND_SECONDS = 5  # the longest `flask create-link` waits for each SMTP step of its own invitation
# Rows a sender may claim once their next_attempt_at has passed: for `sending`, the lease ran out
# Rows a sender may claim once their next_attempt_at has passed: for `sending`, the lease ran out
# (its worker died). UNCONFIGURED rows count too, because nothing is claimed without SMTP.
CLAIMABLE_STATUSES = (
    EmailStatus.QUEUED,
    EmailStatus.RETRYING,
    EmailStatus.SENDING,
    EmailStatus.UNCONFIGURED,
)


def backoff(attempts, base_seconds=BASE_BACKOFF_SECONDS):
    """Delay before the next try after `attempts` tries: 30 s, 60 s, 120 s, … capped at an hour."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


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
            status=EmailStatus.SENDING,
            claimed_at=now,
            claimed_by=bindparam("worker"),
            next_attempt_at=bindparam("lease_end", type_=outbox_emails.c.next_attempt_at.type),
            attempts=outbox_emails.c.attempts + 1,
        )
        .returning(
            outbox_emails.c.id,
            outbox_emails.c.attempts,
            outbox_emails.c.idempotency_key,
            outbox_emails.c.kind,
            outbox_emails.c.interview_id,
            outbox_emails.c.mime_message,
            outbox_emails.c.envelope_from,
            outbox_emails.c.envelope_to,
        )
    )


def _held_by(worker_id):
    """Rows still claimed by this worker (not taken over by another after a lost lease)."""
    return (OutboxEmail.status == EmailStatus.SENDING, OutboxEmail.claimed_by == worker_id)


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
            status=EmailStatus.QUEUED,
            claimed_at=None,
            claimed_by=None,
            attempts=OutboxEmail.attempts - 1,
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
    active = set(
        db.session.scalars(
            select(Interview.id).where(Interview.id.in_(set(reminders.values())), Interview.status.in_(ACTIVE_INTERVIEW_STATUSES))
        )
    )
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
        if status == EmailStatus.SENT:
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
    held = (outbox_emails.c.status == EmailStatus.SENDING, outbox_emails.c.claimed_by == bindparam("worker"))
    released = {"claimed_at": None, "claimed_by": None}
    mark_sent = (
        update(outbox_emails)
        .where(outbox_emails.c.id.in_(bindparam("ids", expanding=True)), *held)
        .values(
            status=EmailStatus.SENT, sent_at=bindparam("now", type_=outbox_emails.c.sent_at.type), last_error=None, **released
        )
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
            outcomes.record(email.id, EmailStatus.FAILED, describe_error(error))
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
                outcomes.record(row.id, EmailStatus.CANCELLED, "Interview no longer scheduled.")
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
                    outcomes.record(row.id, EmailStatus.FAILED, reason)
                else:
                    retry_at = timeutil.now() + backoff(row.attempts, base_backoff)
                    log.info(
                        "Outbox %s attempt %s failed (%s); retrying at %s", row.idempotency_key, row.attempts, reason, retry_at
                    )
                    outcomes.record(row.id, EmailStatus.RETRYING, reason, retry_at)
            else:
                outcomes.record(row.id, EmailStatus.SENT)
    finally:
        try:
            outcomes.flush()
        finally:
            if own_courier:
                courier.close()
    return outcomes.counts


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
    if email.status == EmailStatus.SENT:
        return f"sent to {email.to_email}"
    if email.status == EmailStatus.RETRYING:
        wait = max(0, round((email.next_attempt_at - timeutil.now()).total_seconds()))
        return f"queued ({reason}; retrying in {wait} s)"
    if email.status == EmailStatus.FAILED:
        return f"not sent ({reason}); copy the link and send it yourself"
    if email.status == EmailStatus.UNCONFIGURED:
        return "queued (no SMTP server configured; it goes out once MAIL_SERVER is set)"
    if email.status == EmailStatus.SENDING:
        return "queued (another sender is delivering it now)"
    if email.status == EmailStatus.CANCELLED:
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
