"""The interviews dashboard: counts and today / upcoming / past lists in a constant number of queries."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Interview, InterviewStatus, db
from services import notifications, paging, timeutil

SECTION_LIMIT = 50
COUNT_CAP = 1_000  # counts above it read "1,000+"


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
    status = status if status in list(InterviewStatus) else None

    job_filter = [Interview.job_id == job_uuid] if job_uuid is not None else []
    filters = job_filter + ([Interview.status == status] if status is not None else [])
    timed = [*filters, Interview.started_at.is_not(None)]
    by_time = {
        "today": [Interview.started_at >= day_start, Interview.started_at < day_end],
        "upcoming": [Interview.started_at >= day_end],
        "past": [Interview.started_at < day_start],
    }
    statuses = list(InterviewStatus)
    # Capped counts read at most COUNT_CAP + 1 index entries each; counts by status ignore the
    # status filter, so they still show where the others are.
    values = paging.capped_counts(
        [select(Interview.id).where(*timed, *conditions) for conditions in by_time.values()]
        + [select(Interview.id).where(*job_filter, Interview.status == value) for value in statuses],
        cap=COUNT_CAP,
    )
    counts = dict(zip(by_time, values, strict=False))  # the status counts follow
    by_status = dict(zip(statuses, values[len(by_time) :], strict=True))

    def section(*conditions, newest_first=False):
        order = Interview.started_at.desc() if newest_first else Interview.started_at
        return db.session.scalars(
            select(Interview)
            .where(*timed, *conditions)
            .options(selectinload(Interview.job), selectinload(Interview.session))
            .order_by(order)
            .limit(SECTION_LIMIT)
        ).all()

    today_rows = section(*by_time["today"])
    upcoming = section(*by_time["upcoming"])
    past = section(*by_time["past"], newest_first=True)
    emails = notifications.invitation_emails([i.id for i in (*today_rows, *upcoming, *past)])
    return Dashboard(counts, by_status, today_rows, upcoming, past, emails, str(job_uuid) if job_uuid else None, status)
