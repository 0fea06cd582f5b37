"""The waitlist of a job: candidates whose scheduling link found no time that fits.

When seats appear (a cancellation, a reschedule freeing a seat, new or larger slots) the caller's
transaction calls notify_openings: every waiting candidate is told, in the order they joined, by
an e-mail with a link of their own; the first to book wins and the others' links stay valid (a
candidate who finds the time gone may join again, at the back). Each entry is marked notified by
a conditional UPDATE, so two openings at once never send one person two e-mails.
"""

from sqlalchemy import delete, select, update

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
    """Tell the job's waiting candidates, in join order, when a slot they could book exists now.

    Called inside the transaction that made the seat; costs one indexed query when nobody waits.
    """
    waiting = db.session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.job_id == job_id, WaitlistEntry.notified_at.is_(None))
        .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
    ).all()
    if not waiting:
        return 0
    now = timeutil.now()
    job = db.session.get(Job, job_id)
    if job.is_archived or not job_rules.offerable_slots(job, now, limit=1):
        return 0
    told = 0
    for entry in waiting:
        claimed = db.session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry.id, WaitlistEntry.notified_at.is_(None))
            .values(notified_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1 and entry.invitation.is_unused and entry.invitation.expires_at > now:
            notifications.queue_waitlist_opening(entry.invitation)
            told += 1
    return told
