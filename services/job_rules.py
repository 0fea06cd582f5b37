"""A job's rules for candidates who schedule themselves: which slots a scheduling link offers,
and until when a booking made that way may be changed. Admins edit them on the job form."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from models import InterviewSlot, SlotStatus, db


@dataclass(frozen=True)
class Rule:
    """One editable rule: its column on Job, its label and hint for the form, its bounds."""

    name: str
    label: str
    hint: str
    low: int
    high: int


RULES = (
    Rule("min_notice_hours", "Minimum notice (hours)", "A slot is offered only this long ahead of its start.", 0, 720),
    Rule("booking_horizon_days", "Offer slots up to (days ahead)", "Slots further ahead are not offered yet.", 1, 365),
    Rule(
        "change_cutoff_hours", "Changes close (hours before the start)", "Later, the candidate is told whom to contact.", 0, 720
    ),
    Rule("max_self_reschedules", "Reschedules a candidate may make", "0 means the candidate cannot move the time.", 0, 20),
    Rule("invitation_expiry_days", "Invitation links expire after (days)", "An unused link stops working then.", 1, 90),
    Rule("retakes_allowed", "Retakes after a missed interview", "0 means the expired link says to contact you.", 0, 10),
)
RULE_NAMES = tuple(rule.name for rule in RULES)
SLOT_OFFER_LIMIT = 500  # more than two weeks of any real job's slots


def offer_window(job, now):
    """(earliest, latest) start a scheduling link offers now."""
    return now + timedelta(hours=job.min_notice_hours), now + timedelta(days=job.booking_horizon_days)


def offerable_slots(job, now, limit=SLOT_OFFER_LIMIT):
    """The job's slots a candidate may pick now: not full, not cancelled, inside the window; soonest first.

    Rows of (id, start_at, end_at), all a picker shows: a job may offer a thousand, and whole ORM
    objects would cost most of the page.
    """
    return list(
        db.session.execute(
            select(InterviewSlot.id, InterviewSlot.start_at, InterviewSlot.end_at)
            .where(*_offerable(job, now))
            .order_by(InterviewSlot.start_at, InterviewSlot.id)
            .limit(limit)
        )
    )


def open_seats(job, now, limit=SLOT_OFFER_LIMIT):
    """Free seats a link could book now, in one query over the job's `limit` soonest offerable slots."""
    free = (
        select((InterviewSlot.max_candidates - InterviewSlot.current_bookings).label("seats"))
        .where(*_offerable(job, now))
        .order_by(InterviewSlot.start_at, InterviewSlot.id)
        .limit(limit)
        .subquery()
    )
    return db.session.scalar(select(func.coalesce(func.sum(free.c.seats), 0)))


def _offerable(job, now):
    """The conditions of a slot a link offers now."""
    earliest, latest = offer_window(job, now)
    return (
        InterviewSlot.job_id == job.id,
        InterviewSlot.status != SlotStatus.CANCELLED,
        InterviewSlot.current_bookings < InterviewSlot.max_candidates,
        InterviewSlot.start_at >= earliest,
        InterviewSlot.start_at <= latest,
    )


def within_window(slot, job, now):
    """True when `slot` starts inside the job's offer window (seats and status aside)."""
    earliest, latest = offer_window(job, now)
    return earliest <= slot.start_at <= latest


def change_deadline(interview, job):
    """The last moment the candidate may reschedule or cancel `interview` themselves."""
    return interview.started_at - timedelta(hours=job.change_cutoff_hours)
