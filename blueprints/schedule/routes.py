"""The candidate's scheduling link `/schedule/<token>`: pick a time, then manage the booking.

No sign-in and no JavaScript needed: day and time choices are links, each change a plain form
(post/redirect/get); htmx swaps just #slot-picker for day, time and zone choices. Dead links answer
one page (404 unknown or malformed, 410 revoked or expired), and key_guard's per-IP budget of
failed lookups, shared with the portal's keys, makes guessing slow.
"""

from flask import make_response, redirect, render_template, request, url_for

from blueprints import slot_picker
from blueprints.portal import key_guard
from blueprints.schedule import bp
from blueprints.web import INVALID_FORM, form_status, redirect_after_post, render_page_or_fragment
from services import booking, calendar_invite, labels, notifications, scheduling, timeutil
from services.errors import ServiceError
from services.outbox import transport

bp.before_request(key_guard.refuse_guessers)
bp.after_request(key_guard.count_failed_lookup)


@bp.errorhandler(scheduling.DeadLink)
def dead_link(error):
    """One page for every link that does not work, whatever the reason (only the status differs)."""
    return render_template("schedule/invalid.html", message=error.message), error.status


def _zone_name():
    chosen = request.values.get("tz")
    return timeutil.canonical_zone(chosen) if chosen and timeutil.is_valid_zone(chosen) else slot_picker.IST


def _picker_context(token, page, zone_name, *, changing=False, notice=None):
    """What templates/schedule/_slot_picker.html shows for the link's job in `zone_name`."""
    return slot_picker.picker_context(
        scheduling.offered_days(page.invitation.job, timeutil.zone(zone_name), timeutil.now()),
        zone_name,
        picker_url=url_for("schedule.reschedule" if changing else "schedule.show", token=token),
        confirm_url=url_for("schedule.reschedule" if changing else "schedule.book", token=token),
        token=token,
        view=page,
        changing=changing,
        notice=notice,
    )


def _render(token, page, *, status=200, changing=False, notice=None, done=None):
    """The link's page, or for htmx just the #slot-picker fragment."""
    context = _picker_context(token, page, _zone_name(), changing=changing, notice=notice)
    context.update(done=done, contact=scheduling.contact_line(page.invitation), labels=labels)
    response = render_page_or_fragment("schedule/page.html", "schedule/_slot_picker.html", status=status, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<token>")
def show(token):
    """Pick a time (a day, a time, then confirm), or the booked interview and what can change."""
    return _render(token, scheduling.open_link(token), done=request.args.get("done"))


@bp.post("/<token>/book")
def book(token):
    """Book the picked slot; a slot taken meanwhile refreshes the list with a message."""
    invitation = scheduling.find_link(token)
    try:
        scheduling.book(invitation, request.form.get("slot_id"))
    except ServiceError as refusal:
        if isinstance(refusal, booking.AlreadyScheduled | booking.AlreadyBooked):
            # Booked already (another tab, a double click, a recruiter): the manage page says when.
            return redirect_after_post(url_for("schedule.show", token=token))
        return _refused(token, invitation, refusal)
    return redirect_after_post(url_for("schedule.show", token=token, done="booked", tz=_zone_name()))


def _refused(token, invitation, refusal, changing=False):
    """The picker again with the refusal's message (422, page and fragment alike)."""
    page = scheduling.link_page(invitation, timeutil.now())
    return _render(token, page, status=INVALID_FORM, changing=changing, notice=refusal.message)


@bp.route("/<token>/reschedule", methods=["GET", "POST"])
def reschedule(token):
    """The same picker for a new time; the portal link stays, the calendar entry updates."""
    invitation = scheduling.find_link(token)
    if request.method == "GET":
        return _render(token, scheduling.link_page(invitation, timeutil.now()), changing=True)
    try:
        scheduling.reschedule(invitation, request.form.get("slot_id"))
    except ServiceError as refusal:
        return _refused(token, invitation, refusal, changing=True)
    return redirect_after_post(url_for("schedule.show", token=token, done="moved", tz=_zone_name()))


@bp.route("/<token>/cancel", methods=["GET", "POST"])
def cancel(token):
    """Ask, then cancel the booked interview (an optional reason goes to the recruiter)."""
    invitation = scheduling.find_link(token)
    page = scheduling.link_page(invitation, timeutil.now())
    notice = None
    if request.method == "POST":
        try:
            scheduling.cancel(invitation, request.form.get("reason", ""))
        except ServiceError as refusal:
            notice = refusal.message
        else:
            return redirect_after_post(url_for("schedule.show", token=token, done="cancelled"))
    return render_template(
        "schedule/cancel.html",
        token=token,
        view=page,
        notice=notice,
        contact=scheduling.contact_line(invitation),
        tz=timeutil.zone(_zone_name()),
    ), form_status(notice)


@bp.post("/<token>/waitlist")
def join_waitlist(token):
    """Join the job's waitlist when no time fits."""
    invitation = scheduling.find_link(token)
    try:
        scheduling.join_waitlist(invitation)
    except ServiceError as refusal:
        return _refused(token, invitation, refusal)
    return redirect_after_post(url_for("schedule.show", token=token, done="waitlisted"))


@bp.get("/<token>/interview.ics")
def calendar_file(token):
    """The booked interview as an .ics file (the same UID and SEQUENCE as the e-mailed invite)."""
    page = scheduling.link_page(scheduling.find_link(token), timeutil.now())
    if page.interview is None or page.mode != "manage":
        return redirect(url_for("schedule.show", token=token))
    interview = page.interview
    link = notifications.interview_link(interview.session_key)
    ics = calendar_invite.build_invite(
        interview,
        summary=f"Interview: {interview.job.job_title} at {interview.job.company_name}",
        description=f"Join the interview: {link}",
        link=link,
        organizer=transport.default_sender(),
    )
    response = make_response(ics)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8; method=REQUEST"
    response.headers["Content-Disposition"] = 'attachment; filename="interview.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response
