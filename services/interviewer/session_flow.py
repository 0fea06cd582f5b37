"""Taking the interview: start (plan built once), one answer at a time, time limits, finish.

Every function that changes state commits, so each answer is durable before the next question
appears; the server's clock (timeutil.now) enforces each question's time limit across reloads.
"""

import re
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import bindparam, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import joinedload, undefer_group

from database import LoneSelect
from models import (
    CandidateStatus,
    InterviewAnswer,
    InterviewQuestion,
    InterviewSession,
    InterviewStatus,
    SessionStatus,
    db,
)
from services import audit, notifications, portal, storage
from services.interviewer import audio as recordings
from services.interviewer.errors import (
    AlreadyFinished,
    AnswerTooLarge,
    BadAnswer,
    NotCurrent,
    NotOpen,
    StorageUnavailable,
    TakenOver,
    TimeUp,
)
from services.interviewer.keywords import keyword_coverage
from services.interviewer.llm import llm_configured, plan_questions
from services.transactions import lock_session, one_transaction

ANSWER_MAX_CHARS = 10_000
CODE_MAX_CHARS = 50_000
# Seconds after a question's limit in which an answer still counts (the browser submits at zero).
SUBMIT_GRACE_SECONDS = 10
CLIENT_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Prism.js grammar names, for highlighting code in the editor and in the review.
PRISM_LANGUAGES = {
    "PYTHON": "python",
    "JAVASCRIPT": "javascript",
    "JAVA": "java",
    "PHP": "php",
    "RUBY": "ruby",
    "CSHARP": "csharp",
    "SQL": "sql",
}

NOT_OPEN_MESSAGES = {
    portal.COUNTDOWN: "The interview has not opened yet. Please wait for the countdown.",
    portal.EXPIRED: "The time to join this interview has passed.",
    portal.CANCELLED: "This interview was cancelled.",
}


def valid_client_id(raw):
    """A tab's id as sent by the browser, or None when missing or malformed."""
    return raw if isinstance(raw, str) and CLIENT_ID_PATTERN.fullmatch(raw) else None


def current_question(session):
    """The question the candidate should answer now, or None once all are answered."""
    index = session.current_question_index
    return session.questions[index] if 0 <= index < len(session.questions) else None


def seconds_left(session, question, now):
    """Seconds remaining on the current question by the server's clock (never negative)."""
    return _seconds_left(session.question_started_at, question.time_limit_seconds, now)


def _seconds_left(started_at, time_limit_seconds, now):
    if started_at is None:
        return time_limit_seconds
    deadline = started_at + timedelta(seconds=time_limit_seconds)
    return max(int((deadline - now).total_seconds()), 0)


# What a heartbeat decides by, in one row: the session's state, the tab holding it, and its
# current question with that question's clock.
HEARTBEAT_BY_KEY = LoneSelect(
    select(
        InterviewSession.status,
        InterviewSession.active_client_id,
        InterviewSession.question_started_at,
        InterviewQuestion.id,
        InterviewQuestion.time_limit_seconds,
    )
    .outerjoin(
        InterviewQuestion,
        (InterviewQuestion.session_id == InterviewSession.id)
        & (InterviewQuestion.position == InterviewSession.current_question_index),
    )
    .where(InterviewSession.session_key == bindparam("key"))
)


def heartbeat_changes_nothing(session_key, shown_question_id, client_id, now):
    """True when a question page's heartbeat has nothing to change: its tab still holds the
    interview, on the question it shows, with time left. One SELECT, no ORM entity, no transaction.

    False means "look closer" (unknown key, takeover, time up, a newer question, the end): the
    caller then takes the full path, which decides and records under lock.
    """
    if not portal.well_formed(session_key):
        return False
    row = HEARTBEAT_BY_KEY.first(portal.read_engine(), {"key": session_key})
    if row is None:
        return False
    status, active_client_id, started_at, question_id, time_limit_seconds = row
    return (
        status == SessionStatus.IN_PROGRESS
        and question_id is not None
        and str(question_id) == shown_question_id
        and (not active_client_id or client_id == active_client_id)
        and _seconds_left(started_at, time_limit_seconds, now + timedelta(seconds=-SUBMIT_GRACE_SECONDS)) > 0
    )


