"""Booking, rescheduling and cancelling interviews: seats are claimed atomically, one transaction each.

A seat is claimed with one conditional UPDATE, so the database decides who gets the last seat
whatever the number of workers; every error rolls the whole transaction back, seat included.
Every change of an existing interview first takes it under lock (services.transactions) with
the state the caller saw; a change that lost a race is refused with what happened instead.
"""

import secrets
from contextlib import contextmanager
from datetime import timedelta
from email.utils import parseaddr

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from models import (
    ACTIVE_INTERVIEW_STATUSES,
    OPEN_INTERVIEW_STATUSES,
    Candidate,
    CandidateStatus,
    Interview,
    InterviewSchedule,
    InterviewSession,
    InterviewSlot,
    InterviewStatus,
    SessionStatus,
    SlotStatus,
    db,
)
from services import accounts, audit, candidates, notifications, timeutil, waitlist
from services.errors import InputError, RefusedAction
from services.jobs import build_job_description
from services.slots.crud import state_of
from services.transactions import one_transaction as _one_transaction
from services.transactions import take_interview
from services.validation import parse_uuid

# Booked interviews keep their seat when they are over (the slot's "3/3 booked" stays true);
# only a cancellation gives it back.
SEAT_HOLDING_STATUSES = (*ACTIVE_INTERVIEW_STATUSES, InterviewStatus.COMPLETED, InterviewStatus.EXPIRED)


class BookingError(RefusedAction):
    """A booking that cannot happen; `status` for HTTP, `message` for people, `code` for programs."""

    message = "This booking is not possible."


class SlotNotFound(BookingError):
    status = 404
    message = "Slot not found."


class SlotFull(BookingError):
    message = "This slot is full."


class SlotCancelled(BookingError):
    message = "This slot is cancelled."


class SlotInPast(BookingError):
    message = "This slot has already started; pick a future slot."


class WrongJob(BookingError):
    status = 400


class AlreadyBooked(BookingError):
    pass


class DoubleBooking(BookingError):
    pass


class InvalidState(BookingError):
    pass


class ChangedMeanwhile(BookingError):
    """Another request changed the interview between the caller's look and its lock."""

    code = "changed_meanwhile"


class AlreadyScheduled(BookingError):
    """The candidate already holds an open interview for the job; `interview_id` names it."""

    code = "already_scheduled"

    def __init__(self, message, interview_id):
        super().__init__(message)
        self.interview_id = interview_id


def _claim_seat(slot, now, allow_past=False):
    """Take one seat in `slot` if it has one, atomically (the CLI may `allow_past`)."""
    conditions = [
        InterviewSlot.id == slot.id,
        InterviewSlot.current_bookings < InterviewSlot.max_candidates,
        InterviewSlot.status != SlotStatus.CANCELLED,
    ]
    if not allow_past:
        conditions.append(InterviewSlot.start_at > now)
    result = db.session.execute(
        update(InterviewSlot)
        .where(*conditions)
        .values(
            current_bookings=InterviewSlot.current_bookings + 1,
            status=case(
                (InterviewSlot.current_bookings + 1 >= InterviewSlot.max_candidates, SlotStatus.FULL),
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
                (InterviewSlot.status == SlotStatus.CANCELLED, SlotStatus.CANCELLED),
                else_=SlotStatus.AVAILABLE,
            ),
        )
        .execution_options(synchronize_session=False)
    )


def _refusal(slot, candidate, now):
    """Why a seat could not be claimed, read after the failed UPDATE."""
    db.session.refresh(slot)
    if _held_by(candidate, slot) is not None:
        return AlreadyBooked(f"{candidate.full_name} is already booked into this slot.")
    state = state_of(slot, now)
    if state == "cancelled":
        return SlotCancelled()
    if state == "past":
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


def _open_interview(candidate_id, job_id, exclude_interview_id=None):
    """The candidate's open (pending or active) interview for the job, if any."""
    query = select(Interview).where(
        Interview.candidate_id == candidate_id, Interview.job_id == job_id, Interview.status.in_(OPEN_INTERVIEW_STATUSES)
    )
    if exclude_interview_id is not None:
        query = query.where(Interview.id != exclude_interview_id)
    return db.session.scalars(query.limit(1)).first()


def already_scheduled(name, existing):
    """The refusal of a second open interview of one candidate for one job, naming the first."""
    if existing.started_at is None:
        message = f"{name} already has an interview for this job, not booked yet; book that one instead."
    else:
        message = f"{name} already has an interview for this job on {timeutil.format_local(existing.started_at)} — reschedule it instead."
    return AlreadyScheduled(message, existing.id)


