"""Recruiters' view of interviews: the dashboard, booking, an interview's page, reschedule, cancel."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from blueprints import slot_picker
from blueprints.forms import apply_refusal
from blueprints.interviews import bp
from blueprints.interviews.forms import BookingForm, CancelForm, RescheduleForm
from blueprints.web import form_status, is_htmx, redirect_after_post, render_page_or_fragment
from blueprints.zones import viewer_zone
from models import Candidate, Interview, InterviewSlot, db
from services import booking, notifications, scheduling, timeutil
from services import dashboard as dashboard_data
from services.errors import InputError, ServiceError
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


def _booking_origin():
    """Where the booking was opened: ("slot", slot, None) or ("candidate", None, candidate); else 404."""
    origin = request.values.get("origin") or ("slot" if request.args.get("slot_id") else "candidate")
    fixed_id = parse_uuid(request.values.get("slot_id" if origin == "slot" else "candidate_id"))
    slot = db.session.get(InterviewSlot, fixed_id) if origin == "slot" and fixed_id else None
    candidate = db.session.get(Candidate, fixed_id) if origin == "candidate" and fixed_id else None
    if slot is None and candidate is None:
        abort(404, description="Open the booking from a slot or a candidate.")
    return origin, slot, candidate


def _chosen_row(model, raw_id):
    """The row a form's select named, or None."""
    row_id = parse_uuid(raw_id)
    return db.session.get(model, row_id) if row_id else None


@bp.route("/book", methods=["GET", "POST"])
def book():
    """The booking dialog (from a slot: choose a candidate; from a candidate: pick a time)."""
    origin, slot, candidate = _booking_origin()
    form = BookingForm()
    error, existing_interview_id = None, None
    if form.validate_on_submit():
        try:
            chosen_slot, chosen_candidate = booking.booking_choice(form.slot_id.data, form.candidate_id.data, form.candidate.data)
            interview = booking.book_interview(
                chosen_candidate, chosen_slot, actor=current_user, notes=form.booking_notes.data or ""
            )
        except ServiceError as refusal:
            error = apply_refusal(form, refusal)
            existing_interview_id = getattr(refusal, "interview_id", None)  # AlreadyScheduled names it
        else:
            return _booked(interview, slot, candidate)
    page = _booking_page(slot, candidate)
    context = {
        "form": form,
        "slot": slot,
        "candidate": candidate,
        "origin": origin,
        "error": error,
        "existing_interview_id": existing_interview_id,
        **page,
        **_picker(slot, candidate, page["standalone"]),
    }
    # For htmx the dialog (or the page's card) is replaced, with its errors in place.
    return render_page_or_fragment(
        "interviews/book.html", "interviews/_book_dialog.html", status=form_status(form.errors, error), **context
    )


def _picker(slot, candidate, standalone):
    """The slot picker of the dialog: a candidate's open slots to pick from, or the slot it was opened from."""
    zone_name = viewer_zone()
    confirm = {
        "confirm_url": url_for("interviews.book"),
        "confirm_fields": "interviews/_book_fields.html",
        "confirm_target": "#booking-box",
        "confirm_heading": "Confirm the time",
        "confirm_label": "Book",
    }
    if slot is not None:
        return slot_picker.picker_context([], zone_name, picker_url=None, **confirm) | {"chosen_slot": slot}
    days = scheduling.days_of(slot_crud.bookable_slots(candidate.job_id), timeutil.zone(zone_name))
    query = {"origin": "candidate", "candidate_id": candidate.id} | ({"page": "standalone"} if standalone else {})
    return slot_picker.picker_context(
        days, zone_name, picker_url=url_for("interviews.book"), picker_query=query, picker_select="#slot-picker", **confirm
    )


@bp.get("/book/candidates")
def candidate_options():
    """The typeahead's listbox: up to ten candidates of the slot's job matching what was typed (replaces #candidate-options)."""
    slot_id = parse_uuid(request.args.get("slot_id"))
    slot = db.session.get(InterviewSlot, slot_id) if slot_id else None
    if slot is None:
        abort(404, description="Slot not found.")
    typed = request.args.get("candidate", "").strip()
    return render_template(
        "interviews/_candidate_options.html", matches=slot_crud.candidate_suggestions(slot, typed), typed=typed
    )


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
    error = None
    if form.validate_on_submit():
        try:
            new_slot = _chosen_row(InterviewSlot, form.slot_id.data)
            if new_slot is None:
                raise InputError({"slot_id": "Choose a slot."})
            booking.reschedule_interview(interview, new_slot, actor=current_user)
        except ServiceError as refusal:
            error = apply_refusal(form, refusal)
        else:
            flash(
                f"Rescheduled to {timeutil.format_local(new_slot.start_at, timeutil.zone(viewer_zone()))}; the candidate is told and the link stays the same.",
                "success",
            )
            return redirect_after_post(url_for("interviews.detail", interview_id=interview.id))
    context = {"form": form, "interview": interview, "error": error}
    return render_page_or_fragment(
        "interviews/reschedule.html", "interviews/_reschedule_dialog.html", status=form_status(form.errors, error), **context
    )


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
