"""The candidate portal's window: which page a session key opens, decided by the server's clock.

For `scheduled_at = T`: before T − EARLY_JOIN_SECONDS a countdown; until T + GRACE_MINUTES the
interview; later, if it never started, expired. A started interview continues past the window.
"""

import re
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update

from database import LoneSelect
from models import InterviewSession, InterviewStatus, SessionStatus, db
from services import audit, candidates, timeutil
from services.transactions import lock_session, one_transaction

COUNTDOWN, INTERVIEW, EXPIRED, COMPLETED, CANCELLED = "countdown", "interview", "expired", "completed", "cancelled"
PORTAL_STATES = (COUNTDOWN, INTERVIEW, EXPIRED, COMPLETED, CANCELLED)

# Keys come from secrets.token_urlsafe(32) (43 characters); allow a little either side.
SESSION_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,64}")


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """A read-only copy of what the portal's pages show and decide by: the countdown, expired,
    completed and cancelled pages are rendered from it, without an ORM entity or a transaction."""

    session_key: str
    status: str
    scheduled_at: datetime
    candidate_name: str
    job_title: str
    company_name: str
    coding_language: str
    interview_type: str
    duration_minutes: int


# Built once: every portal request (page views, countdown resyncs, heartbeats) runs one of them.
SESSION_BY_KEY = select(InterviewSession).where(InterviewSession.session_key == bindparam("key"))
SUMMARY_BY_KEY = LoneSelect(
    select(*(InterviewSession.__table__.c[field.name] for field in fields(SessionSummary))).where(
        InterviewSession.session_key == bindparam("key")
    )
)

_FINAL_STATES = {
    SessionStatus.COMPLETED: COMPLETED,
    SessionStatus.CANCELLED: CANCELLED,
    SessionStatus.EXPIRED: EXPIRED,
}


def find_session(session_key):
    """The session for a key, or None for an unknown or malformed key (callers answer 404 alike)."""
    if not well_formed(session_key):
        return None
    return db.session.scalars(SESSION_BY_KEY, {"key": session_key}).first()


def session_for_view(session_key, now):
    """What a portal page view needs for a key: None for an unknown key; a SessionSummary when
    showing the page changes nothing; else the session.

    Countdown views and their resyncs, the most frequent portal requests, thus cost one SELECT of
    a few columns and no ORM entity. An expiry to record, or an interview under way (its time
    limits are enforced as it is shown), loads the session in a transaction.
    """
    if not well_formed(session_key):
        return None
    summary = SUMMARY_BY_KEY.first(read_engine(), {"key": session_key})
    if summary is None:
        return None
    summary = SessionSummary(*summary)
    return find_session(session_key) if _changes_on_view(summary, now) else summary


def well_formed(session_key):
    """True for a string shaped like a session key (anything else is not looked up)."""
    return bool(session_key) and SESSION_KEY_PATTERN.fullmatch(session_key) is not None


def _changes_on_view(session, now):
    return session.status == SessionStatus.IN_PROGRESS or (
        session.status == SessionStatus.SCHEDULED and state_at(session, now) == EXPIRED
    )


def read_engine():
    """The engine for a lone SELECT: on PostgreSQL its connections stay in autocommit (app.py)."""
    return current_app.extensions["autocommit_engine"]


def window(session):
    """(opens_at, closes_at) of the session's join window."""
    config = current_app.config
    opens = session.scheduled_at - timedelta(seconds=config["EARLY_JOIN_SECONDS"])
    closes = session.scheduled_at + timedelta(minutes=config["GRACE_MINUTES"])
    return opens, closes


def seconds_until(opens_at, now):
    """Whole seconds from `now` until the window opens at `opens_at` (0 once it is open)."""
    return max(int((opens_at - now).total_seconds() + 0.999), 0)


def portal_state(session, now):
    """The page to show at `now`; a never-started session past its window is recorded as expired
    (and committed). `session` is an entity, or a summary from session_for_view, which is only
    returned when nothing is to be recorded.
    """
    state = state_at(session, now)
    if state == EXPIRED and session.status == SessionStatus.SCHEDULED:
        lock_session(session)
        # Decided again under the lock: a start or a cancellation may have come first.
        state = state_at(session, now)
        if state == EXPIRED and session.status == SessionStatus.SCHEDULED:
            mark_expired(session)
        db.session.commit()
    return state


def state_at(session, now):
    """The page for `session` (or its summary) at `now`, changing nothing."""
    if session.status in _FINAL_STATES:
        return _FINAL_STATES[session.status]
    if session.status == SessionStatus.IN_PROGRESS:
        return INTERVIEW
    opens, closes = window(session)
    if now < opens:
        return COUNTDOWN
    if now <= closes:
        return INTERVIEW
    return EXPIRED


def mark_expired(session):
    """The candidate never started: session and interview expired (a no-show for the recruiter)."""
    session.status = SessionStatus.EXPIRED
    interview = session.interview
    if interview is not None and interview.status in (InterviewStatus.SCHEDULED, InterviewStatus.PENDING):
        interview.status = InterviewStatus.EXPIRED
        candidates.restore_status(interview.candidate)
        audit.record("interview.expired", interview)


@one_transaction
def issue_link(interview, actor=None):
    """Hand out the booked interview's session link; True the first time (commits).

    One conditional UPDATE decides, so of two requests issuing it at once exactly one is first.
    """
    session = interview.session
    first = (
        db.session.execute(
            update(InterviewSession)
            .where(InterviewSession.id == session.id, InterviewSession.link_issued_at.is_(None))
            .values(link_issued_at=timeutil.now())
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if first:
        audit.record("interview.session_issued", interview, actor=actor, session=session.id)
    db.session.commit()
    return first