def question_view(session, now):
    """The current question as the API and the portal page present it."""
    question = current_question(session)
    if question is None:
        return None
    return {
        "question_id": str(question.id),
        "question": question.text,
        "index": question.position,
        "number": question.position + 1,
        "total": len(session.questions),
        "time_limit": question.time_limit_seconds,
        "seconds_left": seconds_left(session, question, now),
        "type": question.kind,
        "starter_code": question.starter_code,
        "coding_language": session.coding_language,
    }


def _snapshot(session):
    """The session's column values, detached from the database: what a question plan reads."""
    return SimpleNamespace(**{attr.key: getattr(session, attr.key) for attr in sa_inspect(session).mapper.column_attrs})


@one_transaction
def start_interview(session, now, client_id=None, audio_consent=False):
    """Open the interview (plan built once) and hand it to `client_id`'s tab; idempotent.

    `audio_consent` records the candidate's consent to voice recordings (asked before starting).
    """
    _refuse_unless_open(session, now)
    planned = None
    to_plan = session.status == SessionStatus.SCHEDULED
    if to_plan and llm_configured():
        # Plan before taking the lock: the LLM may take seconds, and no transaction (or pooled
        # connection) should wait on it. A racing tab may plan too; only one plan is stored.
        # The bank's plan takes a millisecond: it is made under the lock.
        snapshot = _snapshot(session)
        db.session.rollback()
        planned = plan_questions(snapshot)
    lock_session(session)
    # What is decided and changed below, re-read in one SELECT (the planning texts only if needed).
    _reload_with_questions(
        session, joinedload(InterviewSession.interview), *([undefer_group("planning")] if to_plan and not planned else [])
    )
    # Decided again under the lock: a cancellation, reschedule or expiry may have come first.
    _refuse_unless_open(session, now)
    if session.status == SessionStatus.SCHEDULED:
        analysis, plan = planned or plan_questions(session)
        session.keyword_analysis = analysis
        for position, item in enumerate(plan):
            session.questions.append(InterviewQuestion(position=position, answer=None, **item))  # known unanswered: no lazy load
        session.status = SessionStatus.IN_PROGRESS
        session.started_at = session.question_started_at = now
        session.current_question_index = 0
        if session.interview is not None:
            session.interview.status = InterviewStatus.IN_PROGRESS
            audit.record("interview.started", session.interview)
    if client_id:
        session.active_client_id = client_id  # the later tab takes over
    if audio_consent and session.audio_consent_at is None:
        session.audio_consent_at = now
        audit.record("session.audio_consent", session)  # history; the column decides
    _commit_keeping_loaded()
    close_timed_out_question(session, now)
    return session


def _commit_keeping_loaded():
    """Commit without expiring what is loaded: the page shown next shows what this commit wrote,
    and re-reading the session, its questions and answers for it would be a SELECT for nothing."""
    orm_session = db.session()
    expire_on_commit, orm_session.expire_on_commit = orm_session.expire_on_commit, False
    try:
        orm_session.commit()
    finally:
        orm_session.expire_on_commit = expire_on_commit


def _reload_with_questions(session, *options):
    """Re-read the session with its questions and their answers (and `options`' loads) in one
    SELECT; returns its questions."""
    session_id = sa_inspect(session).identity[0]  # not session.id: that would load the expired row by itself first
    db.session.execute(
        select(InterviewSession)
        .where(InterviewSession.id == session_id)
        .options(joinedload(InterviewSession.questions).joinedload(InterviewQuestion.answer), *options)
        .execution_options(populate_existing=True)
    ).unique().one()
    return session.questions


def _refuse_unless_open(session, now):
    """Raise unless the session is inside its window or already in progress (the portal's state)."""
    state = portal.portal_state(session, now)
    if state == portal.INTERVIEW:
        return
    if state == portal.COMPLETED:
        raise AlreadyFinished()
    error = NotOpen(NOT_OPEN_MESSAGES[state])
    error.status = 403 if state == portal.COUNTDOWN else 410
    raise error


def audio_consented(session):
    """True once the candidate agreed to voice answers being recorded."""
    return session.audio_consent_at is not None


def check_client(session, client_id):
    """Refuse a tab that is no longer the one holding the interview."""
    if session.active_client_id and client_id != session.active_client_id:
        raise TakenOver()


def _move_on(session, now):
    session.current_question_index += 1
    session.question_started_at = now
    if current_question(session) is None:
        finish_interview(session, now)


def _question_closes(session, now):
    """True when the interview must move on by itself: all answered, or the current question's time is up."""
    if session.status != SessionStatus.IN_PROGRESS:
        return False
    question = current_question(session)
    return question is None or (
        question.answer is None and seconds_left(session, question, now + timedelta(seconds=-SUBMIT_GRACE_SECONDS)) <= 0
    )


