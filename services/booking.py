"""Booking, rescheduling and cancelling interviews: seats are claimed atomically, one transaction each.

A seat is claimed with one conditional UPDATE, so the database decides who gets the last seat
whatever the number of workers; every error rolls the whole transaction back, seat included.
"""
import secrets
from contextlib import contextmanager
from datetime import timedelta
from functools import wraps

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from models import (
    ACTIVE_INTERVIEW_STATUSES,
    Candidate,
    CandidateStatus,
    EmailStatus,
    Interview,
    InterviewSchedule,
    InterviewSession,
    InterviewSlot,
    InterviewStatus,
    Job,
    OutboxEmail,
    SessionStatus,
    SlotStatus,
    db,
)
from services import audit, notifications, outbox, timeutil
from services.errors import RefusedAction
from services.interviewer import LANGUAGE_NAMES
from services.jobs import build_job_description


class BookingError(RefusedAction):
    """A booking that cannot happen; `status_code` for HTTP, `message` for people."""

    message = "This booking is not possible."


class SlotNotFound(BookingError):
    status_code = 404
    message = "Slot not found."


class SlotFull(BookingError):
    message = "This slot is full."


class SlotCancelled(BookingError):
    message = "This slot is cancelled."


class SlotInPast(BookingError):
    message = "This slot has already started; pick a future slot."


class WrongJob(BookingError):
    status_code = 400


class AlreadyBooked(BookingError):
    pass


class DoubleBooking(BookingError):
    pass


class InvalidState(BookingError):
    pass


