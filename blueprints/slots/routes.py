"""Slots: the calendar, creating (one or from a pattern), the slot page, editing and cancelling."""

import uuid
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from blueprints.forms import EmptyForm, apply_errors, apply_refusal
from blueprints.slots import bp
from blueprints.slots.forms import PatternForm, SlotEditForm, SlotForm
from blueprints.web import form_status, redirect_after_post, render_page_or_fragment
from blueprints.zones import viewer_zone
from models import InterviewSlot, Job, db
from services import booking, calendar_grid, notifications, timeutil
from services.errors import ServiceError
from services.slots import calendars as slot_calendars
from services.slots import crud as slot_crud
from services.slots import parsing as slot_parsing
from services.slots import patterns as slot_patterns


def _calendar_args(calendar_view, **changes):
    """Query arguments that reproduce the current calendar, with `changes` applied."""
    args = {"view": calendar_view.mode, "date": calendar_view.anchor.isoformat(), "tz": calendar_view.tz.key}
    if calendar_view.job is not None:
        args["job"] = str(calendar_view.job.id)
    args.update(changes)
    return {key: value for key, value in args.items() if value}


def _optional_job(raw):
    try:
        return db.session.get(Job, uuid.UUID(raw)) if raw else None
    except ValueError:
        return None


@bp.get("/")
def calendar():
    """Week or month of slots, for one job or all; htmx swaps just the calendar."""
    try:
        anchor = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        anchor = None
    view = slot_calendars.calendar_view(
        request.args.get("view", "week"), anchor, timeutil.zone(viewer_zone()), _optional_job(request.args.get("job"))
    )
    colours = calendar_grid.job_colours(view)
    return render_page_or_fragment(
        "slots/calendar.html",
        "slots/_calendar.html",
        view=view,
        grid=calendar_grid.week_grid(view, colours) if view.mode == "week" else None,
        colours=colours,
        jobs=slot_crud.open_jobs(),
        calendar_args=lambda **changes: _calendar_args(view, **changes),
    )


def _slot_form_context(form):
    jobs = slot_crud.open_jobs()
    form.job_id.choices = [SelectChoice("", "Choose a job")] + [
        SelectChoice(str(j.id), f"{j.job_title} · {j.company_name}") for j in jobs
    ]
    form.init_zone(viewer_zone())
    return jobs


@bp.route("/new", methods=["GET", "POST"])
def create():
    """One slot; an overlap with the job's other slots must be confirmed."""
    form = SlotForm()
    if request.method == "GET":
        # From "New slot" (job) or a click on the calendar's empty time (day, hour, zone, job).
        for name, value in calendar_grid.new_slot_prefill(
            **{key: request.args.get(key) for key in ("job", "tz", "date", "start")}
        ).items():
            form[name].data = value
    _slot_form_context(form)
    context = {"form": form, "clashes": [], "error": None}
    if form.validate_on_submit():
        try:
            slot = slot_crud.create_slot(_slot_spec(form), actor=current_user, allow_overlap=form.confirm_overlap.data)
        except ServiceError as refusal:
            context |= _refusal_context(form, refusal)
        else:
            flash(f"Slot created for {timeutil.format_local(slot.start_at, timeutil.zone(form.timezone.data))}.", "success")
            return redirect(url_for("slots.detail", slot_id=slot.id))
    return render_template("slots/new.html", **context), form_status(form.errors, context["error"], context["clashes"])


def _slot_spec(form):
    return slot_parsing.slot_spec(
        job_id=form.job_id.data,
        interview_date=form.interview_date.data,
        start_time=form.start_time.data,
        end_time=form.end_time.data,
        max_candidates=form.max_candidates.data,
        ai_interview_type=form.ai_interview_type.data,
        timezone=form.timezone.data,
    )


def _refusal_context(form, refusal, move_to=None):
    """How a slot form shows a refusal: messages beside their fields, an overlap's clashes above its
    tick box, a booked slot's move as the confirmation step, anything else as a message."""
    if isinstance(refusal, slot_crud.MoveNeedsConfirmation):
        return {
            "pending_move": {
                "count": refusal.interview_count,
                "start_at": move_to[0],
                "confirms": timeutil.isoformat_z(move_to[0]),
            }
        }
    apply_errors(form, refusal.fields)
    clashes = refusal.clashes if refusal.code == slot_crud.SlotOverlap.code else []
    return {"clashes": clashes, "error": None if refusal.fields or clashes else refusal.message}


def _pattern_plan(form):
    return slot_patterns.plan_pattern(
        job_id=form.job_id.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        weekdays=form.weekdays.data,
        start_times=form.start_times.data,
        length_minutes=form.length_minutes.data,
        max_candidates=form.max_candidates.data,
        ai_interview_type=form.ai_interview_type.data,
        timezone=form.timezone.data,
    )


