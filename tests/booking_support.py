"""Rows for booking tests, made directly with the models (no dependence on the jobs/candidates pages)."""

from datetime import timedelta

from sqlalchemy import and_, func, select

from models import Candidate, Interview, InterviewSlot, Job, Resume, db
from services import booking


def make_job(title="Backend Engineer", language="PYTHON", duration=30):
    job = Job(
        job_title=title, company_name="Acme", job_description="Build APIs.", coding_language=language, duration_minutes=duration
    )
    db.session.add(job)
    db.session.commit()
    return job


def make_candidate(job, name="Asha Rao", email=None, resume_text=None):
    resume = None
    if resume_text is not None:
        resume = Resume(
            original_filename="cv.txt",
            stored_name=f"{name.replace(' ', '-')}.txt",
            content_type="text/plain",
            size_bytes=len(resume_text),
            sha256="0" * 64,
            parsed_text=resume_text,
        )
    candidate = Candidate(full_name=name, email=email or f"{name.split()[0].lower()}@example.com", job=job, resume=resume)
    db.session.add(candidate)
    db.session.commit()
    return candidate


def make_slot(job, start_at, minutes=30, capacity=1, kind="technical"):
    slot = InterviewSlot(
        job=job, start_at=start_at, end_at=start_at + timedelta(minutes=minutes), max_candidates=capacity, ai_interview_type=kind
    )
    db.session.add(slot)
    db.session.commit()
    return slot


def seat_discrepancies():
    """Slots whose seat count disagrees with the interviews holding a seat (should always be empty)."""
    active = (
        select(Interview.slot_id, func.count(Interview.id).label("n"))
        .where(Interview.status.in_(booking.SEAT_HOLDING_STATUSES), Interview.slot_id.is_not(None))
        .group_by(Interview.slot_id)
        .subquery()
    )
    rows = db.session.execute(
        select(InterviewSlot.id, InterviewSlot.current_bookings, func.coalesce(active.c.n, 0))
        .outerjoin(active, and_(active.c.slot_id == InterviewSlot.id))
        .where(InterviewSlot.current_bookings != func.coalesce(active.c.n, 0))
    ).all()
    return [(slot_id, seats, count) for slot_id, seats, count in rows]
