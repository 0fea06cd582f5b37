"""JSON API for slots and interviews (seeds 001/002): create and list slots, book, session links."""
from flask import g, jsonify, request
from sqlalchemy import select

from blueprints.api import bp
from blueprints.api.pagination import paginated_response
from blueprints.api.responses import bad_input, get_or_404, json_body
from models import AuditEvent, Candidate, Interview, InterviewSlot, InterviewStatus, Job, SlotStatus, db
from services import audit, booking, notifications, slots, timeutil

# What PUT/PATCH of a slot reads; anything else (seed 002's frontend sent current_bookings and status:
# seats move only by booking) is ignored and named in `ignored_fields`.
SLOT_TIME_FIELDS = ("interview_date", "start_time", "end_time")
SLOT_UPDATE_FIELDS = (*SLOT_TIME_FIELDS, "max_candidates", "ai_interview_type", "timezone", "confirm", "allow_overlap")


def _booking_error(error):
    """A refused booking change: `error`, `code`, and for a second interview the first one's id."""
    body = {"error": error.message}
    if error.code:
        body["code"] = error.code
    if isinstance(error, booking.AlreadyScheduled):
        body["interview_id"] = str(error.interview_id)
    return jsonify(body), error.status


def _zone_for_output():
    """`?timezone=` is a display preference: a zone parse_zone refuses shows the display zone."""
    name = request.args.get("timezone")
    return timeutil.zone(name) if timeutil.is_valid_zone(name) else timeutil.zone()


def _overlap_conflict(error):
    """409 naming the job's slots a new or moved slot would overlap."""
    message = f"This overlaps {len(error.clashes)} existing slot(s) for the same job; send allow_overlap: true to go ahead anyway."
    return jsonify(error=message, overlaps=[slot_json(s) for s in error.clashes]), 409


def slot_json(slot, tz=None):
    tz = tz or timeutil.zone()
    start, end = timeutil.to_zone(slot.start_at, tz), timeutil.to_zone(slot.end_at, tz)
    return {
        "id": str(slot.id),
        "job_id": str(slot.job_id),
        "job_title": slot.job.job_title,
        "interview_date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end_time": end.strftime("%H:%M"),
        "timezone": tz.key,
        "start_at": timeutil.isoformat_z(slot.start_at),
        "end_at": timeutil.isoformat_z(slot.end_at),
        "ai_interview_type": slot.ai_interview_type,
        "max_candidates": slot.max_candidates,
        "current_bookings": slot.current_bookings,
        "seats_left": slot.seats_left,
        "status": slot.status,
        "state": slots.state_of(slot),
    }


def interview_json(interview):
    email = notifications.invitation_email(interview)
    return {
        "id": str(interview.id),
        "candidate_id": str(interview.candidate_id),
        "job_id": str(interview.job_id),
        "slot_id": str(interview.slot_id) if interview.slot_id else None,
        "status": interview.status,
        "started_at": timeutil.isoformat_z(interview.started_at),
        "ended_at": timeutil.isoformat_z(interview.ended_at),
        "session_key": interview.session_key,
        "interview_link": notifications.interview_link(interview.session_key) if interview.session_key else None,
        "booking_notes": interview.schedule.booking_notes if interview.schedule else "",
        "email_status": email.status if email else None,
        "email_sent": notifications.email_was_sent(email),
    }


@bp.get("/interviews/slots/")
def list_slots():
    """Slots, soonest first, paginated; filter with job_id, status, from and to (YYYY-MM-DD in the zone; from today by default)."""
    tz = _zone_for_output()
    query = select(InterviewSlot).order_by(InterviewSlot.start_at)
    if request.args.get("job_id"):
        query = query.where(InterviewSlot.job_id == get_or_404(Job, request.args["job_id"], "Job").id)
    status = request.args.get("status")
    if status:
        if status not in SlotStatus.values():
            return bad_input("Unknown status.", {"status": f"One of {', '.join(SlotStatus.values())}."})
        query = query.where(InterviewSlot.status == status)
    errors = {}
    for name, op in (("from", "ge"), ("to", "lt")):
        if request.args.get(name):
            day = slots.parse_date(request.args[name], name, errors)
            if day is not None:
                bound = timeutil.start_of_day(day, tz)
                query = query.where(InterviewSlot.start_at >= bound if op == "ge" else InterviewSlot.start_at < bound)
    if errors:
        return bad_input("Invalid filter.", errors)
    if not request.args.get("from") and not request.args.get("to"):
        query = query.where(InterviewSlot.start_at >= timeutil.start_of_day(timeutil.to_zone(timeutil.now(), tz).date(), tz))
    return paginated_response(query, lambda slot: slot_json(slot, tz), count_column=InterviewSlot.id, keyset=slots.LIST_KEYSET)


