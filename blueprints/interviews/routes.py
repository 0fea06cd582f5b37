"""Recruiters' view of interviews: the dashboard, booking, an interview's page, reschedule, cancel."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from blueprints.interviews import bp
from blueprints.slots.forms import BookingForm, CancelForm, RescheduleForm
from blueprints.web import is_htmx, redirect_after_post, render_page_or_fragment
from blueprints.zones import viewer_zone
from models import Candidate, Interview, InterviewSlot, db
from services import booking, notifications, timeutil
from services import dashboard as dashboard_data
from services.slots import crud as slot_crud
from services.validation import parse_uuid


@bp.get("/dashboard")
def dashboard():
    """Counts, then today / upcoming / past interviews, filtered by job and status."""
    data = dashboard_data.interviews_dashboard(
        timeutil.zone(viewer_zone()), job_id=request.args.get("job") or None, status=request.args.get("status") or None
    )
    return render_page_or_fragment(
        "interviews/dashboard.html",
        "interviews/_dashboard_sections.html",
        data=data,
        jobs=slot_crud.open_jobs(),
        interview_link=notifications.interview_link,
    )


def _slot_label(slot):
    return f"{timeutil.format_local(slot.start_at, timeutil.zone(viewer_zone()))} · {slot.ai_interview_type} · {slot.current_bookings}/{slot.max_candidates} booked"


def _booking_choices(form, slot, candidate):
    """Candidates of the slot's job not yet in it, or open slots of the candidate's job."""
    if slot is not None:
        people = slot_crud.unbooked_candidates(slot)
        form.candidate_id.choices = [SelectChoice("", "Choose a candidate")] + [SelectChoice(str(c.id), f"{c.full_name} <{c.email}>") for c in people]
        form.slot_id.choices = [SelectChoice(str(slot.id), _slot_label(slot))]
    if candidate is not None:
        open_slots = slot_crud.bookable_slots(candidate.job_id)
        form.slot_id.choices = [SelectChoice("", "Choose a slot")] + [SelectChoice(str(s.id), _slot_label(s)) for s in open_slots]
        form.candidate_id.choices = [SelectChoice(str(candidate.id), f"{candidate.full_name} <{candidate.email}>")]


@bp.route("/book", methods=["GET", "POST"])
def book():
    """The booking dialog (from a slot: choose a candidate; from a candidate: choose a slot)."""
    form = BookingForm()
    origin = request.values.get("origin") or ("slot" if request.args.get("slot_id") else "candidate")
    fixed_id = parse_uuid(request.values.get("slot_id" if origin == "slot" else "candidate_id"))
    slot = db.session.get(InterviewSlot, fixed_id) if origin == "slot" and fixed_id else None
    candidate = db.session.get(Candidate, fixed_id) if origin == "candidate" and fixed_id else None
    if slot is None and candidate is None:
        abort(404, description="Open the booking from a slot or a candidate.")
    _booking_choices(form, slot, candidate)
    error, status, existing_interview_id = None, 200, None
    if form.validate_on_submit():
        chosen_candidate = db.session.get(Candidate, parse_uuid(form.candidate_id.data)) if parse_uuid(form.candidate_id.data) else None
        chosen_slot = db.session.get(InterviewSlot, parse_uuid(form.slot_id.data)) if parse_uuid(form.slot_id.data) else None
        if chosen_candidate is None:
            form.candidate_id.errors = ["Choose a candidate."]
        if chosen_slot is None:
            form.slot_id.errors = ["Choose a slot."]
        if chosen_candidate is not None and chosen_slot is not None:
            try:
                interview = booking.book_interview(chosen_candidate, chosen_slot, actor=current_user, notes=form.booking_notes.data or "")
            except booking.BookingError as exc:
                error, status = exc.message, exc.status
                existing_interview_id = getattr(exc, "interview_id", None)
                _booking_choices(form, slot, candidate)
            else:
                return _booked(interview, slot, candidate)
        else:
            status = 400
    elif request.method == "POST":
        status = 400
    context = {
        "form": form, "slot": slot, "candidate": candidate, "origin": origin, "error": error,
        "existing_interview_id": existing_interview_id, **_booking_page(slot, candidate),
    }
    if is_htmx():
        # Errors come back as 200 so htmx swaps the dialog (or the page's card) with its message in place.
        return render_template("interviews/_book_dialog.html", **context)
    return render_template("interviews/book.html", **context), status


def _booking_page(slot, candidate):
    """Whether the booking is the standalone page (not a dialog), and where its way back leads."""
    standalone = not is_htmx() or request.values.get("page") == "standalone"
    if candidate is not None:
        back = url_for("candidates.detail", candidate_id=candidate.id), f"Back to {candidate.full_name}"
    else:
        back = url_for("slots.detail", slot_id=slot.id), "Back to the slot"
    return {"standalone": standalone, "back_url": back[0], "back_text": back[1]}


def _booked(interview, slot, candidate):
    """The confirmation: the link with a copy button and the invitation's e-mail state."""
    email = notifications.invitation_email(interview)
    if not is_htmx():
        flash(f"Booked. {notifications.email_state_text(email)}", "success")
        return redirect(url_for("interviews.detail", interview_id=interview.id))
    response = make_response(
        render_template(
            "interviews/_book_done.html",
            interview=interview,
            link=notifications.interview_link(interview.session_key),
            email=email,
            email_text=notifications.email_state_text(email),
            **_booking_page(slot, candidate),
        )
    )
    response.headers["HX-Trigger"] = "booking-changed"
    return response


