"""Candidates schedule themselves: invitations, the booking page's choices, booking, rescheduling
and cancelling from the link, the waitlist and retakes.

An invitation's state changes by conditional UPDATEs on its row (sent → opened → booked, revoke
only from the state the recruiter saw, one booking per invitation); the interview itself goes
through services/booking (atomic seat claim, interview locks), in the same transaction.
Every refusal is a ServiceError the pages and the API answer alike.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from models import (
    ACTIVE_INTERVIEW_STATUSES,
    UNUSED_INVITATION_STATUSES,
    Interview,
    InterviewSession,
    InterviewSlot,
    InterviewStatus,
    InvitationStatus,
    Job,
    OutboxEmail,
    SchedulingInvitation,
    db,
)
from services import audit, booking, job_rules, notifications, portal, scheduling_links, timeutil, waitlist
from services.errors import RefusedAction, ServiceError
from services.slots.crud import state_of
from services.transactions import one_transaction, take_open_job
from services.validation import parse_uuid

SELF_BOOKED_NOTE = "Booked by the candidate from a scheduling link."
REASON_MAX = 1000


class DeadLink(ServiceError):
    """Unknown, malformed, revoked or expired link: one message for all, 404 or 410."""

    status = 404
    code = "invalid_link"
    message = "This scheduling link is not valid. If you were invited to an interview, ask the recruiter for a new link."


class RoleClosed(RefusedAction):
    status = 410
    code = "role_closed"
    message = "This role is closed, so no interviews can be booked for it."


class TimeNotOffered(RefusedAction):
    """The slot is not one the link offers (another job's, outside the rules, unknown)."""

    code = "time_not_offered"
    message = "That time is not offered; pick one of the times shown."


class TimeTaken(RefusedAction):
    """The slot filled, was cancelled or started meanwhile: the page refreshes its list."""

    code = "time_taken"
    message = "That time was just taken, pick another."


class ChangesClosed(RefusedAction):
    code = "changes_closed"


class NothingBooked(RefusedAction):
    code = "nothing_booked"
    message = "There is no booked interview to change."


class InvitationChanged(RefusedAction):
    code = "changed_meanwhile"


class BookedInvitation(RefusedAction):
    code = "booked"
    message = "The candidate booked from this invitation; cancel or move the interview instead."


# --- the recruiter's side --------------------------------------------------------------------


def _revoke_older(candidate_id, job_id, now, keep_id):
    """Revoke every live invitation of the candidate for the job but `keep_id` (a re-invite)."""
    older = db.session.scalars(
        select(SchedulingInvitation).where(
            SchedulingInvitation.candidate_id == candidate_id,
            SchedulingInvitation.job_id == job_id,
            SchedulingInvitation.id != keep_id,
            SchedulingInvitation.status.not_in((InvitationStatus.REVOKED, InvitationStatus.EXPIRED)),
        )
    ).all()
    for invitation in older:
        invitation.status, invitation.status_changed_at = InvitationStatus.REVOKED, now
        audit.record("scheduling.revoked", invitation, reason="replaced by a new invitation")


def _new_invitation(candidate, job, actor_id, now, *, retake=False, expires_at=None):
    if not take_open_job(job):
        raise RoleClosed()
    invitation = SchedulingInvitation(
        candidate=candidate,
        job=job,
        status=InvitationStatus.SENT,
        status_changed_at=now,
        expires_at=expires_at or now + timedelta(days=job.invitation_expiry_days),
        created_by_id=actor_id,
        is_retake=retake,
    )
    db.session.add(invitation)
    db.session.flush()
    _revoke_older(candidate.id, job.id, now, invitation.id)
    return invitation


def add_invitation(candidate, job, *, actor, now, expires_at=None):
    """A new invitation with its e-mail queued and audited, in the caller's transaction; revokes
    older links. Returns (invitation, link): the link is the one its e-mail carries."""
    invitation = _new_invitation(candidate, job, getattr(actor, "id", None), now, expires_at=expires_at)
    link = scheduling_links.new_link(invitation.id)
    notifications.queue_scheduling_invitation(invitation, link)
    audit.record("scheduling.invited", invitation, actor=actor, candidate=candidate.id, job=invitation.job_id)
    return invitation, link


@one_transaction
def invite(candidate, *, actor=None, job=None, expires_at=None):
    """Invite `candidate` to pick a slot of `job` (their own job by default); revokes older links.

    Returns (invitation, link); `expires_at` replaces the job's expiry (the API's option)."""
    invitation, link = add_invitation(candidate, job or candidate.job, actor=actor, now=timeutil.now(), expires_at=expires_at)
    db.session.commit()
    return invitation, link


@one_transaction
def resend(invitation, *, actor=None):
    """Send the invitation again with a new link (older links keep working) and a fresh expiry.

    Returns (invitation, the new link)."""
    now = timeutil.now()
    _expire_if_due(invitation, now)
    if invitation.job.is_archived:
        raise RoleClosed()
    # One conditional UPDATE decides: a booking or revoke committed meanwhile wins (no new link is
    # mailed for a used invitation); on PostgreSQL it waits for one in progress first.
    renewed = db.session.execute(
        update(SchedulingInvitation)
        .where(SchedulingInvitation.id == invitation.id, SchedulingInvitation.status.in_(UNUSED_INVITATION_STATUSES))
        .values(expires_at=now + timedelta(days=invitation.job.invitation_expiry_days))
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(invitation)
    if renewed.rowcount != 1:
        raise RefusedAction(f"This invitation is {state_label(invitation.status).lower()}; send a new one instead.")
    db.session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.scheduling_invitation_id == invitation.id,
            OutboxEmail.kind == "scheduling_invitation",
            OutboxEmail.status.in_(notifications.PENDING_STATUSES),
        )
        .values(status="cancelled", last_error="Superseded by a resend.")
        .execution_options(synchronize_session=False)
    )
    link = scheduling_links.new_link(invitation.id)
    notifications.queue_scheduling_invitation(invitation, link)
    audit.record("scheduling.resent", invitation, actor=actor)
    db.session.commit()
    return invitation, link


