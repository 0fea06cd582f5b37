"""Data migrations: what a revision backfills from the rows already there."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from models import InterviewSession, db
from tests.portal_support import book_session
from tests.support import BOTH_DATABASES, empty_database

BEFORE_AUDIO_CONSENT_AT = "c3f5e1b4a023"
BEFORE_LINK_ISSUED_AT = "e2b7c4d9a610"

AUDIT_EVENTS = sa.table(
    "audit_events",
    sa.column("id", sa.Uuid),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("action", sa.String),
    sa.column("subject_type", sa.String),
    sa.column("subject_id", sa.String),
    sa.column("data", sa.JSON),
)


def record_events(conn, backend, action, subject_type, subject_id, *times):
    """Audit events as the app wrote them before a revision: one per time, in the order given."""
    for at in times:
        conn.execute(
            AUDIT_EVENTS.insert().values(
                id=uuid.uuid4(),
                created_at=at.replace(tzinfo=None) if backend == "sqlite" else at,
                action=action,
                subject_type=subject_type,
                subject_id=str(subject_id),
                data={},
            )
        )


@BOTH_DATABASES
def test_audio_consent_is_backfilled_from_the_audit_log(backend, tmp_path, request):
    """A session with a recorded consent gets its first consent's time; one without stays NULL."""
    consented, silent = uuid.uuid4(), uuid.uuid4()
    first, later = datetime(2026, 11, 1, 9, 0, tzinfo=UTC), datetime(2026, 11, 1, 9, 5, tzinfo=UTC)
    with empty_database(backend, tmp_path, request) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
        with app.app_context():
            upgrade(revision=BEFORE_AUDIO_CONSENT_AT)
            sessions = sa.table("interview_sessions", *(sa.column(name, type_) for name, type_ in SESSION_COLUMNS.items()))
            with db.engine.begin() as conn:
                for session_id in (consented, silent):
                    conn.execute(sessions.insert().values(**session_row(session_id)))
                record_events(conn, backend, "session.audio_consent", "InterviewSession", consented, later, first)
            upgrade()
            assert db.session.get(InterviewSession, consented).audio_consent_at == first
            assert db.session.get(InterviewSession, silent).audio_consent_at is None
            db.session.remove()
            db.engine.dispose()


SESSION_COLUMNS = {
    "id": sa.Uuid,
    "session_key": sa.String,
    "candidate_name": sa.String,
    "candidate_email": sa.String,
    "job_title": sa.String,
    "company_name": sa.String,
    "job_description": sa.Text,
    "resume_text": sa.Text,
    "coding_language": sa.String,
    "interview_type": sa.String,
    "duration_minutes": sa.Integer,
    "scheduled_at": sa.DateTime(timezone=True),
    "status": sa.String,
    "language_code": sa.String,
    "keyword_analysis": sa.JSON,
    "current_question_index": sa.Integer,
    "created_at": sa.DateTime(timezone=True),
}


def session_row(session_id):
    """The NOT NULL columns of an interview session as the schema before the revision has them."""
    at = datetime(2026, 11, 1, 8, 0)
    return {
        "id": session_id,
        "session_key": session_id.hex,
        "candidate_name": "Asha",
        "candidate_email": "asha@example.com",
        "job_title": "",
        "company_name": "",
        "job_description": "",
        "resume_text": "",
        "coding_language": "PYTHON",
        "interview_type": "technical",
        "duration_minutes": 30,
        "scheduled_at": at,
        "status": "scheduled",
        "language_code": "en-IN",
        "keyword_analysis": {},
        "current_question_index": 0,
        "created_at": at,
    }


@BOTH_DATABASES
def test_link_issue_is_backfilled_from_the_audit_log(backend, tmp_path, request):
    """A session whose link the API issued gets the first issue's time; one never issued stays NULL."""
    first, later = datetime(2026, 11, 1, 9, 0, tzinfo=UTC), datetime(2026, 11, 1, 9, 5, tzinfo=UTC)
    with empty_database(backend, tmp_path, request) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
        with app.app_context():
            upgrade()
            issued, silent = book_session(name="Asha Rao").id, book_session(name="Ravi Iyer").id
            issued_interview = db.session.get(InterviewSession, issued).interview_id
            db.session.remove()
            downgrade(revision=BEFORE_LINK_ISSUED_AT)
            with db.engine.begin() as conn:
                record_events(conn, backend, "interview.session_issued", "Interview", issued_interview, later, first)
            upgrade()
            assert db.session.get(InterviewSession, issued).link_issued_at == first
            assert db.session.get(InterviewSession, silent).link_issued_at is None
            db.session.remove()
            db.engine.dispose()
