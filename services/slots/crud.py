"""Slot records: creating, editing and moving one slot, its state at a moment, and the lists pages pick from.

Booking, cancelling and seat counting live in services/booking.py.
"""

from sqlalchemy import case, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from models import (
    ACTIVE_INTERVIEW_STATUSES,
    Candidate,
    Interview,
    InterviewSlot,
    InterviewStatus,
    Job,
    SlotStatus,
    db,
)
from services import audit, candidates, notifications, timeutil, waitlist
from services.errors import RefusedAction
from services.paging import Keyset
from services.slots.parsing import MAX_CAPACITY, SlotInputError, parse_type
from services.validation import parse_int

LIST_KEYSET = Keyset((InterviewSlot.start_at, InterviewSlot.id))  # the API's slot list: soonest first


class SlotOverlap(RefusedAction):
    """The new slot overlaps slots of the same job; allowed only when the user confirms."""

    code = "overlap"

    def __init__(self, clashes):
        self.clashes = clashes
        super().__init__(
            f"This overlaps {len(clashes)} existing slot{'s' if len(clashes) != 1 else ''} for the same job. "
            "Tick “Create anyway” to keep both."
        )


class SlotMoveRefused(RefusedAction):
    """A slot that can't move now: cancelled, started, an interview in it begun, or busy."""


class MoveNeedsConfirmation(SlotMoveRefused):
    """The slot has booked interviews; they move with it only when the user confirms."""

    def __init__(self, interview_count):
        self.interview_count = interview_count
        if interview_count == 1:
            message = "1 interview is booked into this slot: moving the slot moves it too, and its candidate will be e-mailed the new time. Confirm to move it."
        else:
            message = (
                f"{interview_count} interviews are booked into this slot: moving the slot moves them too, and their "
                f"{interview_count} candidates will be e-mailed the new time. Confirm to move them."
            )
        super().__init__(message)


def overlapping_slots(job_id, start_at, end_at, exclude_id=None):
    """Live slots of the job whose time overlaps [start_at, end_at)."""
    query = select(InterviewSlot).where(
        InterviewSlot.job_id == job_id,
        InterviewSlot.status != SlotStatus.CANCELLED,
        InterviewSlot.start_at < end_at,
        InterviewSlot.end_at > start_at,
    )
    if exclude_id is not None:
        query = query.where(InterviewSlot.id != exclude_id)
    return list(db.session.scalars(query.order_by(InterviewSlot.start_at)))


def create_slot(spec, *, actor=None, allow_overlap=False):
    """Save one slot; an overlap with the job's other slots needs `allow_overlap`."""
    clashes = overlapping_slots(spec.job.id, spec.start_at, spec.end_at)
    if clashes and not allow_overlap:
        raise SlotOverlap(clashes)
    slot = new_slot(spec, actor)
    db.session.flush()
    audit.record("slot.created", slot, actor=actor, start_at=slot.start_at.isoformat(), overlaps=len(clashes))
    waitlist.notify_openings(slot.job_id)
    db.session.commit()
    return slot


