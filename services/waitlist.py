"""The waitlist of a job: candidates whose scheduling link found no time that fits.

When seats appear (a cancellation, a reschedule freeing a seat, new or larger slots) the caller's
transaction calls notify_openings: in the order they joined, a few waiting candidates per free seat
(WAITLIST_NOTICES_PER_SEAT) are told by an e-mail with a link of their own, the others keep their
place for the next opening; the first to book wins and the others' links stay valid (a candidate
who finds the time gone may join again, at the back). Each entry is marked notified by a
conditional UPDATE, so two openings at once never send one person two e-mails.
"""

from flask import current_app
from sqlalchemy import and_, delete, select, update

from models import Job, WaitlistEntry, db
from services import job_rules, notifications, timeutil


def waiting_entry(invitation):
    """The invitation's entry while it waits (not yet told of an opening), or None."""
    return db.session.scalar(
        select(WaitlistEntry).where(WaitlistEntry.invitation_id == invitation.id, WaitlistEntry.notified_at.is_(None))
    )


def add(invitation, now):
    """Put the invitation at the back of its job's waitlist (again, if it was told before); not committed."""
    entry = db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.invitation_id == invitation.id))
    if entry is None:
        entry = WaitlistEntry(invitation_id=invitation.id, job_id=invitation.job_id)
        db.session.add(entry)
    entry.joined_at, entry.notified_at = now, None
    return entry


def remove(invitation):
    """Take the invitation off the waitlist (it booked); not committed."""
    db.session.execute(delete(WaitlistEntry).where(WaitlistEntry.invitation_id == invitation.id))


def notify_openings(job_id):
    """Tell the job's waiting candidates, in join order, when seats they could book exist now: as
    many as there are free seats times WAITLIST_NOTICES_PER_SEAT; the rest wait for the next opening.

    Called inside the transaction that made the seat; costs one indexed query when nobody waits.
    Returns how many were told.
    """
    if db.session.scalar(select(WaitlistEntry.id).where(_waiting(job_id)).limit(1)) is None:
        return 0
    now = timeutil.now()
    job = db.session.get(Job, job_id)
    if job.is_archived:
        return 0
    quota = job_rules.open_seats(job, now) * current_app.config["WAITLIST_NOTICES_PER_SEAT"]
    told = 0
    while told < quota:
        batch = db.session.scalars(
            select(WaitlistEntry).where(_waiting(job_id)).order_by(WaitlistEntry.joined_at, WaitlistEntry.id).limit(quota - told)
        ).all()
        claimed_any = False
        for entry in batch:
            claimed = db.session.execute(
                update(WaitlistEntry)
                .where(WaitlistEntry.id == entry.id, WaitlistEntry.notified_at.is_(None))
                .values(notified_at=now)
                .execution_options(synchronize_session=False)
            )
            claimed_any = claimed_any or claimed.rowcount == 1
            # An entry whose link is used up or expired leaves the list without taking a notice.
            if claimed.rowcount == 1 and entry.invitation.is_unused and entry.invitation.expires_at > now:
                notifications.queue_waitlist_opening(entry.invitation)
                told += 1
        if not claimed_any:  # nobody left waiting (or all claimed by an opening at the same moment)
            break
    return told


def _waiting(job_id):
    return and_(WaitlistEntry.job_id == job_id, WaitlistEntry.notified_at.is_(None))