def _interview_or_404(interview_id):
    return db.get_or_404(Interview, interview_id, description="Interview not found.")


@bp.get("/<uuid:interview_id>")
def detail(interview_id):
    """One interview: candidate, job, time, state, link, notes, e-mails, actions."""
    interview = _interview_or_404(interview_id)
    return render_template(
        "interviews/detail.html",
        interview=interview,
        emails=notifications.interview_emails(interview),
        invitation=notifications.invitation_email(interview),
        email_state_text=notifications.email_state_text,
        link=notifications.interview_link(interview.session_key) if interview.session_key else None,
        cancel_form=CancelForm(),
    )


@bp.route("/<uuid:interview_id>/reschedule", methods=["GET", "POST"])
def reschedule(interview_id):
    """Move the interview to another slot of its job; the link stays the same."""
    interview = _interview_or_404(interview_id)
    form = RescheduleForm()
    form.slot_id.choices = [SelectChoice("", "Choose a slot")] + [
        SelectChoice(str(s.id), _slot_label(s)) for s in slot_crud.bookable_slots(interview.job_id) if s.id != interview.slot_id
    ]
    error, status = None, 200
    if form.validate_on_submit():
        new_slot = db.session.get(InterviewSlot, parse_uuid(form.slot_id.data)) if parse_uuid(form.slot_id.data) else None
        if new_slot is None:
            form.slot_id.errors, status = ["Choose a slot."], 400
        else:
            try:
                booking.reschedule_interview(interview, new_slot, actor=current_user)
            except booking.BookingError as exc:
                error, status = exc.message, exc.status
            else:
                flash(f"Rescheduled to {timeutil.format_local(new_slot.start_at, timeutil.zone(viewer_zone()))}; the candidate is told and the link stays the same.", "success")
                return redirect_after_post(url_for("interviews.detail", interview_id=interview.id))
    elif request.method == "POST":
        status = 400
    context = {"form": form, "interview": interview, "error": error}
    if is_htmx():
        return render_template("interviews/_reschedule_dialog.html", **context)
    return render_template("interviews/reschedule.html", **context), status


@bp.get("/<uuid:interview_id>/cancel")
def confirm_cancel(interview_id):
    """Without JavaScript, the second step: cancelling the interview e-mails the candidate."""
    interview = _interview_or_404(interview_id)
    back_url = url_for("interviews.detail", interview_id=interview.id)
    return render_template("confirm.html", question="interviews/_cancel_question.html", interview=interview, back_url=back_url)


@bp.post("/<uuid:interview_id>/cancel")
def cancel(interview_id):
    """Cancel the interview and free its seat; the candidate is told."""
    interview = _interview_or_404(interview_id)
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        booking.cancel_interview(interview, actor=current_user, reason=form.reason.data or "")
    except booking.BookingError as exc:
        flash(exc.message, "error")
    else:
        flash("Interview cancelled; the seat is free again and the candidate is told.", "success")
    return redirect(url_for("interviews.detail", interview_id=interview.id))
