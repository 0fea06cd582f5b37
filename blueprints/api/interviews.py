"""JSON API for slots and interviews (seeds 001/002): create and list slots, book, session links.

Refused bookings and slot changes answer as the seeds' API did (the handlers below); other
refusals are ServiceErrors, answered by blueprints/errors.py.
"""

from flask import g, jsonify

from blueprints.api import bp
from blueprints.api.operations import operation
from blueprints.api.pagination import paginated
from blueprints.api.responses import get_or_404
from models import Candidate, InterviewSlot, Job
from models import Interview as InterviewRow
from services import booking, interview_requests, portal, schemas
from services.schemas.interviews import (
    BookedInterview,
    Interview,
    InterviewBooking,
    InterviewCancel,
    InterviewCreate,
    InterviewSessionLink,
    Reschedule,
    SessionRequest,
    SlotBooking,
)
from services.schemas.meta import page_of
from services.schemas.slots import Slot, SlotCancel, SlotCancelled, SlotInput, SlotListQuery, SlotUpdate, SlotZoneQuery
from services.slots import crud as slot_crud
from services.slots import parsing as slot_parsing

TAG_SLOTS, TAG_INTERVIEWS = "Slots", "Interviews"
SLOT, INTERVIEW = {"slot_id": (InterviewSlot, "Slot")}, {"interview_id": (InterviewRow, "Interview")}
BOOKED = {201: (Interview, "Booked; the invitation is queued")}


@bp.errorhandler(booking.BookingError)
@bp.errorhandler(slot_crud.SlotMoveRefused)
def refused_booking(error):
    """A refused booking change: `error`, `code`, and for a second interview the first one's id."""
    body = {"error": error.message}
    if error.code:
        body["code"] = error.code
    if isinstance(error, booking.AlreadyScheduled):
        body["interview_id"] = str(error.interview_id)
    return jsonify(body), error.status


@bp.errorhandler(slot_crud.MoveNeedsConfirmation)
def move_needs_confirmation(error):
    return jsonify(error=error.message, interviews_to_move=error.interview_count), 409


@bp.errorhandler(slot_crud.SlotOverlap)
def overlap_conflict(error):
    """409 naming the job's slots a new or moved slot would overlap."""
    message = (
        f"This overlaps {len(error.clashes)} existing slot(s) for the same job; send allow_overlap: true to go ahead anyway."
    )
    return jsonify(error=message, overlaps=[Slot.of(clash).as_json() for clash in error.clashes]), 409


@bp.errorhandler(slot_parsing.SlotInputError)
def slot_refused(error):
    """Bad slot input is a 400 naming the fields; a slot that can't be edited at all, a 409."""
    if error.fields:
        return jsonify(error=error.message, fields=error.fields), 400
    return jsonify(error=error.message), 409


@operation(
    "GET",
    "/interviews/slots/",
    summary="Slots, soonest first, paginated; without `from` and `to`, from today on",
    tag=TAG_SLOTS,
    query=SlotListQuery,
    response=page_of(Slot),
    errors=(400, 404),
)
def list_slots(query):
    """Slots, soonest first, paginated; filter with job_id, status, from and to (YYYY-MM-DD in the zone; from today by default)."""
    tz, job = query.zone(), get_or_404(Job, query.job_id, "Job") if query.job_id else None
    rows = interview_requests.slot_list(job=job, status=query.status, day_from=query.from_, day_to=query.to, tz=tz)
    return paginated(
        rows, Slot, serialize=lambda slot: Slot.of(slot, tz), count_column=InterviewSlot.id, keyset=slot_crud.LIST_KEYSET
    )


@operation(
    "POST",
    "/interviews/slots/",
    summary="Create a slot (times in IST unless `timezone`)",
    tag=TAG_SLOTS,
    body=SlotInput,
    response=Slot,
    status=201,
    errors=(400, 409),
)
def create_slot(body):
    """A slot from `job_id, interview_date, start_time, end_time` (IST unless `timezone`), capacity, type."""
    return Slot.of(*interview_requests.create_slot(schemas.changes(body, partial=False), actor=g.api_user))


@operation(
    "GET",
    "/interviews/slots/<slot_id>/",
    summary="One slot",
    tag=TAG_SLOTS,
    rows=SLOT,
    query=SlotZoneQuery,
    response=Slot,
    errors=(404,),
)
def get_slot(slot, query):
    """One slot."""
    return Slot.of(slot, query.zone())


@operation(
    ("PUT", "PATCH"),
    "/interviews/slots/<slot_id>/",
    tag=TAG_SLOTS,
    rows=SLOT,
    body=SlotUpdate,
    response=Slot,
    errors=(400, 404, 409),
    summary="Change capacity (never below the bookings), type or time (a booked slot moves with confirm: true)",
)
def update_slot(slot, body):
    """Capacity, type and time; only what is sent changes, and a booked slot moves only with `confirm`."""
    moved, zone = interview_requests.change_slot(slot, schemas.changes(body, partial=True), actor=g.api_user)
    ignored = {"ignored_fields": names} if (names := body.ignored()) else {}
    return Slot.of(slot, zone, moved_interviews=[str(interview.id) for interview in moved], **ignored)