def _claim_seat(slot, now, allow_past=False):
    """Take one seat in `slot` if it has one, atomically (the CLI may `allow_past`)."""
    conditions = [
        InterviewSlot.id == slot.id,
        InterviewSlot.current_bookings < InterviewSlot.max_candidates,
        InterviewSlot.status != SlotStatus.CANCELLED.value,
    ]
    if not allow_past:
        conditions.append(InterviewSlot.start_at > now)
    result = db.session.execute(
        update(InterviewSlot)
        .where(*conditions)
        .values(
            current_bookings=InterviewSlot.current_bookings + 1,
            status=case(
                (InterviewSlot.current_bookings + 1 >= InterviewSlot.max_candidates, SlotStatus.FULL.value),
                else_=InterviewSlot.status,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _free_seat(slot_id):
    """Give one seat back; a cancelled slot stays cancelled."""
    db.session.execute(
        update(InterviewSlot)
        .where(InterviewSlot.id == slot_id, InterviewSlot.current_bookings > 0)
        .values(
            current_bookings=InterviewSlot.current_bookings - 1,
            status=case(
                (InterviewSlot.status == SlotStatus.CANCELLED.value, SlotStatus.CANCELLED.value),
                else_=SlotStatus.AVAILABLE.value,
            ),
        )
        .execution_options(synchronize_session=False)
    )


def _refusal(slot, candidate, now):
    """Why a seat could not be claimed, read after the failed UPDATE."""
    db.session.refresh(slot)
    if _held_by(candidate, slot) is not None:
        return AlreadyBooked(f"{candidate.full_name} is already booked into this slot.")
    if slot.status == SlotStatus.CANCELLED.value:
        return SlotCancelled()
    if slot.start_at <= now:
        return SlotInPast()
    return SlotFull()


def _held_by(candidate, slot):
    return db.session.scalar(
        select(Interview.id).where(
            Interview.candidate_id == candidate.id,
            Interview.slot_id == slot.id,
            Interview.status.in_(ACTIVE_INTERVIEW_STATUSES),
        )
    )


def _lock_candidate(candidate):
    """Serialise bookings of one candidate (PostgreSQL row lock; SQLite already has one writer)."""
    db.session.execute(select(Candidate.id).where(Candidate.id == candidate.id).with_for_update())


def _check_overlap(candidate, slot, exclude_interview_id=None):
    """Refuse a second active interview of the candidate at an overlapping time."""
    query = select(Interview).where(
        Interview.candidate_id == candidate.id,
        Interview.status.in_(ACTIVE_INTERVIEW_STATUSES),
        Interview.started_at < slot.end_at,
        Interview.ended_at > slot.start_at,
    )
    if exclude_interview_id is not None:
        query = query.where(Interview.id != exclude_interview_id)
    clash = db.session.scalars(query.limit(1)).first()
    if clash is None:
        return
    if clash.slot_id == slot.id:
        raise AlreadyBooked(f"{candidate.full_name} is already booked into this slot.")
    raise DoubleBooking(f"{candidate.full_name} already has an interview at an overlapping time.")


@contextmanager
def _races_as_booking_errors(candidate):
    """What a concurrent booking looks like from inside the transaction, as a message for people."""
    try:
        yield
    except IntegrityError:
        # The partial unique index caught a concurrent second booking of the same candidate and slot.
        raise AlreadyBooked(f"{candidate.full_name} is already booked into this slot.") from None
    except OperationalError as exc:
        if "deadlock" not in str(exc).lower():
            raise
        raise BookingError("The slot is busy; please try again.") from None


def _one_transaction(service):
    """Roll everything back (seats included) when a booking service fails for any reason."""

    @wraps(service)
    def run(*args, **kwargs):
        try:
            return service(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise

    return run


@_one_transaction
def book_interview(candidate, slot, *, actor=None, notes="", interview=None, allow_past=False):
    """Book `candidate` into `slot` in one transaction: seat, interview, session, invitation, audit.

    `interview` books an existing PENDING interview (the API's two-step flow). `allow_past`
    is for the CLI only, which may open an interview that starts now.
    """
    now = timeutil.now()
    if slot is None:
        raise SlotNotFound()
    if slot.job_id != candidate.job_id:
        raise WrongJob(f"{candidate.full_name} applied for another job; this slot is for {slot.job.job_title}.")
    if interview is not None:
        if interview.candidate_id != candidate.id:
            raise WrongJob("This interview belongs to another candidate.")
        if interview.job_id != slot.job_id:
            raise WrongJob(f"This interview is for another job; the slot is for {slot.job.job_title}.")
        if interview.status != InterviewStatus.PENDING.value:
            if interview.slot_id == slot.id and interview.is_active:
                raise AlreadyBooked(f"{candidate.full_name} is already booked into this slot.")
            if interview.is_active:
                raise InvalidState("This interview is already booked; reschedule it instead.")
            raise InvalidState(f"This interview is {interview.status}; it can't be booked.")
    # A clear answer for the common case (a second click); the locked re-check below decides races.
    _check_overlap(candidate, slot)
    with _races_as_booking_errors(candidate):
        if not _claim_seat(slot, now, allow_past):
            raise _refusal(slot, candidate, now)
        _lock_candidate(candidate)
        db.session.refresh(slot)
        _check_overlap(candidate, slot)
        interview = _write_booking(candidate, slot, actor, notes or "", interview)
        db.session.flush()
    notifications.queue_invitation(interview)
    if actor is not None and getattr(actor, "notify_on_booking", False):
        notifications.queue_recruiter_copy(interview, actor)
    audit.record("interview.booked", interview, actor=actor, slot=slot.id, candidate=candidate.id)
    db.session.commit()
    return interview


def _write_booking(candidate, slot, actor, notes, interview):
    job = slot.job
    if interview is None:
        interview = Interview(candidate=candidate, job=job, created_by_id=getattr(actor, "id", None))
        db.session.add(interview)
    interview.slot_id = slot.id
    interview.status = InterviewStatus.SCHEDULED.value
    interview.started_at, interview.ended_at = slot.start_at, slot.end_at
    interview.session_key = secrets.token_urlsafe(32)
    interview.cancelled_at = None
    db.session.add(
        InterviewSchedule(interview=interview, slot_id=slot.id, booking_notes=notes, booked_by_id=getattr(actor, "id", None))
    )
    resume = candidate.resume
    db.session.add(
        InterviewSession(
            interview=interview,
            session_key=interview.session_key,
            candidate_name=candidate.full_name,
            candidate_email=candidate.email,
            candidate_timezone=candidate.timezone,
            job_title=job.job_title,
            company_name=job.company_name,
            job_description=build_job_description(job),
            resume_text=(resume.parsed_text or "") if resume is not None else "",
            coding_language=job.coding_language,
            interview_type=slot.ai_interview_type,
            duration_minutes=slot.duration_minutes,
            scheduled_at=slot.start_at,
            status=SessionStatus.SCHEDULED.value,
            language_code="en-IN",
            keyword_analysis={"CODING_LANG": job.coding_language},
        )
    )
    candidate.status = CandidateStatus.SCHEDULED.value
    return interview


@_one_transaction
def reschedule_interview(interview, new_slot, *, actor=None):
    """Move a scheduled interview to `new_slot`: claim the new seat, then free the old, one transaction."""
    now = timeutil.now()
    candidate = interview.candidate
    if new_slot is None:
        raise SlotNotFound()
    if interview.status != InterviewStatus.SCHEDULED.value:
        raise InvalidState(f"Only scheduled interviews can be rescheduled; this one is {interview.status.replace('_', ' ')}.")
    if new_slot.id == interview.slot_id:
        raise AlreadyBooked(f"{candidate.full_name} is already booked into this slot.")
    if new_slot.job_id != interview.job_id:
        raise WrongJob(f"That slot is for another job ({new_slot.job.job_title}).")
    _check_overlap(candidate, new_slot, exclude_interview_id=interview.id)
    old_slot_id, old_start = interview.slot_id, interview.started_at
    with _races_as_booking_errors(candidate):
        if not _claim_seat(new_slot, now):
            raise _refusal(new_slot, candidate, now)
        _lock_candidate(candidate)
        db.session.refresh(new_slot)
        _check_overlap(candidate, new_slot, exclude_interview_id=interview.id)
        if old_slot_id is not None:
            _free_seat(old_slot_id)
        interview.slot_id = new_slot.id
        interview.started_at, interview.ended_at = new_slot.start_at, new_slot.end_at
        interview.sequence += 1
        if interview.schedule is not None:
            interview.schedule.slot_id = new_slot.id
        if interview.session is not None:
            interview.session.scheduled_at = new_slot.start_at
            interview.session.interview_type = new_slot.ai_interview_type
            interview.session.duration_minutes = new_slot.duration_minutes
            interview.session.status = SessionStatus.SCHEDULED.value
        db.session.flush()
    notifications.queue_reschedule(interview, old_start)
    audit.record("interview.rescheduled", interview, actor=actor, old_slot=old_slot_id, slot=new_slot.id)
    db.session.commit()
    for slot_id in (old_slot_id, new_slot.id):
        slot = db.session.get(InterviewSlot, slot_id) if slot_id else None
        if slot is not None:
            db.session.refresh(slot)
    return interview


def _cancel(interview, actor, reason, cancelled_at):
    """Cancel one interview inside the caller's transaction (frees its seat if it held one)."""
    held_seat = interview.is_active and interview.slot_id is not None
    interview.status = InterviewStatus.CANCELLED.value
    interview.cancelled_at = cancelled_at
    interview.sequence += 1
    if interview.session is not None:
        interview.session.status = SessionStatus.CANCELLED.value
    if held_seat:
        _free_seat(interview.slot_id)
        notifications.queue_cancellation(interview)
    audit.record("interview.cancelled", interview, actor=actor, reason=reason or None)


@_one_transaction
def cancel_interview(interview, *, actor=None, reason=""):
    """Cancel a scheduled or pending interview, free its seat and tell the candidate."""
    if interview.status not in (InterviewStatus.SCHEDULED.value, InterviewStatus.PENDING.value):
        raise InvalidState(f"This interview is {interview.status.replace('_', ' ')}; it can't be cancelled.")
    _cancel(interview, actor, reason, timeutil.now())
    db.session.commit()
    if interview.slot_id is not None:
        db.session.refresh(db.session.get(InterviewSlot, interview.slot_id))
    return interview


@_one_transaction
def cancel_slot(slot, *, actor=None, reason=""):
    """Cancel a slot and every active interview in it (each candidate is told)."""
    if slot.status == SlotStatus.CANCELLED.value:
        raise InvalidState("This slot is already cancelled.")
    now = timeutil.now()
    # Mark it cancelled first so no new booking can claim a seat while we cancel the others.
    db.session.execute(
        update(InterviewSlot)
        .where(InterviewSlot.id == slot.id)
        .values(status=SlotStatus.CANCELLED.value, cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    interviews = db.session.scalars(
        select(Interview).where(Interview.slot_id == slot.id, Interview.status.in_(ACTIVE_INTERVIEW_STATUSES))
    ).all()
    for interview in interviews:
        _cancel(interview, actor, reason or "slot cancelled", now)
    audit.record("slot.cancelled", slot, actor=actor, interviews=len(interviews))
    db.session.commit()
    db.session.refresh(slot)
    return interviews


def invitation_email(interview):
    """The latest invitation (or reschedule notice) for the interview, for showing its state."""
    return db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.interview_id == interview.id, OutboxEmail.kind.in_(("invitation", "reschedule")))
        .order_by(OutboxEmail.created_at.desc())
        .limit(1)
    ).first()


def invitation_emails(interview_ids):
    """interview id → its latest invitation/reschedule e-mail, for many interviews in one query."""
    if not interview_ids:
        return {}
    latest = {}
    for email in db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.interview_id.in_(list(interview_ids)), OutboxEmail.kind.in_(("invitation", "reschedule")))
        .order_by(OutboxEmail.created_at)
    ):
        latest[email.interview_id] = email
    return latest


EMAIL_STATE_TEXT = {
    EmailStatus.QUEUED.value: "Invitation queued; it goes out in a moment.",
    EmailStatus.SENDING.value: "Invitation being sent.",
    EmailStatus.SENT.value: "Invitation sent.",
    EmailStatus.RETRYING.value: "Invitation delivery is retrying.",
    EmailStatus.FAILED.value: "Invitation failed to send; copy the link and send it yourself.",
    EmailStatus.UNCONFIGURED.value: "SMTP not configured; the invitation waits in the outbox.",
    EmailStatus.CANCELLED.value: "Invitation withdrawn.",
}


def email_state_text(email):
    """A sentence about an invitation's delivery state."""
    if email is None:
        return "No invitation e-mail."
    return EMAIL_STATE_TEXT.get(email.status, email.status)


# Waiting for a configured SMTP server: not delivered yet, but it will be without anyone acting.
QUEUED_FOR_SMTP = (EmailStatus.QUEUED.value, EmailStatus.SENDING.value, EmailStatus.RETRYING.value)


def email_was_sent(email):
    """The API's `email_sent`: delivered, or queued for a configured SMTP server (not unconfigured or failed)."""
    if email is None:
        return False
    return email.status == EmailStatus.SENT.value or (email.status in QUEUED_FOR_SMTP and outbox.is_configured())


def seat_discrepancies():
    """Slots whose seat count disagrees with their active interviews (should always be empty)."""
    active = (
        select(Interview.slot_id, func.count(Interview.id).label("n"))
        .where(Interview.status.in_(ACTIVE_INTERVIEW_STATUSES), Interview.slot_id.is_not(None))
        .group_by(Interview.slot_id)
        .subquery()
    )
    rows = db.session.execute(
        select(InterviewSlot.id, InterviewSlot.current_bookings, func.coalesce(active.c.n, 0))
        .outerjoin(active, and_(active.c.slot_id == InterviewSlot.id))
        .where(InterviewSlot.current_bookings != func.coalesce(active.c.n, 0))
    ).all()
    return [(slot_id, seats, count) for slot_id, seats, count in rows]


@_one_transaction
def quick_interview(language, name, email, start_at, *, actor=None):
    """The CLI's one-shot booking: a quick job for `language`, the candidate, a 1-seat slot at `start_at`.

    It goes through book_interview (allowing a start in the past), so the CLI can never drift
    from the web flow; on refusal nothing it created is kept.
    """
    # The seed's script made short AI/ML interviews: one such job per coding language.
    title, company = "AI/ML Engineer", "Quick Interviews"
    job = db.session.scalar(
        select(Job)
        .where(Job.job_title == title, Job.company_name == company, Job.coding_language == language, Job.archived_at.is_(None))
        .limit(1)
    )
    if job is None:
        job = Job(
            job_title=title,
            company_name=company,
            job_description=(
                f"A short AI/ML interview in {LANGUAGE_NAMES[language]}: machine learning fundamentals, data handling, "
                "model evaluation, APIs and testing. Created from the command line."
            ),
            coding_language=language,
        )
        db.session.add(job)
        db.session.flush()
    candidate = db.session.scalar(select(Candidate).where(Candidate.job_id == job.id, Candidate.email == email))
    if candidate is None:
        candidate = Candidate(job=job, email=email, full_name=name)
        db.session.add(candidate)
    candidate.full_name = name
    return book_ad_hoc(candidate, start_at, actor=actor, notes="Created with flask create-link", allow_past=True)


@_one_transaction
def book_ad_hoc(candidate, start_at, *, actor=None, notes="", allow_past=False):
    """Book `candidate` at `start_at` into a new 1-seat slot of their job, as long as the job's interviews.

    The CLI's and the API's one-call booking; the slot is kept only if the booking succeeds.
    """
    job = candidate.job
    slot = InterviewSlot(
        job=job,
        start_at=start_at,
        end_at=start_at + timedelta(minutes=job.duration_minutes or 30),
        max_candidates=1,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(slot)
    db.session.flush()
    return book_interview(candidate, slot, actor=actor, notes=notes, allow_past=allow_past)
