"""Sessions for portal, interviewer and review tests, booked the real way (services.booking)."""

import io
import re
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import sqlalchemy
from flask import current_app

from models import InterviewSession, db
from services import booking, timeutil
from tests.booking_support import make_candidate, make_job, make_slot

RESUME = "Backend developer, 4 years of Python, Flask and PostgreSQL; REST APIs; Docker on AWS; pytest."


def book_session(minutes_ahead=2, kind="technical", language="PYTHON", name="Asha Rao", actor=None, job=None):
    """A booked interview starting `minutes_ahead` from the (frozen) clock; returns its session."""
    job = job or make_job("Backend Engineer", language=language)
    job.job_description = "We build REST APIs in Python with PostgreSQL. Docker and testing matter."
    candidate = make_candidate(job, name, resume_text=RESUME)
    slot = make_slot(job, timeutil.now() + timedelta(minutes=minutes_ahead), kind=kind)
    interview = booking.book_interview(candidate, slot, actor=actor)
    return db.session.get(InterviewSession, interview.session.id)


def open_window(session):
    """Move the clock to the scheduled start."""
    timeutil.set_now(session.scheduled_at)


def stage_view(html):
    """The data-view of the portal stage in a page or fragment."""
    return re.search(r'id="portal-stage" data-state="(\w+)" data-view="(\w+)"', html).groups()


def hx(**extra):
    return {"HX-Request": "true", **extra}


REVIEW_CLIENT = "review-tab-000001"


def take_interview(client, session, clock, audio=False):
    """Answer every question through the portal; one answer carries HTML, one a recording."""
    open_window(session)
    client.post(
        "/interview/start",
        data={"session_key": session.session_key, "client_id": REVIEW_CLIENT, "audio_consent": "yes"},
        headers=hx(),
    )
    for question in list(session.questions):
        clock.advance(timedelta(seconds=42))
        data = {
            "session_key": session.session_key,
            "question_id": str(question.id),
            "client_id": REVIEW_CLIENT,
            "text": f"Answer to {question.position}: <script>alert(1)</script>"
            if question.position == 1
            else f"Answer to {question.position}",
        }
        if question.kind == "coding":
            data["code"] = "def f(x):\n    return x < 2 and '<b>'\n"
        if audio and question.position == 0:
            data["audio"] = (io.BytesIO(b"OggS fake voice"), "a.ogg", "audio/ogg")
        client.post("/interview/answer", data=data, headers=hx(), content_type="multipart/form-data")
    db.session.refresh(session)
    return session.interview


class DriverTrace:
    """What reached the database driver while traced: `statements` (SQL text, connection setup
    left out), `round_trips` (PostgreSQL syncs) and `transactions` (BEGIN/COMMIT/ROLLBACK seen)."""

    def __init__(self, backend, sent):
        if backend == "postgresql":  # libpq's protocol trace: every message sent to the server
            statements = re.findall(r'^F\s+\d+\s+(?:Parse\s+"[^"]*"|Query)\s+"([^"]*)"', sent, re.M)
            self.round_trips = len(re.findall(r"^F\s+\d+\s+Sync", sent, re.M))
        else:
            statements = re.findall(r"^SQL (.*)$", sent, re.M)
            self.round_trips = None
        self.statements = [statement for statement in statements if not statement.startswith("PRAGMA")]
        self.transactions = re.findall(r"\b(BEGIN|ROLLBACK|COMMIT)\b", sent)


@contextmanager
def driver_trace(backend, trace_path):
    """Trace every statement the app's pools send, below SQLAlchemy (LoneSelect bypasses Core's
    events); yields a list that holds the DriverTrace once the block ends.

    The test's ORM session is ended first (entities loaded before are detached: fetch them again
    after), so a request in the block loads what it needs as a request in production does.
    """
    engines = {db.engine, current_app.extensions["autocommit_engine"]}  # on PostgreSQL two pools
    traced = []

    def trace_connection(dbapi_connection, _record):
        if backend == "postgresql":
            dbapi_connection.pgconn.trace(trace_file.fileno())
            dbapi_connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        else:
            dbapi_connection.set_trace_callback(lambda statement: trace_file.write(f"SQL {statement}\n"))

    db.session.remove()
    with trace_path.open("w") as trace_file:
        for engine in engines:
            engine.dispose()  # new connections, each traced from its first statement
            sqlalchemy.event.listen(engine, "connect", trace_connection)
        try:
            yield traced
        finally:
            db.session.remove()  # its connection back in the pool, to be closed (and its trace flushed) below
            for engine in engines:
                sqlalchemy.event.remove(engine, "connect", trace_connection)
                engine.dispose()
    traced.append(DriverTrace(backend, trace_path.read_text()))