def refuse_second_interview(candidate, job_id, exclude_interview_id=None):
    """Raise AlreadyScheduled when the candidate already holds an open interview for the job."""
    existing = _open_interview(candidate.id, job_id, exclude_interview_id)
    if existing is not None:
        raise already_scheduled(candidate.full_name, existing)


@contextmanager
def _deadlocks_as_busy():
    """A deadlock PostgreSQL broke (this transaction was its victim) as a refusal to retry."""
    try:
        yield
    except OperationalError as exc:
        if "deadlock" not in str(exc).lower():
            raise
        raise BookingError("The slot is busy; please try again.") from None


@contextmanager
def _races_as_booking_errors(name, candidate_id, job_id):
    """What a concurrent booking looks like from inside the transaction, as a message for people.

    Takes the values a message needs as plain values: after a failed flush the ORM's are unreadable.
    """
    try:
        with _deadlocks_as_busy():
            yield
    except IntegrityError:
        # A partial unique index caught a concurrent second booking of the same candidate.
        db.session.rollback()
        existing = _open_interview(candidate_id, job_id)
        if existing is not None:
            raise already_scheduled(name, existing) from None
        raise AlreadyBooked(f"{name} is already booked into this slot.") from None


WHAT_HAPPENED = {
    InterviewStatus.CANCELLED: "This interview was cancelled meanwhile",
    InterviewStatus.IN_PROGRESS: "The candidate started this interview meanwhile",
    InterviewStatus.COMPLETED: "This interview was completed meanwhile",
    InterviewStatus.EXPIRED: "This interview expired meanwhile (the candidate never joined)",
}


def _take(interview):
    """Lock the interview in the state the caller saw (its status and sequence), or refuse with what happened."""
    seen_status = interview.status
    if take_interview(interview, (seen_status,), sequence=interview.sequence):
        return
    was_pending = seen_status == InterviewStatus.PENDING
    if interview.status == InterviewStatus.SCHEDULED:
        happened = "This interview was booked meanwhile" if was_pending else "This interview was rescheduled meanwhile"
        happened += f" (now {timeutil.format_local(interview.started_at)})"
    else:
        happened = WHAT_HAPPENED.get(interview.status, "This interview was changed meanwhile")
    raise ChangedMeanwhile(f"{happened}; nothing was changed.")


@_one_transaction
def book_interview(candidate, slot, *, actor=None, notes="", interview=None, allow_past=False):
    """Book `candidate` into `slot` in one transaction: seat, interview, session, invitation, audit.

    `interview` books an existing PENDING interview (the API's two-step flow). `allow_past`
    is for the CLI only, which may open an interview that starts now.
    """
    now = timeutil.now()
    if slot is None:
        raise SlotNotFound()
    name, candidate_id, job_id = candidate.full_name, candidate.id, slot.job_id
    if slot.job_id != candidate.job_id:
        raise WrongJob(f"{candidate.full_name} applied for another job; this slot is for {slot.job.job_title}.")
    if interview is not None:
        if interview.candidate_id != candidate.id:
            raise WrongJob("This interview belongs to another candidate.")
        if interview.job_id != slot.job_id:
            raise WrongJob(f"This interview is for another job; the slot is for {slot.job.job_title}.")
        if interview.status != InterviewStatus.PENDING:
            if interview.slot_id == slot.id and interview.is_active:
                raise AlreadyBooked(f"{candidate.full_name} is already booked into this slot.")
            if interview.is_active:
                raise InvalidState("This interview is already booked; reschedule it instead.")
            raise InvalidState(f"This interview is {interview.status}; it can't be booked.")
    else:
        interview = _pending_or_refusal(candidate, slot)
    # A clear answer for the common case (a second click); the locked re-checks below decide races.
    _check_overlap(candidate, slot)
    with _races_as_booking_errors(name, candidate_id, job_id):
        if interview is not None:
            _take(interview)
        if not _claim_seat(slot, now, allow_past):
            raise _refusal(slot, candidate, now)
        _lock_candidate(candidate)
        db.session.refresh(slot)
        refuse_second_interview(candidate, job_id, exclude_interview_id=getattr(interview, "id", None))
        _check_overlap(candidate, slot)
        interview = _write_booking(candidate, slot, actor, notes or "", interview)
        db.session.flush()
    notifications.queue_invitation(interview)
    if actor is not None and getattr(actor, "notify_on_booking", False):
        notifications.queue_recruiter_copy(interview, actor)
    audit.record("interview.booked", interview, actor=actor, slot=slot.id, candidate=candidate.id)
    db.session.commit()
    return interview