@one_transaction
def revoke(invitation, *, actor=None, seen_status=None):
    """Stop the invitation's links working, from the state the recruiter saw (`seen_status`, by
    default the loaded one): a booking meanwhile wins. A booked one is refused: its links manage
    the interview, which is cancelled or moved instead."""
    seen = seen_status or invitation.status
    if InvitationStatus.BOOKED in (invitation.status, seen):
        raise BookedInvitation()
    if seen == InvitationStatus.REVOKED:
        raise RefusedAction("This invitation is already revoked.")
    now = timeutil.now()
    result = db.session.execute(
        update(SchedulingInvitation)
        .where(SchedulingInvitation.id == invitation.id, SchedulingInvitation.status == seen)  # never booked
        .values(status=InvitationStatus.REVOKED, status_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(invitation)
    if result.rowcount != 1:
        raise InvitationChanged(
            f"The invitation changed meanwhile (now {state_label(invitation.status).lower()}); nothing was changed."
        )
    waitlist.remove(invitation)
    audit.record("scheduling.revoked", invitation, actor=actor)
    db.session.commit()
    return invitation


def invitations_for(candidate):
    """The candidate's invitations, newest first, each with its state as of now."""
    invitations = db.session.scalars(
        select(SchedulingInvitation)
        .where(SchedulingInvitation.candidate_id == candidate.id)
        .order_by(SchedulingInvitation.created_at.desc())
    ).all()
    now = timeutil.now()
    return [InvitationState(invitation, *effective_state(invitation, now)) for invitation in invitations]


@dataclass
class InvitationState:
    invitation: SchedulingInvitation
    status: str
    changed_at: object


def effective_state(invitation, now):
    """(status, when it changed): an unused invitation past its expiry reads as expired."""
    if invitation.is_unused and invitation.expires_at <= now:
        return InvitationStatus.EXPIRED, invitation.expires_at
    return invitation.status, invitation.status_changed_at


STATE_LABELS = {"sent": "Sent", "opened": "Opened", "booked": "Booked", "expired": "Expired", "revoked": "Revoked"}


def state_label(status):
    return STATE_LABELS.get(status, status)


# --- the candidate's side --------------------------------------------------------------------


def _expire_if_due(invitation, now):
    """Record the expiry of an unused invitation past its time (a conditional UPDATE)."""
    if not (invitation.is_unused and invitation.expires_at <= now):
        return
    db.session.execute(
        update(SchedulingInvitation)
        .where(
            SchedulingInvitation.id == invitation.id,
            SchedulingInvitation.status.in_(UNUSED_INVITATION_STATUSES),
            SchedulingInvitation.expires_at <= now,
        )
        .values(status=InvitationStatus.EXPIRED, status_changed_at=SchedulingInvitation.expires_at)
        .execution_options(synchronize_session=False)
    )
    audit.record("scheduling.expired", invitation)
    db.session.commit()
    db.session.refresh(invitation)


def find_link(raw):
    """The invitation of a raw token, as of now; DeadLink (404 unknown, 410 revoked or expired)."""
    invitation = scheduling_links.find_invitation(raw)
    if invitation is None:
        raise DeadLink()
    _expire_if_due(invitation, timeutil.now())
    if invitation.status in (InvitationStatus.REVOKED, InvitationStatus.EXPIRED):
        raise DeadLink(status=410)
    return invitation


def active_interview(invitation):
    """The candidate's active interview for the invitation's job (booked from any source), or None."""
    return db.session.scalar(
        select(Interview)
        .where(
            Interview.candidate_id == invitation.candidate_id,
            Interview.job_id == invitation.job_id,
            Interview.status.in_(ACTIVE_INTERVIEW_STATUSES),
        )
        .limit(1)
    )


def booked_interview(invitation):
    """The interview booked from the invitation, latest first, whatever its state now; or None."""
    return db.session.scalar(
        select(Interview)
        .where(Interview.scheduling_invitation_id == invitation.id)
        .order_by(Interview.created_at.desc())
        .limit(1)
    )


@dataclass
class Day:
    """A day with openings, in the viewer's zone: its date and its slots (soonest first)."""

    day: date
    slots: list = field(default_factory=list)


def days_of(slots, tz):
    """`slots` (soonest first) grouped by their day in `tz`, for the slot picker."""
    days = {}
    for slot in slots:
        local_day = timeutil.to_zone(slot.start_at, tz).date()
        days.setdefault(local_day, Day(local_day)).slots.append(slot)
    return list(days.values())


def offered_days(job, tz, now):
    """The slots a link offers now, grouped by day in `tz`."""
    return days_of(job_rules.offerable_slots(job, now), tz)


@dataclass
class LinkPage:
    """What GET /schedule/<token> shows: `mode` is pick, manage, closed or over."""

    mode: str
    invitation: SchedulingInvitation
    interview: Interview | None = None
    can_change: bool = False
    reschedules_left: int = 0
    change_deadline: object = None
    on_waitlist: bool = False


def open_link(raw):
    """The page a link opens now (records `opened` the first time); DeadLink for a dead one."""
    invitation = find_link(raw)
    now = timeutil.now()
    if invitation.status == InvitationStatus.SENT:
        opened = db.session.execute(
            update(SchedulingInvitation)
            .where(SchedulingInvitation.id == invitation.id, SchedulingInvitation.status == InvitationStatus.SENT)
            .values(status=InvitationStatus.OPENED, status_changed_at=now)
            .execution_options(synchronize_session=False)
        )
        if opened.rowcount == 1:
            audit.record("scheduling.opened", invitation)
        db.session.commit()
        db.session.refresh(invitation)
    return link_page(invitation, now)


def link_page(invitation, now):
    """The LinkPage of a live invitation at `now` (no writes)."""
    interview = active_interview(invitation)
    if interview is not None:
        job = invitation.job
        deadline = job_rules.change_deadline(interview, job)
        left = max(job.max_self_reschedules - invitation.reschedules_used, 0)
        can_change = interview.status == InterviewStatus.SCHEDULED and now < deadline
        return LinkPage("manage", invitation, interview, can_change, left, deadline)
    if invitation.status == InvitationStatus.BOOKED:
        return LinkPage("over", invitation, booked_interview(invitation))
    if invitation.job.is_archived:
        return LinkPage("closed", invitation)
    return LinkPage("pick", invitation, on_waitlist=waitlist.waiting_entry(invitation) is not None)


def _slot_for(invitation, slot_id, now):
    """The slot the candidate picked, if the link offers it: TimeTaken or TimeNotOffered otherwise."""
    uuid_value = parse_uuid(slot_id)
    slot = db.session.get(InterviewSlot, uuid_value) if uuid_value else None
    if slot is None or slot.job_id != invitation.job_id:
        raise TimeNotOffered(fields={"slot_id": TimeNotOffered.message})
    if state_of(slot, now) != "available":
        raise TimeTaken(fields={"slot_id": TimeTaken.message})
    if not job_rules.within_window(slot, invitation.job, now):
        raise TimeNotOffered(fields={"slot_id": TimeNotOffered.message})
    return slot


def _as_time_taken(error):
    """booking's refusals of a seat (full, cancelled, started) as the page's 'just taken'."""
    if isinstance(error, (booking.SlotFull, booking.SlotCancelled, booking.SlotInPast)):
        return TimeTaken(fields={"slot_id": TimeTaken.message})
    return error


def _claim_for_booking(invitation, now):
    """sent/opened → booked by one conditional UPDATE: one booking per invitation, revoke or expiry win if first."""
    claimed = db.session.execute(
        update(SchedulingInvitation)
        .where(
            SchedulingInvitation.id == invitation.id,
            SchedulingInvitation.status.in_(UNUSED_INVITATION_STATUSES),
            SchedulingInvitation.expires_at > now,
        )
        .values(status=InvitationStatus.BOOKED, status_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount == 1:
        return
    db.session.rollback()
    db.session.refresh(invitation)
    _refuse_used(invitation)


def _refuse_used(invitation):
    """The refusal for a link that can no longer book: it booked already, or it was revoked or expired."""
    if invitation.status == InvitationStatus.BOOKED:
        raise booking.AlreadyBooked("This link has already booked an interview.", code="already_booked")
    raise DeadLink(status=410)


@one_transaction
def book(invitation, slot_id):
    """Book the candidate of `invitation` into the picked slot through booking.book_interview,
    one transaction with the invitation's change, the recruiter's notice and the audit."""
    now = timeutil.now()
    job, candidate = invitation.job, invitation.candidate
    if job.is_archived:
        raise RoleClosed()
    existing = active_interview(invitation)
    if existing is not None:
        raise booking.already_scheduled(candidate.full_name, existing)
    if not invitation.is_unused:
        _refuse_used(invitation)  # revoked or booked since the page was opened, say
    slot = _slot_for(invitation, slot_id, now)
    _claim_for_booking(invitation, now)
    # A pending interview tied to the invitation, which book_interview fills (the API's two-step
    # flow): the link is on it from the start, so the invitation e-mail carries the manage link.
    interview = Interview(
        candidate=candidate,
        job=job,
        status=InterviewStatus.PENDING,
        created_by_id=invitation.created_by_id,
        scheduling_invitation_id=invitation.id,
    )
    db.session.add(interview)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise booking.AlreadyScheduled("You already have an interview booked for this role.", None) from None
    waitlist.remove(invitation)
    notifications.queue_self_service_notice(invitation, "booked an interview", interview.id, slot.start_at)
    audit.record("scheduling.booked", invitation, interview=interview.id, slot=slot.id)
    try:
        return booking.book_interview(candidate, slot, notes=SELF_BOOKED_NOTE, interview=interview)
    except booking.BookingError as error:
        raise _as_time_taken(error) from None


def _changeable(invitation, now):
    """The active interview the link may still change now, or the refusal that says why not.

    Decided on one read: two could straddle a cancel committed between them (reads outside a
    write transaction see each commit), and the second would call a cancelled booking closed."""
    page = link_page(invitation, now)
    if page.mode != "manage":
        raise NothingBooked()
    if not page.can_change:
        raise ChangesClosed(f"Changes closed {timeutil.format_local(page.change_deadline)}; {contact_line(invitation)}")
    return page.interview


def contact_line(invitation):
    """Whom the candidate contacts when the link can no longer change a booking."""
    recruiter = invitation.created_by
    if recruiter is not None and recruiter.is_enabled:
        return f"please contact {recruiter.display_name} ({recruiter.email})."
    return f"please reply to the e-mail you received from {invitation.job.company_name}."


@one_transaction
def reschedule(invitation, slot_id):
    """Move the link's booked interview to another offered slot (same portal link, higher SEQUENCE)."""
    now = timeutil.now()
    interview = _changeable(invitation, now)
    seen_used = invitation.reschedules_used
    if seen_used >= invitation.job.max_self_reschedules:
        raise ChangesClosed(f"This interview cannot be moved from the link any more; {contact_line(invitation)}")
    slot = _slot_for(invitation, slot_id, now)
    if slot.id == interview.slot_id:
        raise TimeNotOffered("That is the time you already have; pick another.", fields={"slot_id": "Pick another time."})
    counted = db.session.execute(
        update(SchedulingInvitation)
        .where(
            SchedulingInvitation.id == invitation.id,
            SchedulingInvitation.reschedules_used == seen_used,
            SchedulingInvitation.status != InvitationStatus.REVOKED,
        )
        .values(reschedules_used=SchedulingInvitation.reschedules_used + 1)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount != 1:
        raise InvitationChanged("This booking was changed meanwhile; reload the page.")
    if interview.scheduling_invitation_id != invitation.id:
        # Booked by a recruiter: from now on its e-mails carry this link to manage it.
        interview.scheduling_invitation_id = invitation.id
    notifications.queue_self_service_notice(
        invitation, "moved their interview", interview.id, slot.start_at, old_start=interview.started_at
    )
    audit.record("scheduling.rescheduled", invitation, interview=interview.id, slot=slot.id)
    try:
        return booking.reschedule_interview(interview, slot)
    except booking.BookingError as error:
        raise _as_time_taken(error) from None


@one_transaction
def cancel(invitation, reason=""):
    """Cancel the link's booked interview (its seat freed, the candidate and the recruiter told)."""
    now = timeutil.now()
    interview = _changeable(invitation, now)
    reason = " ".join(str(reason or "").split())[:REASON_MAX]
    notifications.queue_self_service_notice(
        invitation, "cancelled their interview", interview.id, interview.started_at, reason=reason
    )
    audit.record("scheduling.cancelled", invitation, interview=interview.id)
    return booking.cancel_interview(interview, reason=reason or "cancelled by the candidate")


@one_transaction
def join_waitlist(invitation):
    """Put a link with no fitting time on its job's waitlist; refused while times are offered."""
    now = timeutil.now()
    page = link_page(invitation, now)
    if page.mode == "closed":
        raise RoleClosed()
    if page.mode != "pick":
        raise booking.AlreadyBooked("This link has already booked an interview.", code="already_booked")
    if job_rules.offerable_slots(invitation.job, now, limit=1):
        raise RefusedAction("Times are open: pick one of them.", code="times_open")
    waitlist.add(invitation, now)
    try:
        db.session.flush()
    except IntegrityError:  # a second click joined meanwhile
        db.session.rollback()
        return
    audit.record("scheduling.waitlisted", invitation)
    db.session.commit()


# --- retakes after a missed interview ---------------------------------------------------------


def _missed_interview(session_key, now):
    session = portal.find_session(session_key)
    if session is None or session.interview is None or portal.portal_state(session, now) != portal.EXPIRED:
        return None
    return session.interview


def retakes_left(session_key, now=None):
    """How many more times the candidate of a missed (expired) interview may pick a new time."""
    now = now or timeutil.now()
    row = db.session.execute(
        select(Interview.candidate_id, Interview.job_id, Job.retakes_allowed, Job.archived_at)
        .join(InterviewSession, InterviewSession.interview_id == Interview.id)
        .join(Job, Job.id == Interview.job_id)
        .where(InterviewSession.session_key == session_key)
    ).first()
    if row is None or row.archived_at is not None or row.retakes_allowed == 0:
        return 0
    used = db.session.scalar(
        select(func.count(SchedulingInvitation.id)).where(
            SchedulingInvitation.candidate_id == row.candidate_id,
            SchedulingInvitation.job_id == row.job_id,
            SchedulingInvitation.is_retake.is_(True),
        )
    )
    return max(row.retakes_allowed - used, 0)


@one_transaction
def start_retake(session_key):
    """From a missed interview's portal page: a new scheduling link (a retake, if the job allows one left).

    Returns a raw token to redirect to; a second click, even at the same moment, reuses the live
    retake invitation."""
    now = timeutil.now()
    interview = _missed_interview(session_key, now)
    if interview is None:
        raise DeadLink()
    # The job's row lock before looking (_new_invitation takes it too): a second click at once
    # waits here, then finds the first one's invitation instead of spending another retake. An
    # archived job is refused below (no retakes left), so the lock's answer is not needed here.
    take_open_job(interview.job)
    live = db.session.scalar(
        select(SchedulingInvitation)
        .where(
            SchedulingInvitation.candidate_id == interview.candidate_id,
            SchedulingInvitation.job_id == interview.job_id,
            SchedulingInvitation.is_retake.is_(True),
            SchedulingInvitation.status.in_(UNUSED_INVITATION_STATUSES),
            SchedulingInvitation.expires_at > now,
        )
        .limit(1)
    )
    if live is None:
        if retakes_left(session_key, now) == 0:
            raise RefusedAction(
                f"This role allows no more retakes; please reply to the e-mail from {interview.job.company_name}.",
                code="no_retakes",
            )
        live = _new_invitation(interview.candidate, interview.job, interview.created_by_id, now, retake=True)
        notifications.queue_scheduling_invitation(live, scheduling_links.new_link(live.id))
        audit.record("scheduling.retake_started", live, interview=interview.id)
    raw = scheduling_links.mint(live.id)
    db.session.commit()
    return raw
