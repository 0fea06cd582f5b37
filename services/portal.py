"""The candidate portal's window: which page a session key opens, decided by the server's clock.

For `scheduled_at = T`: before T − EARLY_JOIN_SECONDS a countdown; until T + GRACE_MINUTES the
interview; later, if it never started, expired. A started interview continues past the window.
"""
import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select

from models import InterviewSession, InterviewStatus, SessionStatus, db
from services import audit

COUNTDOWN, INTERVIEW, EXPIRED, COMPLETED, CANCELLED = "countdown", "interview", "expired", "completed", "cancelled"
PORTAL_STATES = (COUNTDOWN, INTERVIEW, EXPIRED, COMPLETED, CANCELLED)

# Keys come from secrets.token_urlsafe(32) (43 characters); allow a little either side.
SESSION_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,64}")

# Built once: every portal request (page views, countdown resyncs, heartbeats) runs it.
SESSION_BY_KEY = select(InterviewSession).where(InterviewSession.session_key == bindparam("key"))

_FINAL_STATES = {
    SessionStatus.COMPLETED.value: COMPLETED,
    SessionStatus.CANCELLED.value: CANCELLED,
    SessionStatus.EXPIRED.value: EXPIRED,
}


def find_session(session_key):
    """The session for a key, or None for an unknown or malformed key (callers answer 404 alike)."""
    if not session_key or not SESSION_KEY_PATTERN.fullmatch(session_key):
        return None
    return db.session.scalars(SESSION_BY_KEY, {"key": session_key}).first()


def window(session):
    """(opens_at, closes_at) of the session's join window."""
    config = current_app.config
    opens = session.scheduled_at - timedelta(seconds=config["EARLY_JOIN_SECONDS"])
    closes = session.scheduled_at + timedelta(minutes=config["GRACE_MINUTES"])
    return opens, closes


def seconds_until_open(session, now):
    """Whole seconds until the window opens (0 once it is open)."""
    opens, _ = window(session)
    return max(int((opens - now).total_seconds() + 0.999), 0)


def portal_state(session, now):
    """The page to show at `now`; marks a never-started session past its window as expired.

    The caller commits (the expiry is written in its transaction).
    """
    if session.status in _FINAL_STATES:
        return _FINAL_STATES[session.status]
    if session.status == SessionStatus.IN_PROGRESS.value:
        return INTERVIEW
    opens, closes = window(session)
    if now < opens:
        return COUNTDOWN
    if now <= closes:
        return INTERVIEW
    mark_expired(session)
    return EXPIRED


def mark_expired(session):
    """The candidate never started: session and interview expired (a no-show for the recruiter)."""
    session.status = SessionStatus.EXPIRED.value
    interview = session.interview
    if interview is not None and interview.status in (InterviewStatus.SCHEDULED.value, InterviewStatus.PENDING.value):
        interview.status = InterviewStatus.EXPIRED.value
        audit.record("interview.expired", interview)