@_one_transaction
def booking_choice(slot_id, candidate_id, candidate_text=""):
    """The slot and candidate a booking form names; InputError (422) saying which is missing.

    The candidate comes by id (the typeahead's choice, or the page's own candidate) or, typed
    without JavaScript, by e-mail ("asha@example.com" or "Asha Rao <asha@example.com>"): an
    e-mail is unique within a job, so it names one person whatever the number of candidates.
    """
    slot = db.session.get(InterviewSlot, slot_uuid) if (slot_uuid := parse_uuid(slot_id)) else None
    candidate = db.session.get(Candidate, candidate_uuid) if (candidate_uuid := parse_uuid(candidate_id)) else None
    typed = (candidate_text or "").strip()
    if candidate is None and typed and slot is not None:
        candidate = _candidate_by_email(slot.job_id, typed)
    errors = {}
    if slot is None:
        errors["slot_id"] = "Choose a slot."
    if candidate is None:
        errors["candidate"] = (
            f"No candidate for this job has the e-mail “{typed[:80]}”. Type part of a name and choose from the list, or type the whole e-mail."
            if typed
            else "Choose a candidate."
        )
    if errors:
        raise InputError(errors, status=422)
    return slot, candidate


def _candidate_by_email(job_id, typed):
    try:
        email = accounts.normalise_email(parseaddr(typed)[1] or typed)
    except accounts.AccountError:
        return None
    return db.session.scalar(select(Candidate).where(Candidate.job_id == job_id, Candidate.email == email))


def create_pending_interview(candidate, job, *, actor=None):
    """A PENDING interview for `candidate` of `job` (seed 002's two-step flow), unless one is open."""
    name, candidate_id = candidate.full_name, candidate.id
    refuse_second_interview(candidate, job.id)
    interview = Interview(candidate=candidate, job=job, status=InterviewStatus.PENDING, created_by_id=getattr(actor, "id", None))
    db.session.add(interview)
    with _races_as_booking_errors(name, candidate_id, job.id):
        db.session.flush()
    audit.record("interview.created", interview, actor=actor)
    db.session.commit()
    return interview


def _pending_or_refusal(candidate, slot):
    """The candidate's pending interview for the job, which a new booking fills instead of adding a
    second; None when there is none; AlreadyBooked/AlreadyScheduled when one is already booked."""
    existing = _open_interview(candidate.id, slot.job_id)
    if existing is None or existing.status == InterviewStatus.PENDING:
        return existing
    if existing.slot_id == slot.id:
        raise AlreadyBooked(f"{candidate.full_name} is already booked into this slot.")
    raise already_scheduled(candidate.full_name, existing)


def _write_booking(candidate, slot, actor, notes, interview):
    job = slot.job
    if interview is None:
        interview = Interview(candidate=candidate, job=job, created_by_id=getattr(actor, "id", None))
        db.session.add(interview)
    interview.slot_id = slot.id
    interview.status = InterviewStatus.SCHEDULED
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
            status=SessionStatus.SCHEDULED,
            language_code="en-IN",
            keyword_analysis={"CODING_LANG": job.coding_language},
        )
    )
    candidate.status = CandidateStatus.SCHEDULED
    return interview


@_one_transaction
def reschedule_interview(interview, new_slot, *, actor=None):
    """Move a scheduled interview to `new_slot`: claim the new seat, then free the old, one transaction."""
    now = timeutil.now()
    candidate = interview.candidate
    if new_slot is None:
        raise SlotNotFound()
    if interview.status != InterviewStatus.SCHEDULED:
        raise InvalidState(f"Only scheduled interviews can be rescheduled; this one is {interview.status.replace('_', ' ')}.")
    if new_slot.id == interview.slot_id:
        raise AlreadyBooked(f"{candidate.full_name} is already booked into this slot.")
    if new_slot.job_id != interview.job_id:
        raise WrongJob(f"That slot is for another job ({new_slot.job.job_title}).")
    _check_overlap(candidate, new_slot, exclude_interview_id=interview.id)
    with _races_as_booking_errors(candidate.full_name, candidate.id, interview.job_id):
        _take(interview)
        old_slot_id, old_start = interview.slot_id, interview.started_at
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
            interview.session.status = SessionStatus.SCHEDULED
        db.session.flush()
    notifications.queue_reschedule(interview, old_start)
    audit.record("interview.rescheduled", interview, actor=actor, old_slot=old_slot_id, slot=new_slot.id)
    waitlist.notify_openings(interview.job_id)  # the old seat is free
    db.session.commit()
    for slot_id in (old_slot_id, new_slot.id):
        slot = db.session.get(InterviewSlot, slot_id) if slot_id else None
        if slot is not None:
            db.session.refresh(slot)
    return interview


