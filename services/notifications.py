"""E-mails caused by bookings, written to the outbox in the caller's transaction.

Each function adds OutboxEmail rows to the current session and never commits or sends: the
caller's commit makes the e-mail and the change it reports durable together; a sender
(services/outbox/) delivers due rows later. Bodies (plain text and HTML, from
templates/email/) and the .ics are rendered now, so a message says what was true when it
was caused, whenever it is delivered; with SMTP configured the whole message is serialised
now too, so every delivery attempt sends the same bytes.
"""

import secrets
from datetime import timedelta

from flask import current_app, render_template
from sqlalchemy import select

from models import EmailStatus, InterviewType, OutboxEmail, User, db
from services import audit, calendar_invite, email_render, labels, scheduling_links, timeutil
from services.errors import RefusedAction
from services.outbox import transport
from services.outbox.transport import header_safe
from services.transactions import one_transaction

# Outbox states of a message that has not gone out yet and still may.
PENDING_STATUSES = (EmailStatus.QUEUED, EmailStatus.RETRYING, EmailStatus.UNCONFIGURED)


class NotificationError(RefusedAction):
    """A message that cannot be queued; the text says why, for people."""


def app_link(path):
    """An absolute link into the app, built from BACKEND_URL (never from a request's Host)."""
    return f"{current_app.config['BACKEND_URL']}{path}"


def interview_link(session_key):
    """The candidate's link: `{BACKEND_URL}/?session_key=…`."""
    return app_link(f"/?session_key={session_key}")


def format_when(instant, tz=None):
    """`Tuesday 15 January 2030, 10:00 AM IST` in `tz` (the display zone by default)."""
    local = timeutil.to_zone(instant, tz or timeutil.zone())
    return f"{local:%A} {local.day} {local:%B %Y, %I:%M %p %Z}"


def _candidate_zone(interview):
    """The candidate's own zone when known and different from the display zone."""
    name = interview.candidate.timezone or (interview.session.candidate_timezone if interview.session else None)
    if not name or not timeutil.is_valid_zone(name) or name == current_app.config["DISPLAY_TIMEZONE"]:
        return None
    return timeutil.zone(name)