def new_slot(spec, actor):
    """An InterviewSlot for a checked spec, added to the session (the caller flushes and commits)."""
    slot = InterviewSlot(
        job=spec.job,
        start_at=spec.start_at,
        end_at=spec.end_at,
        ai_interview_type=spec.ai_interview_type,
        max_candidates=spec.max_candidates,
        current_bookings=0,
        status=SlotStatus.AVAILABLE,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(slot)
    return slot


def update_slot(slot, *, max_candidates, ai_interview_type, move_to=None, confirm=False, allow_overlap=False, actor=None):
    """Change capacity, type and (with `move_to`, a new (start_at, end_at)) the time, in one transaction.

    Capacity never drops below the seats taken. Booked interviews move with the slot only when
    `confirm`ed (see _move_slot); an overlap with the job's other slots needs `allow_overlap`.
    Returns the interviews that moved.
    """
    errors = {}
    capacity = parse_int(max_candidates, "max_candidates", errors, low=1, high=MAX_CAPACITY, label="Capacity", required=True)
    kind = parse_type(ai_interview_type, errors)
    if slot.status == SlotStatus.CANCELLED:
        raise SlotInputError({}, "This slot is cancelled; it can't be edited.")
    if errors:
        raise SlotInputError(errors)
    moving = move_to is not None and tuple(move_to) != (slot.start_at, slot.end_at)
    if moving:
        clashes = overlapping_slots(slot.job_id, *move_to, exclude_id=slot.id)
        if clashes and not allow_overlap:
            raise SlotOverlap(clashes)
    try:
        moved = _move_slot(slot, *move_to, confirm=confirm, actor=actor) if moving else []
        _set_capacity(slot, capacity, kind)
        audit.record("slot.updated", slot, actor=actor, max_candidates=capacity, ai_interview_type=kind)
        waitlist.notify_openings(slot.job_id)  # more seats, or a move into the offer window
        db.session.commit()
    except OperationalError as exc:
        db.session.rollback()
        if "deadlock" not in str(exc).lower():
            raise
        raise SlotMoveRefused("The slot is busy; please try again.") from None
    except BaseException:
        db.session.rollback()
        raise
    db.session.refresh(slot)
    return moved


def _move_slot(slot, start_at, end_at, *, confirm, actor):
    """Move the slot and its active interviews to [start_at, end_at) inside the caller's transaction.

    The slot's row is taken first with a conditional UPDATE (PostgreSQL's row lock, SQLite's
    write lock) that also re-checks it is neither cancelled nor started, so a booking racing the
    move either commits before (and its interview moves and is e-mailed here) or waits and books
    the new time. Each interview keeps its link, its SEQUENCE goes up and the candidate gets a
    reschedule e-mail (reminders for the old time withdrawn, new ones queued).
    """
    now = timeutil.now()
    locked = db.session.execute(
        update(InterviewSlot)
        .where(InterviewSlot.id == slot.id, InterviewSlot.status != SlotStatus.CANCELLED, InterviewSlot.start_at > now)
        .values(current_bookings=InterviewSlot.current_bookings)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(slot)
    if locked.rowcount != 1:
        if slot.status == SlotStatus.CANCELLED:
            raise SlotMoveRefused("This slot is cancelled; it can't be moved.")
        raise SlotMoveRefused("This slot has already started; it can't be moved.")
    interviews = list(
        db.session.scalars(
            select(Interview)
            .where(Interview.slot_id == slot.id, Interview.status.in_(ACTIVE_INTERVIEW_STATUSES))
            .options(selectinload(Interview.session))
            .order_by(Interview.created_at)
        )
    )
    if any(interview.status == InterviewStatus.IN_PROGRESS for interview in interviews):
        raise SlotMoveRefused("An interview in this slot has already begun; the slot can't be moved.")
    if interviews and not confirm:
        raise MoveNeedsConfirmation(len(interviews))
    old_start = slot.start_at
    slot.start_at, slot.end_at = start_at, end_at
    for interview in interviews:
        previous = interview.started_at
        interview.started_at, interview.ended_at = start_at, end_at
        interview.sequence += 1
        if interview.session is not None:
            interview.session.scheduled_at = start_at
            interview.session.duration_minutes = slot.duration_minutes
        db.session.flush()
        notifications.queue_reschedule(interview, previous)
        audit.record("interview.rescheduled", interview, actor=actor, slot=slot.id, reason="slot moved")
    audit.record(
        "slot.moved",
        slot,
        actor=actor,
        old_start_at=old_start.isoformat(),
        start_at=start_at.isoformat(),
        interviews=len(interviews),
    )
    return interviews


def _set_capacity(slot, capacity, kind):
    """Capacity and type in one conditional UPDATE that refuses a capacity below the seats taken."""
    result = db.session.execute(
        update(InterviewSlot)
        .where(InterviewSlot.id == slot.id, InterviewSlot.current_bookings <= capacity)
        .values(
            max_candidates=capacity,
            ai_interview_type=kind,
            status=case(
                (InterviewSlot.status == SlotStatus.CANCELLED, SlotStatus.CANCELLED),
                (InterviewSlot.current_bookings >= capacity, SlotStatus.FULL),
                else_=SlotStatus.AVAILABLE,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(slot)
        raise SlotInputError(
            {"max_candidates": f"{slot.current_bookings} candidates are booked; capacity can't go below {slot.current_bookings}."}
        )


def state_of(slot, now=None):
    """What a person sees of a slot or a calendar row (status, start_at and its counts) at `now`
    (by default the present): cancelled, past, full or available."""
    now = now or timeutil.now()
    if slot.status == SlotStatus.CANCELLED:
        return "cancelled"
    if slot.start_at <= now:
        return "past"
    if slot.current_bookings >= slot.max_candidates:
        return "full"
    return "available"


def open_jobs():
    """Jobs that take slots, for pickers."""
    return list(db.session.scalars(select(Job).where(Job.archived_at.is_(None)).order_by(Job.job_title)))


# Enough to find someone by a few letters of a name or e-mail; the typeahead shows no more.
SUGGESTION_LIMIT = 10


def candidate_suggestions(slot, query_text, limit=SUGGESTION_LIMIT):
    """Up to `limit` candidates of the slot's job, not booked into it, whose name or e-mail holds the typed words.

    Found through the candidate search index (services.candidates), so its cost does not grow with
    the number of candidates; fewer than two letters match nobody (too many to be useful).
    """
    if len((query_text or "").strip()) < 2:
        return []
    taken = select(Interview.candidate_id).where(Interview.slot_id == slot.id, Interview.status.in_(ACTIVE_INTERVIEW_STATUSES))
    query = candidates.search_candidates(query_text, job_id=slot.job_id).where(Candidate.id.not_in(taken))
    return list(db.session.scalars(query.limit(limit)))


def slot_interviews(slot):
    """Every interview ever booked into the slot, oldest first, with sessions loaded."""
    return list(
        db.session.scalars(
            select(Interview)
            .where(Interview.slot_id == slot.id)
            .options(selectinload(Interview.session))
            .order_by(Interview.created_at)
        )
    )


def cancelled_with_slot(interviews):
    """Which of a slot's `interviews` cancelling it would cancel, each candidate being e-mailed."""
    return [interview for interview in interviews if interview.status in ACTIVE_INTERVIEW_STATUSES]


def bookable_slots(job_id, limit=200):
    """Future, uncancelled slots of a job with a free seat, soonest first."""
    return list(
        db.session.scalars(
            select(InterviewSlot)
            .where(
                InterviewSlot.job_id == job_id,
                InterviewSlot.status != SlotStatus.CANCELLED,
                InterviewSlot.current_bookings < InterviewSlot.max_candidates,
                InterviewSlot.start_at > timeutil.now(),
            )
            .order_by(InterviewSlot.start_at)
            .limit(limit)
        )
    )