def _cancel(interview, actor, reason, cancelled_at):
    """Cancel one interview the caller took under lock (frees its seat if it held one)."""
    held_seat = interview.is_active and interview.slot_id is not None
    interview.status = InterviewStatus.CANCELLED
    interview.cancelled_at = cancelled_at
    interview.sequence += 1
    if interview.session is not None:
        interview.session.status = SessionStatus.CANCELLED
    if held_seat:
        _free_seat(interview.slot_id)
        notifications.queue_cancellation(interview)
    candidates.restore_status(interview.candidate)
    audit.record("interview.cancelled", interview, actor=actor, reason=reason or None)


@_one_transaction
def cancel_interview(interview, *, actor=None, reason=""):
    """Cancel a scheduled or pending interview, free its seat and tell the candidate."""
    if interview.status not in (InterviewStatus.SCHEDULED, InterviewStatus.PENDING):
        raise InvalidState(f"This interview is {interview.status.replace('_', ' ')}; it can't be cancelled.")
    _take(interview)
    _cancel(interview, actor, reason, timeutil.now())
    waitlist.notify_openings(interview.job_id)
    db.session.commit()
    if interview.slot_id is not None:
        db.session.refresh(db.session.get(InterviewSlot, interview.slot_id))
    return interview


@_one_transaction
def cancel_slot(slot, *, actor=None, reason=""):
    """Cancel a slot and every active interview in it (each candidate is told)."""
    if slot.status == SlotStatus.CANCELLED:
        raise InvalidState("This slot is already cancelled.")
    now = timeutil.now()
    booked = select(Interview.id).where(Interview.slot_id == slot.id, Interview.status.in_(ACTIVE_INTERVIEW_STATUSES))
    with _deadlocks_as_busy():
        # PostgreSQL: lock its interviews before the slot, the order every interview change keeps.
        db.session.execute(booked.with_for_update())
        # Mark it cancelled first so no new booking can claim a seat while we cancel the others.
        marked = db.session.execute(
            update(InterviewSlot)
            .where(InterviewSlot.id == slot.id, InterviewSlot.status != SlotStatus.CANCELLED)
            .values(status=SlotStatus.CANCELLED, cancelled_at=now)
            .execution_options(synchronize_session=False)
        )
        if marked.rowcount != 1:
            raise ChangedMeanwhile("This slot was cancelled meanwhile; nothing was changed.")
        interviews = []
        for interview in db.session.scalars(select(Interview).where(Interview.id.in_(booked))).all():
            # Each is re-checked under its lock: one moved out or finished meanwhile is left alone.
            if take_interview(interview, ACTIVE_INTERVIEW_STATUSES, slot_id=slot.id):
                _cancel(interview, actor, reason or "slot cancelled", now)
                interviews.append(interview)
    audit.record("slot.cancelled", slot, actor=actor, interviews=len(interviews))
    db.session.commit()
    db.session.refresh(slot)
    return interviews


def _supersede_earlier_link(candidate, slot, actor):
    """A new quick link for the same person replaces their earlier one (cancelled, they are told),
    as one candidate holds one open interview per job; the same time twice stays a refusal."""
    earlier = _open_interview(candidate.id, slot.job_id)
    replaceable = (InterviewStatus.PENDING, InterviewStatus.SCHEDULED)
    if earlier is None or earlier.status not in replaceable:
        return
    _check_overlap(candidate, slot)
    _take(earlier)
    _cancel(earlier, actor, "replaced by a new link from flask create-link", timeutil.now())


@_one_transaction
def book_ad_hoc(candidate, start_at, *, actor=None, notes="", allow_past=False, supersede=False):
    """Book `candidate` at `start_at` into a new 1-seat slot of their job, as long as the job's interviews.

    The CLI's and the API's one-call booking; the slot is kept only if the booking succeeds. The
    CLI may `supersede` the candidate's earlier link; the API refuses a second open interview.
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
    if supersede:
        _supersede_earlier_link(candidate, slot, actor)
    return book_interview(candidate, slot, actor=actor, notes=notes, allow_past=allow_past)