@bp.post("/interviews/slots/")
def create_slot():
    """A slot from `job_id, interview_date, start_time, end_time` (IST unless `timezone`), capacity, type."""
    data = json_body()
    try:
        spec = slots.slot_spec(
            job_id=data.get("job_id"),
            interview_date=data.get("interview_date"),
            start_time=data.get("start_time"),
            end_time=data.get("end_time"),
            max_candidates=data.get("max_candidates", 1),
            ai_interview_type=data.get("ai_interview_type"),
            timezone=data.get("timezone"),
        )
        slot = slots.create_slot(spec, actor=g.api_user, allow_overlap=bool(data.get("allow_overlap")))
    except slots.SlotInputError as error:
        return bad_input(error.message, error.fields)
    except slots.SlotOverlap as error:
        return _overlap_conflict(error)
    return jsonify(slot_json(slot, slots.parse_zone(data.get("timezone"), {}))), 201


@bp.get("/interviews/slots/<slot_id>/")
def get_slot(slot_id):
    """One slot."""
    return jsonify(slot_json(get_or_404(InterviewSlot, slot_id, "Slot"), _zone_for_output()))


@bp.route("/interviews/slots/<slot_id>/", methods=["PUT", "PATCH"])
def update_slot(slot_id):
    """Capacity, type and time; only what is sent changes, and a booked slot moves only with `confirm`."""
    slot = get_or_404(InterviewSlot, slot_id, "Slot")
    data = json_body()
    flags = {}
    for name in ("confirm", "allow_overlap"):
        if not isinstance(data.get(name, False), bool):
            return bad_input(f"{name} is true or false.", {name: f"{name} is true or false."})
        flags[name] = data.get(name, False)
    zone_errors = {}
    output_zone = slots.parse_zone(data.get("timezone"), zone_errors)
    if zone_errors:
        return bad_input(zone_errors["timezone"], zone_errors)
    try:
        move_to = None
        if any(name in data for name in SLOT_TIME_FIELDS):
            move_to = slots.move_times(slot, **{name: data.get(name) for name in (*SLOT_TIME_FIELDS, "timezone")})
        moved = slots.update_slot(
            slot,
            max_candidates=data.get("max_candidates", slot.max_candidates),
            ai_interview_type=data.get("ai_interview_type", slot.ai_interview_type),
            move_to=move_to,
            actor=g.api_user,
            **flags,
        )
    except slots.SlotInputError as error:
        return bad_input(error.message, error.fields) if error.fields else (jsonify(error=error.message), 409)
    except slots.SlotOverlap as error:
        return _overlap_conflict(error)
    except slots.MoveNeedsConfirmation as error:
        return jsonify(error=error.message, interviews_to_move=error.interview_count), 409
    except slots.SlotMoveRefused as error:
        return _booking_error(error)
    body = slot_json(slot, output_zone)
    body["moved_interviews"] = [str(interview.id) for interview in moved]
    ignored = sorted(name for name in data if name not in SLOT_UPDATE_FIELDS)
    if ignored:
        body["ignored_fields"] = ignored
    return jsonify(body)


@bp.post("/interviews/slots/<slot_id>/cancel/")
def cancel_slot(slot_id):
    """Cancel the slot and every booking in it."""
    slot = get_or_404(InterviewSlot, slot_id, "Slot")
    try:
        reason = str(json_body(optional=True).get("reason") or "")
        cancelled = booking.cancel_slot(slot, actor=g.api_user, reason=reason)
    except booking.BookingError as error:
        return _booking_error(error)
    return jsonify(slot=slot_json(slot), cancelled_interviews=[str(i.id) for i in cancelled])


@bp.post("/interviews/")
def create_interview():
    """An interview for `candidate_id, job_id`: PENDING (book it next, seed 002's flow), or booked at once.

    With `slot_id` it is booked into that slot; with `scheduled_at` into a new 1-seat slot at that
    time (as `flask create-link` does). Either way the answer also carries the session and link.
    """
    data = json_body()
    fields = {}
    for name in ("candidate_id", "job_id"):
        if not data.get(name):
            fields[name] = f"{name} is required"
    if fields:
        return bad_input("candidate_id and job_id are required", fields)
    if data.get("slot_id") and data.get("scheduled_at"):
        both = "Send slot_id or scheduled_at, not both."
        return bad_input(both, {"slot_id": both, "scheduled_at": both})
    candidate = get_or_404(Candidate, data["candidate_id"], "Candidate")
    job = get_or_404(Job, data["job_id"], "Job")
    if candidate.job_id != job.id:
        return bad_input("The candidate applied for another job.", {"job_id": "Not the candidate's job."})
    notes = str(data.get("booking_notes") or "")
    try:
        if data.get("slot_id"):
            slot = get_or_404(InterviewSlot, data["slot_id"], "Slot")
            interview = booking.book_interview(candidate, slot, actor=g.api_user, notes=notes)
        elif data.get("scheduled_at"):
            errors = {}
            start_at = slots.parse_start(data["scheduled_at"], "scheduled_at", errors)
            if errors:
                return bad_input("scheduled_at is not a usable time.", errors)
            interview = booking.book_ad_hoc(candidate, start_at, actor=g.api_user, notes=notes)
        else:
            interview = booking.create_pending_interview(candidate, job, actor=g.api_user)
            return jsonify(interview_json(interview)), 201
    except booking.BookingError as error:
        return _booking_error(error)
    body, _ = _issue_session(interview)
    return jsonify({**interview_json(interview), **body}), 201


