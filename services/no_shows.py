"""Interviews nobody joined: recorded as expired (a no-show) once their join window has closed.

The portal records it when the link is opened late; a link never opened would leave the interview
"scheduled" for ever, on the dashboard and in the API. The background loops (the outbox worker
and the in-process sender) call sweep_if_due, so every interview's status is true within about
SWEEP_SECONDS of its window closing, whether or not anyone looks. Each session is decided by
portal.portal_state under its lock, so a late start, a cancellation or another sweeper at the same
moment never meets a double change.
"""

import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from models import InterviewSession, SessionStatus, db
from services import portal, timeutil

SWEEP_SECONDS = 60
BATCH_SIZE = 200


def expire_missed(now=None, limit=BATCH_SIZE):
    """Record the never-started sessions whose window closed before `now` as expired, oldest
    first, up to `limit`; each in its own short transaction. Returns how many of them are expired
    afterwards (by this sweep or, at the same moment, another)."""
    now = now or timeutil.now()
    closed_before = now - timedelta(minutes=current_app.config["GRACE_MINUTES"])
    sessions = db.session.scalars(
        select(InterviewSession)
        .where(InterviewSession.status == SessionStatus.SCHEDULED, InterviewSession.scheduled_at < closed_before)
        .order_by(InterviewSession.scheduled_at)
        .limit(limit)
    ).all()
    # portal_state locks each, decides again and commits: what it answers is the state after that.
    return sum(portal.portal_state(session, now) == portal.EXPIRED for session in sessions)


class Sweeper:
    """Runs expire_missed at most once every SWEEP_SECONDS for the loop that owns it."""

    def __init__(self, every=SWEEP_SECONDS):
        self.every = every
        self.last = None

    def sweep_if_due(self):
        started = time.monotonic()
        if self.last is not None and started - self.last < self.every:
            return 0
        self.last = started
        return expire_missed()