def close_timed_out_question(session, now):
    """Record the current question as timed out once its limit (plus grace) has passed; commits."""
    if not _question_closes(session, now):
        return False
    lock_session(session)
    if not _question_closes(session, now):  # an answer, or another request's close, came first
        db.session.commit()
        return False
    question = current_question(session)
    if question is None:
        finish_interview(session, now)
        db.session.commit()
        return True
    db.session.add(
        InterviewAnswer(
            question=question,
            session_id=session.id,
            submitted_at=now,
            seconds_taken=question.time_limit_seconds,
            timed_out=True,
            keyword_coverage=keyword_coverage(question.expected_points, ""),
        )
    )
    _move_on(session, now)
    db.session.commit()
    return True


def _check_sizes(text, code, audio):
    if len(text) > ANSWER_MAX_CHARS:
        raise AnswerTooLarge(f"The answer is too long ({len(text):,} characters); the limit is {ANSWER_MAX_CHARS:,}.")
    if len(code) > CODE_MAX_CHARS:
        raise AnswerTooLarge(f"The code is too long ({len(code):,} characters); the limit is {CODE_MAX_CHARS:,}.")
    return None if audio is None else recordings.recording_of(audio)


@one_transaction
def submit_answer(session, *, question_id, text="", code="", audio=None, client_id=None, now):
    """Store the answer to the current question and move on; a repeat of a stored answer is a no-op.

    Returns True when this call stored the answer, False for an idempotent repeat.
    """
    if session.status != SessionStatus.COMPLETED:  # a completed one still takes repeats of its last answer
        _refuse_unless_open(session, now)
        if session.status != SessionStatus.IN_PROGRESS:
            raise NotOpen("The interview has not started.")
    text, code = (text or "").replace("\r\n", "\n"), (code or "").replace("\r\n", "\n")
    lock_session(session)
    question = next((q for q in _reload_with_questions(session) if q.id == question_id), None)
    if question is None:
        raise BadAnswer("That question is not part of this interview.")
    if question.answer is not None:
        if not question.answer.timed_out and question.answer.text == text.strip() and question.answer.code == code:
            db.session.commit()  # nothing to store; ends the transaction and its lock
            return False
        raise (TimeUp() if question.answer.timed_out else NotCurrent("That question was already answered."))
    if session.status != SessionStatus.IN_PROGRESS:  # completed (or expired) while waiting for the lock
        raise AlreadyFinished() if session.status == SessionStatus.COMPLETED else NotOpen("The interview has ended.")
    check_client(session, client_id)
    if question.position != session.current_question_index:
        raise NotCurrent()
    if close_timed_out_question(session, now):
        raise TimeUp()
    if audio is not None and not audio_consented(session):
        raise BadAnswer("Voice answers need your consent to recording, given before the interview starts.")
    recording = _check_sizes(text, code, audio)
    answer = InterviewAnswer(
        question=question,
        session_id=session.id,
        text=text.strip(),
        code=code,
        submitted_at=now,
        seconds_taken=question.time_limit_seconds - seconds_left(session, question, now),
        keyword_coverage=keyword_coverage(question.expected_points, f"{text}\n{code}"),
    )
    saved_audio = None
    if recording is not None:  # the file first, complete or not at all; the commit after it
        data, content_type = recording
        try:
            saved_audio = recordings.write_recording(data, content_type)
        except storage.StorageError as exc:
            db.session.rollback()
            raise StorageUnavailable(exc) from None
        answer.audio_stored_name, answer.audio_content_type = saved_audio.name, content_type
    db.session.add(answer)
    _move_on(session, now)
    try:
        _commit_keeping_loaded()
    except Exception:
        db.session.rollback()
        if saved_audio is not None:
            storage.remove_file(saved_audio)
        raise
    return True


def finish_interview(session, now):
    """Session and interview completed, candidate interviewed, recruiter told (caller commits)."""
    session.status = SessionStatus.COMPLETED
    session.ended_at = now
    session.question_started_at = None
    interview = session.interview
    if interview is None:
        return
    interview.status = InterviewStatus.COMPLETED
    if interview.candidate.status == CandidateStatus.SCHEDULED:
        interview.candidate.status = CandidateStatus.INTERVIEWED
    notifications.queue_completion_notice(interview)
    audit.record("interview.completed", interview)