def _details(interview, **extra):
    """What every candidate message can mention, snapshotted from the session where there is one."""
    job, session, slot = interview.job, interview.session, interview.slot
    tz = _candidate_zone(interview)
    duration = session.duration_minutes if session else int((interview.ended_at - interview.started_at).total_seconds() // 60)
    interview_type = session.interview_type if session else (slot.ai_interview_type if slot else InterviewType.TECHNICAL)
    return {
        "candidate_name": interview.candidate.full_name,
        "job_title": job.job_title,
        "company_name": job.company_name,
        "when": format_when(interview.started_at),
        "when_candidate": format_when(interview.started_at, tz) if tz else None,
        "candidate_zone": labels.zone(tz.key) if tz else None,
        "duration_minutes": duration,
        "interview_type": labels.interview_type(interview_type),
        "coding_language": labels.language(session.coding_language if session else job.coding_language),
        "link": interview_link(interview.session_key) if interview.session_key else None,
        "early_join_seconds": current_app.config["EARLY_JOIN_SECONDS"],
        "grace_minutes": current_app.config["GRACE_MINUTES"],
        **extra,
    }


def _enqueue(kind, key, to, subject, template, context, *, due=None, ics=None, **about):
    """Add one rendered message to the session (not committed); `about` names the row it concerns
    (`interview_id`, `scheduling_invitation_id`)."""
    to_email, to_name = to
    configured = bool(current_app.config.get("MAIL_SERVER"))
    body_text, body_html = email_render.render(template, **context)
    email = OutboxEmail(
        idempotency_key=key,
        kind=kind,
        to_email=header_safe(to_email),
        to_name=header_safe(to_name),
        subject=header_safe(subject),
        body_text=body_text,
        body_html=body_html,
        ics=ics,
        status=EmailStatus.QUEUED if configured else EmailStatus.UNCONFIGURED,
        next_attempt_at=due or timeutil.now(),
        **about,
    )
    # Serialised now when it goes out now; a reminder due later (and any row queued without SMTP,
    # whose sender is not settled yet) is serialised, and kept, when it is first sent. Either way
    # every attempt sends the same bytes, and a booking pays for one message, not three.
    if configured and due is None:
        transport.store_rendered(email)
    db.session.add(email)
    return email


def _queue(kind, interview, subject, template, context, *, key_suffix="", due=None, to=None, ics=None):
    """A message about `interview`, to its candidate unless `to` (not committed)."""
    key = f"{kind}:{interview.id}:{interview.sequence}{key_suffix}"
    to = to or (interview.candidate.email, interview.candidate.full_name)
    return _enqueue(kind, key, to, subject, template, context, due=due, ics=ics, interview_id=interview.id)


def _subject(prefix, interview):
    return f"{prefix} - {interview.job.job_title} at {interview.job.company_name}"


def _invite(interview, context, method=calendar_invite.REQUEST):
    summary = f"Interview: {context['job_title']} at {context['company_name']}"
    description = render_template("email/invite_description.txt", **context)
    return calendar_invite.build_invite(
        interview,
        method=method,
        summary=summary,
        description=description,
        link=context["link"],
        organizer=transport.default_sender(),
    )


def _queue_invitation_row(interview, key_suffix=""):
    context = _details(interview, manage_link=scheduling_links.manage_link(interview))
    return _queue(
        "invitation",
        interview,
        _subject("Interview Scheduled", interview),
        "invitation",
        context,
        key_suffix=key_suffix,
        ics=_invite(interview, context),
    )


def queue_invitation(interview):
    """The invitation with the link and a calendar invite (and reminders before the interview)."""
    email = _queue_invitation_row(interview)
    queue_reminders(interview)
    return email


def queue_reschedule(interview, old_start):
    """The new time, same link and calendar UID (the caller raised SEQUENCE); reminders re-queued."""
    context = _details(interview, old_when=format_when(old_start), manage_link=scheduling_links.manage_link(interview))
    tz = _candidate_zone(interview)
    context["old_when_candidate"] = format_when(old_start, tz) if tz else None
    cancel_pending_reminders(interview)
    email = _queue(
        "reschedule",
        interview,
        _subject("Interview Rescheduled", interview),
        "reschedule",
        context,
        ics=_invite(interview, context),
    )
    queue_reminders(interview)
    return email


def queue_cancellation(interview):
    """Tells the candidate the interview is off (METHOD:CANCEL); pending reminders are withdrawn."""
    context = _details(interview)
    cancel_pending_reminders(interview)
    return _queue(
        "cancellation",
        interview,
        _subject("Interview Cancelled", interview),
        "cancellation",
        context,
        ics=_invite(interview, context, method=calendar_invite.CANCEL),
    )


def queue_reminders(interview):
    """Reminders REMINDER_HOURS before the start, skipping any whose moment has already passed."""
    now = timeutil.now()
    for hours in current_app.config["REMINDER_HOURS"]:
        due = interview.started_at - timedelta(hours=hours)
        if due <= now:
            continue
        context = _details(interview, hours=hours, manage_link=scheduling_links.manage_link(interview))
        subject = f"Reminder: interview in {hours} hour{'s' if hours != 1 else ''} - {interview.job.job_title} at {interview.job.company_name}"
        _queue("reminder", interview, subject, "reminder", context, key_suffix=f":{hours}h", due=due)


def cancel_pending_reminders(interview):
    """Withdraw reminders not yet sent (after a reschedule or cancellation)."""
    for email in db.session.scalars(
        select(OutboxEmail).where(
            OutboxEmail.interview_id == interview.id, OutboxEmail.kind == "reminder", OutboxEmail.status.in_(PENDING_STATUSES)
        )
    ):
        email.status = EmailStatus.CANCELLED


def queue_recruiter_copy(interview, recruiter):
    """A booking notice to the recruiter who asked for them (User.notify_on_booking)."""
    if recruiter is None or not recruiter.is_enabled or not recruiter.notify_on_booking:
        return None
    context = _details(
        interview,
        recruiter_name=recruiter.display_name,
        candidate_email=interview.candidate.email,
        interview_page_link=app_link(f"/interviews/{interview.id}"),
    )
    subject = f"Booked: {interview.candidate.full_name} - {interview.job.job_title} at {interview.job.company_name}"
    return _queue(
        "recruiter_copy",
        interview,
        subject,
        "recruiter_copy",
        context,
        key_suffix=f":{recruiter.id}",
        to=(recruiter.email, recruiter.display_name),
    )


@one_transaction
def resend_invitation(interview, actor=None):
    """Queue the invitation again with the same link (a new row); a still-pending one is superseded. Commits."""
    if not interview.is_active or not interview.session_key:
        raise NotificationError(f"This interview is {interview.status.replace('_', ' ')}; there is no invitation to resend.")
    for pending in db.session.scalars(
        select(OutboxEmail).where(
            OutboxEmail.interview_id == interview.id,
            OutboxEmail.kind.in_(("invitation", "reschedule")),
            OutboxEmail.status.in_(PENDING_STATUSES),
        )
    ):
        pending.status = EmailStatus.CANCELLED
        pending.last_error = "Superseded by a resend."
    email = _queue_invitation_row(interview, key_suffix=f":resend-{secrets.token_hex(6)}")
    audit.record("interview.invitation_resent", interview, actor=actor)
    db.session.commit()
    return email


def interview_emails(interview):
    """The interview's messages, newest first, for the recruiter's view."""
    return db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.interview_id == interview.id)
        .order_by(OutboxEmail.created_at.desc(), OutboxEmail.kind)
    ).all()


