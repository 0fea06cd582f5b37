"""What the JSON API asks of slots and interviews beyond one call into services/slots/ or
services/booking.py: the slot list's filters, a slot made or changed from a request's fields,
an interview created pending or booked at once."""

from sqlalchemy import select

from models import InterviewSlot, InterviewStatus
from services import booking, timeutil
from services.errors import InputError
from services.slots import crud as slot_crud
from services.slots import parsing as slot_parsing

TIME_FIELDS = ("interview_date", "start_time", "end_time")


def slot_list(*, job=None, status=None, day_from=None, day_to=None, tz):
    """A select of slots, soonest first: the job's, in `status`, from `day_from` and before `day_to`
    (YYYY-MM-DD in `tz`); from today when neither day is given."""
    query = select(InterviewSlot).order_by(InterviewSlot.start_at)
    if job is not None:
        query = query.where(InterviewSlot.job_id == job.id)
    if status:
        query = query.where(InterviewSlot.status == status)
    errors = {}
    if day_from and (day := slot_parsing.parse_date(day_from, "from", errors)) is not None:
        query = query.where(InterviewSlot.start_at >= timeutil.start_of_day(day, tz))
    if day_to and (day := slot_parsing.parse_date(day_to, "to", errors)) is not None:
        query = query.where(InterviewSlot.start_at < timeutil.start_of_day(day, tz))
    if errors:
        raise InputError(errors, message="Invalid filter.")
    if not day_from and not day_to:
        query = query.where(InterviewSlot.start_at >= timeutil.start_of_day(timeutil.to_zone(timeutil.now(), tz).date(), tz))
    return query


def create_slot(fields, *, actor):
    """A slot from a SlotInput's values; returns it and the zone its times were typed in."""
    spec = slot_parsing.slot_spec(
        **{name: fields[name] for name in (*TIME_FIELDS, "job_id", "max_candidates", "ai_interview_type", "timezone")}
    )
    slot = slot_crud.create_slot(spec, actor=actor, allow_overlap=bool(fields["allow_overlap"]))
    return slot, slot_parsing.parse_zone(fields["timezone"], {})


def change_slot(slot, changes, *, actor):
    """PUT/PATCH of a slot: only the fields in `changes` change; a date or time sent moves it.

    Returns the interviews that moved with it and the zone to answer in.
    """
    errors = {}
    zone = slot_parsing.parse_zone(changes.get("timezone"), errors)
    if errors:
        raise InputError(errors, message=errors["timezone"])
    move_to = None
    if any(name in changes for name in TIME_FIELDS):
        move_to = slot_parsing.move_times(slot, **{name: changes.get(name) for name in (*TIME_FIELDS, "timezone")})
    moved = slot_crud.update_slot(
        slot,
        max_candidates=changes.get("max_candidates", slot.max_candidates),
        ai_interview_type=changes.get("ai_interview_type", slot.ai_interview_type),
        move_to=move_to,
        actor=actor,
        confirm=changes.get("confirm", False),
        allow_overlap=changes.get("allow_overlap", False),
    )
    return moved, zone


def refuse_two_times(slot_id, scheduled_at):
    """An interview is booked into a slot or at a time, not both."""
    if slot_id and scheduled_at:
        both = "Send slot_id or scheduled_at, not both."
        raise InputError({"slot_id": both, "scheduled_at": both}, message=both)


def create_interview(candidate, job, *, slot=None, scheduled_at=None, notes="", actor=None):
    """An interview of `candidate` for `job`: booked into `slot`, or at `scheduled_at` (typed) into a
    new 1-seat slot, or else pending (seed 002: book it next). Returns (interview, whether booked)."""
    if candidate.job_id != job.id:
        raise InputError({"job_id": "Not the candidate's job."}, message="The candidate applied for another job.")
    if slot is not None:
        return booking.book_interview(candidate, slot, actor=actor, notes=notes), True
    if scheduled_at:
        errors = {}
        start_at = slot_parsing.parse_start(scheduled_at, "scheduled_at", errors)
        if errors:
            raise InputError(errors, message="scheduled_at is not a usable time.")
        return booking.book_ad_hoc(candidate, start_at, actor=actor, notes=notes), True
    return booking.create_pending_interview(candidate, job, actor=actor), False


def check_session_issuable(interview):
    """A booked, live interview's session may be issued; a cancelled or unbooked one's may not."""
    if interview.status == InterviewStatus.CANCELLED:
        raise booking.InvalidState("This interview is cancelled; book a new one.")
    if interview.session is None:
        raise InputError(
            {"interview_id": "Book this interview into a slot first."},
            message="The interview has no time yet; book it into a slot first.",
        )