@operation(
    "POST",
    "/interviews/slots/<slot_id>/cancel/",
    summary="Cancel the slot and every booking in it (candidates are told)",
    tag=TAG_SLOTS,
    rows=SLOT,
    body=SlotCancel,
    body_optional=True,
    response=SlotCancelled,
    errors=(404, 409),
)
def cancel_slot(slot, body):
    """Cancel the slot and every booking in it."""
    cancelled = booking.cancel_slot(slot, actor=g.api_user, reason=str(body.reason or ""))
    return SlotCancelled(slot=Slot.of(slot), cancelled_interviews=[str(interview.id) for interview in cancelled])


@operation(
    "POST",
    "/interviews/",
    tag=TAG_INTERVIEWS,
    body=InterviewCreate,
    invalid="candidate_id and job_id are required",
    errors=(400, 404, 409),
    summary="An interview for a candidate of a job: pending (book it next), or booked at once with slot_id or scheduled_at",
    responses={201: ((BookedInterview, Interview), "Created; booked ones carry their session and link")},
)
def create_interview(body):
    """An interview for `candidate_id, job_id`: PENDING (book it next, seed 002's flow), or booked at once.

    With `slot_id` it is booked into that slot; with `scheduled_at` into a new 1-seat slot at that
    time (as `flask create-link` does). Either way the answer also carries the session and link.
    """
    interview_requests.refuse_two_times(body.slot_id, body.scheduled_at)
    candidate, job = get_or_404(Candidate, body.candidate_id, "Candidate"), get_or_404(Job, body.job_id, "Job")
    slot = get_or_404(InterviewSlot, body.slot_id, "Slot") if body.slot_id else None
    interview, booked = interview_requests.create_interview(
        candidate,
        job,
        slot=slot,
        scheduled_at=body.scheduled_at,
        notes=str(body.booking_notes or ""),
        actor=g.api_user,
    )
    if not booked:
        return Interview.of(interview), 201
    portal.issue_link(interview, actor=g.api_user)
    return BookedInterview.of(interview), 201


@operation(
    "GET",
    "/interviews/<interview_id>/",
    summary="One interview",
    tag=TAG_INTERVIEWS,
    rows=INTERVIEW,
    response=Interview,
    errors=(404,),
)
def get_interview(interview):
    """One interview with its link and e-mail state."""
    return Interview.of(interview)


def _book(interview, slot, notes):
    booking.book_interview(interview.candidate, slot, actor=g.api_user, notes=str(notes or ""), interview=interview)
    return Interview.of(interview), 201


@operation(
    "POST",
    "/interviews/slots/<slot_id>/book_slot/",
    summary="Book an interview into this slot",
    tag=TAG_SLOTS,
    rows=SLOT,
    body=SlotBooking,
    invalid="interview_id is required",
    responses=BOOKED,
    errors=(400, 404, 409),
)
def book_slot(slot, body):
    """Book `interview_id` into the slot (with `booking_notes`)."""
    return _book(get_or_404(InterviewRow, body.interview_id, "Interview"), slot, body.booking_notes)


@operation(
    "POST",
    "/interviews/schedules/book_interview/",
    summary="Book an interview into a slot",
    tag=TAG_INTERVIEWS,
    body=InterviewBooking,
    invalid="interview_id and slot_id are required",
    responses=BOOKED,
    errors=(400, 404, 409),
)
def book_interview(body):
    """Book `interview_id` into `slot_id`."""
    interview = get_or_404(InterviewRow, body.interview_id, "Interview")
    return _book(interview, get_or_404(InterviewSlot, body.slot_id, "Slot"), body.booking_notes)


@operation(
    "POST",
    "/interviews/schedules/create_interview_session/",
    summary="The booked interview's session and link (idempotent)",
    tag=TAG_INTERVIEWS,
    body=SessionRequest,
    invalid="interview_id is required",
    errors=(400, 404, 409),
    responses={201: (InterviewSessionLink, "First call"), 200: (InterviewSessionLink, "Same session again")},
)
def create_interview_session(body):
    """The booked interview's session and link (seed 001's response); idempotent: 201 on its first issue, 200 later."""
    interview = get_or_404(InterviewRow, body.interview_id, "Interview")
    interview_requests.check_session_issuable(interview)
    first = portal.issue_link(interview, actor=g.api_user)
    return InterviewSessionLink.of(interview), 201 if first else 200


@operation(
    "POST",
    "/interviews/<interview_id>/reschedule/",
    summary="Move to another slot; the link stays the same",
    tag=TAG_INTERVIEWS,
    rows=INTERVIEW,
    body=Reschedule,
    invalid="slot_id is required",
    response=Interview,
    errors=(400, 404, 409),
)
def reschedule(interview, body):
    """Move the interview to `slot_id`; the link stays the same."""
    booking.reschedule_interview(interview, get_or_404(InterviewSlot, body.slot_id, "Slot"), actor=g.api_user)
    return Interview.of(interview)


@operation(
    "POST",
    "/interviews/<interview_id>/cancel/",
    summary="Cancel and free the seat (the candidate is told)",
    tag=TAG_INTERVIEWS,
    rows=INTERVIEW,
    body=InterviewCancel,
    body_optional=True,
    response=Interview,
    errors=(404, 409),
)
def cancel(interview, body):
    """Cancel the interview and free its seat."""
    booking.cancel_interview(interview, actor=g.api_user, reason=str(body.reason or ""))
    return Interview.of(interview)