def queue_completion_notice(interview):
    """Tells the recruiter who booked the interview that the candidate finished it."""
    recruiter = db.session.get(User, interview.created_by_id) if interview.created_by_id else None
    if recruiter is None or not recruiter.is_enabled:
        return None
    context = _details(
        interview, recruiter_name=recruiter.display_name, review_link=app_link(f"/interviews/{interview.id}/review")
    )
    subject = f"Interview completed - {interview.candidate.full_name}"
    return _queue("completed", interview, subject, "completed", context, to=(recruiter.email, recruiter.display_name))


def queue_account_email(user, kind, subject, **context):
    """A message about the user's own account (templates/email/<kind>.txt and .html), e.g. a reset link."""
    context = {
        "name": user.display_name,
        "email": user.email,
        "when": format_when(timeutil.now()),
        "sign_in_link": app_link("/login"),
        **context,
    }
    key = f"{kind}:{user.id}:{secrets.token_hex(8)}"
    return _enqueue(kind, key, (user.email, user.full_name), f"Interview scheduler: {subject}", kind, context)


def _queue_invitation_message(kind, invitation, subject, template, context, to=None, interview_id=None):
    """Add one message about a scheduling invitation (to its candidate unless `to`), not committed."""
    candidate = invitation.candidate
    key = f"{kind}:{invitation.id}:{secrets.token_hex(8)}"
    return _enqueue(
        kind,
        key,
        to or (candidate.email, candidate.full_name),
        subject,
        template,
        context,
        interview_id=interview_id,
        scheduling_invitation_id=invitation.id,
    )


def _invitation_context(invitation, **extra):
    job = invitation.job
    return {
        "candidate_name": invitation.candidate.full_name,
        "job_title": job.job_title,
        "company_name": job.company_name,
        "duration_minutes": job.duration_minutes,
        "expires": format_when(invitation.expires_at),
        **extra,
    }


def queue_scheduling_invitation(invitation, link):
    """The invitation to pick a time, with its `link` (scheduling_links.new_link)."""
    context = _invitation_context(invitation, link=link)
    subject = f"Pick a time for your interview - {invitation.job.job_title} at {invitation.job.company_name}"
    return _queue_invitation_message("scheduling_invitation", invitation, subject, "scheduling_invitation", context)


def queue_waitlist_opening(invitation):
    """Tells a waitlisted candidate that a time opened up (first to book it wins)."""
    context = _invitation_context(invitation, link=scheduling_links.new_link(invitation.id))
    subject = f"A time opened up - {invitation.job.job_title} at {invitation.job.company_name}"
    return _queue_invitation_message("waitlist_opening", invitation, subject, "waitlist_opening", context)


def queue_self_service_notice(invitation, what, interview_id, start_at, old_start=None, reason=""):
    """Tells the recruiter who sent the invitation that the candidate booked, moved or cancelled."""
    recruiter = invitation.created_by
    if recruiter is None or not recruiter.is_enabled:
        return None
    context = _invitation_context(
        invitation,
        recruiter_name=recruiter.display_name,
        what=what,
        when=format_when(start_at),
        old_when=format_when(old_start) if old_start else None,
        reason=reason,
        interview_link=f"{current_app.config['BACKEND_URL']}/interviews/{interview_id}",
    )
    subject = f"{invitation.candidate.full_name} {what} - {invitation.job.job_title}"
    return _queue_invitation_message(
        "self_service_notice",
        invitation,
        subject,
        "self_service_notice",
        context,
        to=(recruiter.email, recruiter.display_name),
        interview_id=interview_id,
    )


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
    EmailStatus.QUEUED: "Invitation queued; it goes out in a moment.",
    EmailStatus.SENDING: "Invitation being sent.",
    EmailStatus.SENT: "Invitation sent.",
    EmailStatus.RETRYING: "Invitation delivery is retrying.",
    EmailStatus.FAILED: "Invitation failed to send; copy the link and send it yourself.",
    EmailStatus.UNCONFIGURED: "SMTP not configured; the invitation waits in the outbox.",
    EmailStatus.CANCELLED: "Invitation withdrawn.",
}


def email_state_text(email):
    """A sentence about an invitation's delivery state."""
    if email is None:
        return "No invitation e-mail."
    return EMAIL_STATE_TEXT.get(email.status, email.status)


# Waiting for a configured SMTP server: not delivered yet, but it will be without anyone acting.
QUEUED_FOR_SMTP = (EmailStatus.QUEUED, EmailStatus.SENDING, EmailStatus.RETRYING)


def email_was_sent(email):
    """The API's `email_sent`: delivered, or queued for a configured SMTP server (not unconfigured or failed)."""
    if email is None:
        return False
    return email.status == EmailStatus.SENT or (email.status in QUEUED_FOR_SMTP and transport.is_configured())