@bp.route("/pattern", methods=["GET", "POST"])
def create_pattern():
    """Many slots from days of week × start times × length over a date range."""
    form = PatternForm()
    if request.method == "GET":
        today = timeutil.to_zone(timeutil.now(), timeutil.zone(viewer_zone())).date()
        form.start_date.data = form.start_date.data or today.isoformat()
        form.job_id.data = request.args.get("job") or form.job_id.data
    _slot_form_context(form)
    plan, error = None, None
    if form.validate_on_submit():
        try:
            plan = _pattern_plan(form)
            created = slot_patterns.create_from_plan(plan, actor=current_user, allow_overlap=form.confirm_overlap.data)
        except ServiceError as refusal:
            if refusal.code == slot_crud.SlotOverlap.code:  # the preview lists the clashes
                form.confirm_overlap.errors = ["Some slots overlap existing ones (see the preview); tick to create them anyway."]
            else:
                error = apply_refusal(form, refusal)
        else:
            flash(f"Created {len(created)} slots.", "success")
            return redirect(
                url_for("slots.calendar", job=plan.job.id, date=created[0].start_at.date().isoformat(), tz=form.timezone.data)
            )
    return render_template("slots/pattern.html", form=form, plan=plan, error=error), form_status(form.errors, error)


@bp.post("/pattern/preview")
def preview_pattern():
    """The slots a pattern would create and their clashes (replaces #pattern-preview)."""
    form = PatternForm()
    _slot_form_context(form)
    plan, errors = None, {}
    if form.validate_on_submit():
        try:
            plan = _pattern_plan(form)
        except slot_parsing.SlotInputError as error:
            errors = error.fields
    return render_template("slots/_pattern_preview.html", plan=plan, errors=errors, form=form), form_status(form.errors, errors)


def _slot_or_404(slot_id):
    return db.get_or_404(InterviewSlot, slot_id, description="Slot not found.")


@bp.get("/<uuid:slot_id>/")
def detail(slot_id):
    """A slot with the candidates booked into it and the way to book more."""
    slot = _slot_or_404(slot_id)
    return render_page_or_fragment("slots/detail.html", "slots/_slot.html", **_detail_context(slot))


def _detail_context(slot):
    interviews = slot_crud.slot_interviews(slot)
    return {
        "slot": slot,
        "interviews": interviews,
        "state": slot_crud.state_of(slot),
        "emails": notifications.invitation_emails([i.id for i in interviews]),
        "to_cancel": slot_crud.cancelled_with_slot(interviews),
        "form": EmptyForm(),
    }


@bp.route("/<uuid:slot_id>/edit", methods=["GET", "POST"])
def edit(slot_id):
    """Capacity, type and time; a booked slot moves only after a confirmation step (htmx swaps #slot-edit)."""
    slot = _slot_or_404(slot_id)
    form = SlotEditForm(obj=slot if request.method == "GET" else None)
    form.init_zone(viewer_zone())
    if request.method == "GET":
        form.fill_times(slot)
    context, move_to = {"form": form, "slot": slot, "clashes": [], "pending_move": None, "error": None}, None
    if form.validate_on_submit():
        try:
            move_to = slot_parsing.move_times(
                slot,
                interview_date=form.interview_date.data,
                start_time=form.start_time.data,
                end_time=form.end_time.data,
                timezone=form.timezone.data,
            )
            moved = slot_crud.update_slot(
                slot,
                max_candidates=form.max_candidates.data,
                ai_interview_type=form.ai_interview_type.data,
                move_to=move_to,
                confirm=form.confirm_move.data == timeutil.isoformat_z(move_to[0]),
                allow_overlap=form.confirm_overlap.data,
                actor=current_user,
            )
        except ServiceError as refusal:
            context |= _refusal_context(form, refusal, move_to)
        else:
            flash(f"Slot updated: {_moved_text(slot, form, moved)}.", "success")
            return redirect_after_post(url_for("slots.detail", slot_id=slot.id))
    # The confirmation step is a question (200); a form with errors is 422, page and fragment alike.
    status = 200 if context["pending_move"] else form_status(form.errors, context["error"], context["clashes"])
    return render_page_or_fragment("slots/edit.html", "slots/_edit_form.html", status=status, **context)


def _moved_text(slot, form, moved):
    when = timeutil.format_local(slot.start_at, timeutil.zone(form.timezone.data))
    return when + (f"; {len(moved)} candidate{'s' if len(moved) != 1 else ''} e-mailed the new time" if moved else "")


@bp.get("/<uuid:slot_id>/cancel")
def confirm_cancel(slot_id):
    """Without JavaScript, the second step: who cancelling the slot cancels and e-mails."""
    slot = _slot_or_404(slot_id)
    return render_template(
        "confirm.html",
        question="slots/_cancel_question.html",
        slot=slot,
        to_cancel=slot_crud.cancelled_with_slot(slot_crud.slot_interviews(slot)),
        back_url=url_for("slots.detail", slot_id=slot.id),
    )


@bp.post("/<uuid:slot_id>/cancel")
def cancel(slot_id):
    """Cancel the slot and every booking in it (each candidate is told)."""
    slot = _slot_or_404(slot_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        cancelled = booking.cancel_slot(slot, actor=current_user)
    except booking.BookingError as error:
        flash(error.message, "error")
    else:
        flash(f"Slot cancelled; {len(cancelled)} booked interview(s) cancelled and the candidates told.", "success")
    return redirect(url_for("slots.detail", slot_id=slot.id))