@bp.get("/interviews/<interview_id>/")
def get_interview(interview_id):
    """One interview with its link and e-mail state."""
    return jsonify(interview_json(get_or_404(Interview, interview_id, "Interview")))


def _book(interview, slot, notes=""):
    try:
        booking.book_interview(interview.candidate, slot, actor=g.api_user, notes=notes, interview=interview)
    except booking.BookingError as error:
        return _booking_error(error)
    return jsonify(interview_json(interview)), 201


@bp.post("/interviews/slots/<slot_id>/book_slot/")
def book_slot(slot_id):
    """Book `interview_id` into the slot (with `booking_notes`)."""
    slot = get_or_404(InterviewSlot, slot_id, "Slot")
    data = json_body()
    if not data.get("interview_id"):
        return bad_input("interview_id is required", {"interview_id": "interview_id is required"})
    interview = get_or_404(Interview, data["interview_id"], "Interview")
    return _book(interview, slot, str(data.get("booking_notes") or ""))


@bp.post("/interviews/schedules/book_interview/")
def book_interview():
    """Book `interview_id` into `slot_id`."""
    data = json_body()
    fields = {name: f"{name} is required" for name in ("interview_id", "slot_id") if not data.get(name)}
    if fields:
        return bad_input("interview_id and slot_id are required", fields)
    interview = get_or_404(Interview, data["interview_id"], "Interview")
    slot = get_or_404(InterviewSlot, data["slot_id"], "Slot")
    return _book(interview, slot, str(data.get("booking_notes") or ""))


@bp.post("/interviews/schedules/create_interview_session/")
def create_interview_session():
    """The booked interview's session and link (seed 001's response); idempotent.

    Booking already created the session; its first issue (here, or POST /api/interviews/ with a
    slot) answers 201, later calls 200 with the same session.
    """
    data = json_body()
    if not data.get("interview_id"):
        return bad_input("interview_id is required", {"interview_id": "interview_id is required"})
    interview = get_or_404(Interview, data["interview_id"], "Interview")
    if interview.status == InterviewStatus.CANCELLED.value:
        return jsonify(error="This interview is cancelled; book a new one."), 409
    if interview.session is None:
        return bad_input(
            "The interview has no time yet; book it into a slot first.",
            {"interview_id": "Book this interview into a slot first."},
        )
    body, first = _issue_session(interview)
    return jsonify(body), 201 if first else 200


def _issue_session(interview):
    """Seed 001's session-and-link fields of a booked interview, and whether this is their first issue."""
    session = interview.session
    issued_before = db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "interview.session_issued", AuditEvent.subject_id == str(interview.id)).limit(1)
    )
    if issued_before is None:
        audit.record("interview.session_issued", interview, actor=g.api_user, session=session.id)
        db.session.commit()
    email = notifications.invitation_email(interview)
    body = {
        "success": True,
        "interview_link": notifications.interview_link(session.session_key),
        "session_key": session.session_key,
        "session_id": str(session.id),
        "candidate_name": session.candidate_name,
        "candidate_email": session.candidate_email,
        "scheduled_at": timeutil.isoformat_z(session.scheduled_at),
        "coding_language": session.coding_language,
        "email_sent": notifications.email_was_sent(email),
    }
    return body, issued_before is None


@bp.post("/interviews/<interview_id>/reschedule/")
def reschedule(interview_id):
    """Move the interview to `slot_id`; the link stays the same."""
    interview = get_or_404(Interview, interview_id, "Interview")
    data = json_body()
    if not data.get("slot_id"):
        return bad_input("slot_id is required", {"slot_id": "slot_id is required"})
    slot = get_or_404(InterviewSlot, data["slot_id"], "Slot")
    try:
        booking.reschedule_interview(interview, slot, actor=g.api_user)
    except booking.BookingError as error:
        return _booking_error(error)
    return jsonify(interview_json(interview))


@bp.post("/interviews/<interview_id>/cancel/")
def cancel(interview_id):
    """Cancel the interview and free its seat."""
    interview = get_or_404(Interview, interview_id, "Interview")
    data = json_body(optional=True)
    try:
        booking.cancel_interview(interview, actor=g.api_user, reason=str(data.get("reason") or ""))
    except booking.BookingError as error:
        return _booking_error(error)
    return jsonify(interview_json(interview))
