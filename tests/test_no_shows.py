"""The no-show sweep: missed interviews are recorded as expired without anyone opening their link."""

import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

from models import AuditEvent, InterviewSession, InterviewStatus, SessionStatus, db
from services import booking, no_shows, timeutil
from services.outbox import in_process
from tests.portal_support import book_session
from tests.support import BOTH_DATABASES


def expired_events():
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "interview.expired"))


@BOTH_DATABASES
def test_a_sweep_expires_only_interviews_whose_window_closed_unstarted(app, clock, backend):
    missed = book_session(minutes_ahead=5, name="Asha Rao")
    later = book_session(minutes_ahead=30, name="Ravi Kumar", job=missed.interview.job)
    cancelled = book_session(minutes_ahead=5, name="Meera Iyer", job=missed.interview.job)
    booking.cancel_interview(cancelled.interview)
    clock.set(missed.scheduled_at + timedelta(minutes=app.config["GRACE_MINUTES"], seconds=1))

    assert no_shows.expire_missed() == 1
    db.session.expire_all()
    assert (missed.status, missed.interview.status) == (SessionStatus.EXPIRED, InterviewStatus.EXPIRED)
    assert missed.interview.candidate.status == "new"  # a no-show holds no booking: they can be booked again
    assert later.status == SessionStatus.SCHEDULED and later.interview.status == InterviewStatus.SCHEDULED
    assert cancelled.status == SessionStatus.CANCELLED
    assert expired_events() == 1
    assert no_shows.expire_missed() == 0 and expired_events() == 1  # nothing left to change


def test_the_window_edge_is_not_yet_a_no_show(app, clock):
    session = book_session(minutes_ahead=5)
    clock.set(session.scheduled_at + timedelta(minutes=app.config["GRACE_MINUTES"]))  # the last moment to join
    assert no_shows.expire_missed() == 0
    db.session.expire_all()
    assert session.status == SessionStatus.SCHEDULED


def test_a_sweep_takes_the_oldest_first_up_to_its_limit(app, clock):
    first = book_session(minutes_ahead=5, name="Asha Rao")
    second = book_session(minutes_ahead=6, name="Ravi Kumar", job=first.interview.job)
    clock.advance(timedelta(hours=1))
    assert no_shows.expire_missed(limit=1) == 1
    db.session.expire_all()
    assert (first.status, second.status) == (SessionStatus.EXPIRED, SessionStatus.SCHEDULED)


@BOTH_DATABASES
def test_two_sweepers_at_once_expire_each_interview_once(app, clock, backend):
    sessions = [book_session(minutes_ahead=5 + n, name=f"Candidate {n}") for n in range(4)]
    clock.advance(timedelta(hours=1))
    now, start = timeutil.now(), threading.Barrier(2, timeout=5)
    failures = []

    def sweep():
        with app.app_context():
            try:
                start.wait()
                no_shows.expire_missed(now)
            except Exception as exc:  # the outcome under test: any failure is recorded, not raised in a thread
                failures.append(repr(exc))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert failures == []
    db.session.expire_all()
    assert {session.status for session in sessions} == {SessionStatus.EXPIRED}
    assert expired_events() == len(sessions)


def test_the_sweeper_runs_at_most_once_a_period(app, clock, monkeypatch):
    ticks = iter([1000.0, 1030.0, 1061.0])
    monkeypatch.setattr(no_shows.time, "monotonic", lambda: next(ticks))
    calls = []
    monkeypatch.setattr(no_shows, "expire_missed", lambda: calls.append(1) or 0)
    sweeper = no_shows.Sweeper(every=60)
    for _ in range(3):
        sweeper.sweep_if_due()
    assert len(calls) == 2  # at 1000 and 1061; 1030 was too soon


def test_the_web_process_background_loop_records_no_shows(in_process_app, clock):
    app = in_process_app
    with app.app_context():
        session = book_session(minutes_ahead=5)
        session_id = session.id
    clock.advance(timedelta(hours=1))
    in_process.start_sender(app)  # what a server process does at start
    deadline = time.monotonic() + 10
    with app.app_context():
        while db.session.get(InterviewSession, session_id).status != SessionStatus.EXPIRED:
            assert time.monotonic() < deadline, "the in-process loop did not record the no-show"
            db.session.rollback()
            time.sleep(0.05)
