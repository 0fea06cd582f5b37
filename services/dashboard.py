"""The interviews dashboard: counts and today / upcoming / past lists in a constant number of queries."""
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import Interview, InterviewStatus, db
from services import booking, timeutil

SECTION_LIMIT = 50


@dataclass
class Dashboard:
    counts: dict
    by_status: dict
    today: list
    upcoming: list
    past: list
    emails: dict
    job_id: str | None
    status: str | None


def interviews_dashboard(tz, job_id=None, status=None):
    """Interviews grouped by local day in `tz`, optionally for one job and one status."""
    now = timeutil.now()
    today = timeutil.to_zone(now, tz).date()
    day_start = timeutil.start_of_day(today, tz)
    day_end = timeutil.start_of_day(today + timedelta(days=1), tz)
    try:
        job_uuid = uuid.UUID(job_id) if job_id else None
    except ValueError:
        job_uuid = None
    status = status if status in InterviewStatus.values() else None

    job_filter = [Interview.job_id == job_uuid] if job_uuid is not None else []
    filters = job_filter + ([Interview.status == status] if status is not None else [])
    # Counts by status ignore the status filter, so they still show where the others are.
    by_status = dict(
        db.session.execute(select(Interview.status, func.count(Interview.id)).where(*job_filter).group_by(Interview.status)).all()
    )
    timed = [*filters, Interview.started_at.is_not(None)]
    counts = dict(
        zip(
            ("today", "upcoming", "past"),
            db.session.execute(
                select(
                    func.count(Interview.id).filter(Interview.started_at >= day_start, Interview.started_at < day_end),
                    func.count(Interview.id).filter(Interview.started_at >= day_end),
                    func.count(Interview.id).filter(Interview.started_at < day_start),
                ).where(*timed)
            ).one(),
        )
    )

    def section(*conditions, newest_first=False):
        order = Interview.started_at.desc() if newest_first else Interview.started_at
        return db.session.scalars(
            select(Interview)
            .where(*timed, *conditions)
            .options(selectinload(Interview.job), selectinload(Interview.session))
            .order_by(order)
            .limit(SECTION_LIMIT)
        ).all()

    today_rows = section(Interview.started_at >= day_start, Interview.started_at < day_end)
    upcoming = section(Interview.started_at >= day_end)
    past = section(Interview.started_at < day_start, newest_first=True)
    emails = booking.invitation_emails([i.id for i in (*today_rows, *upcoming, *past)])
    return Dashboard(counts, by_status, today_rows, upcoming, past, emails, str(job_uuid) if job_uuid else None, status)
