"""What recruiters judge an interview from: the transcript, and their decision."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import CandidateStatus, Decision, InterviewAnswer, InterviewQuestion, InterviewSession, db
from services import audit, timeutil
from services.errors import ServiceError

NOTES_MAX_CHARS = 10_000

# What a decision makes of the candidate's status.
CANDIDATE_STATUS_FOR = {
    Decision.PENDING: CandidateStatus.INTERVIEWED,
    Decision.ADVANCE: CandidateStatus.INTERVIEWED,
    Decision.REJECT: CandidateStatus.REJECTED,
    Decision.HIRE: CandidateStatus.HIRED,
}


class ReviewError(ServiceError):
    """A decision that cannot be recorded; the message says why."""


def transcript(interview):
    """The interview's questions in order, each with its answer loaded (one query each, no lazy loads)."""
    if interview.session is None:
        return []
    return db.session.scalars(
        select(InterviewQuestion)
        .where(InterviewQuestion.session_id == interview.session.id)
        .options(selectinload(InterviewQuestion.answer))
        .order_by(InterviewQuestion.position)
    ).all()


def answer_of(interview, answer_id):
    """An answer of this interview's session, or None."""
    return db.session.scalars(
        select(InterviewAnswer)
        .join(InterviewSession, InterviewSession.id == InterviewAnswer.session_id)
        .where(InterviewAnswer.id == answer_id, InterviewSession.interview_id == interview.id)
    ).first()


def record_decision(interview, decision, notes, actor):
    """Store the recruiter's decision and notes and move the candidate's status with it; commits."""
    if decision not in list(Decision):
        raise ReviewError("Choose a decision from the list.")
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX_CHARS:
        raise ReviewError(f"Notes are limited to {NOTES_MAX_CHARS:,} characters.")
    interview.decision = decision
    interview.review_notes = notes
    interview.reviewed_at = timeutil.now()
    interview.reviewed_by_id = actor.id
    interview.candidate.status = CANDIDATE_STATUS_FOR[decision]
    audit.record("interview.reviewed", interview, actor=actor, decision=decision)
    db.session.commit()
    return interview
