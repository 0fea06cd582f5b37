"""The slot calendar: one week or month of slots in a zone, read in one query."""

import calendar as calendar_module
import functools
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, func, literal, select, union_all

from models import InterviewSlot, Job, db
from services import timeutil
from services.slots.crud import state_of

MONTH_DAY_LIMIT = 4  # slots listed per day in the month view; the rest are a "+N more" link to the week


@dataclass
class CalendarView:
    """One week or month of slots in a zone, grouped by local day (one query)."""

    mode: str
    anchor: date
    first_day: date
    last_day: date
    tz: object
    job: Job | None
    days: dict
    more: dict  # month view: local day → slots not listed in its cell (the week view shows them all)
    now: datetime

    @property
    def weeks(self):
        """Rows of seven days covering the view (a week view has one row)."""
        start = self.first_day - timedelta(days=self.first_day.weekday())
        end = self.last_day + timedelta(days=6 - self.last_day.weekday())
        dates = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        return [dates[i : i + 7] for i in range(0, len(dates), 7)]

    @property
    def previous_anchor(self):
        if self.mode == "week":
            return self.anchor - timedelta(days=7)
        return (self.first_day - timedelta(days=1)).replace(day=1)

    @property
    def next_anchor(self):
        if self.mode == "week":
            return self.anchor + timedelta(days=7)
        return self.last_day + timedelta(days=1)

    @property
    def title(self):
        if self.mode == "month":
            return self.first_day.strftime("%B %Y")
        return f"{self.first_day:%d %b} – {self.last_day:%d %b %Y}"

    @property
    def today(self):
        return timeutil.to_zone(self.now, self.tz).date()


def calendar_range(mode, anchor):
    """The first and last local day of the week (Monday first) or month holding `anchor`."""
    if mode == "month":
        last = calendar_module.monthrange(anchor.year, anchor.month)[1]
        return anchor.replace(day=1), anchor.replace(day=last)
    monday = anchor - timedelta(days=anchor.weekday())
    return monday, monday + timedelta(days=6)


@dataclass(slots=True)
class CalendarSlot:
    """What the calendar shows of a slot, read as plain columns (no ORM objects) to stay cheap."""

    id: uuid.UUID
    job_id: uuid.UUID
    job_title: str
    start: datetime  # local to the calendar's zone, as is `end`
    end: datetime
    time_label: str
    ai_interview_type: str
    current_bookings: int
    max_candidates: int
    state: str


@functools.cache
def _calendar_query(mode, day_count, for_one_job):
    """The calendar's one SELECT for a grid of `day_count` days, built once per shape.

    The grid's days are a tiny table of UTC bounds (bound parameters `midnight_0`…`midnight_N`, the
    local midnights), so the database finds each day's slots with the start_at index and never
    works out a slot's local day itself. A month ranks each day's slots on narrow rows (id, time,
    job title); only the listed ones are joined to their other columns and cross the wire.
    """
    instant = InterviewSlot.start_at.type
    midnight = [bindparam(f"midnight_{n}", type_=instant) for n in range(day_count + 1)]
    grid_days = union_all(
        *[select(literal(n).label("day"), midnight[n].label("starts"), midnight[n + 1].label("ends")) for n in range(day_count)]
    ).subquery("grid_days")
    in_its_day = and_(InterviewSlot.start_at >= grid_days.c.starts, InterviewSlot.start_at < grid_days.c.ends)
    of_the_job = [InterviewSlot.job_id == bindparam("job_id")] if for_one_job else []
    # The whole grid's bounds as well: they give PostgreSQL's planner a true estimate of the rows
    # (the per-day bounds alone look like a third of the table, which plans a parallel scan and
    # a hash join over every slot there is).
    in_the_grid = [InterviewSlot.start_at >= midnight[0], InterviewSlot.start_at < midnight[day_count]]

    def slots_in_grid(*columns):
        return (
            select(*columns)
            .join_from(grid_days, InterviewSlot, in_its_day)
            .join(Job, Job.id == InterviewSlot.job_id)
            .where(*in_the_grid, *of_the_job)
        )

    shown = [
        InterviewSlot.id,
        InterviewSlot.job_id,
        InterviewSlot.start_at,
        InterviewSlot.end_at,
        InterviewSlot.ai_interview_type,
        InterviewSlot.current_bookings,
        InterviewSlot.max_candidates,
        InterviewSlot.status,
    ]
    if mode == "week":
        return slots_in_grid(*shown, Job.job_title, grid_days.c.day).order_by(InterviewSlot.start_at, Job.job_title)
    day_order = {"partition_by": grid_days.c.day, "order_by": (InterviewSlot.start_at, Job.job_title)}
    ranked = slots_in_grid(
        InterviewSlot.id,
        InterviewSlot.start_at,
        Job.job_title,
        grid_days.c.day,
        func.row_number().over(**day_order).label("rank"),
        func.count().over(**day_order, rows=(None, None)).label("day_total"),
    ).subquery("ranked")
    return (
        select(*shown, ranked.c.job_title, ranked.c.day, ranked.c.day_total)
        .join(ranked, ranked.c.id == InterviewSlot.id)
        .where(ranked.c.rank <= MONTH_DAY_LIMIT, *in_the_grid)
        .order_by(ranked.c.start_at, ranked.c.job_title)
    )


def calendar_view(mode="week", anchor=None, tz=None, job=None):
    """Slots of a week or month (all jobs, or one) in ONE SQL query, whatever the number of slots.

    A month lists up to MONTH_DAY_LIMIT slots a day and counts the rest, so a busy month renders
    about as fast as a quiet one; the week view lists every slot.
    """
    mode = mode if mode in ("week", "month") else "week"
    tz = tz or timeutil.zone()
    now = timeutil.now()
    anchor = anchor or timeutil.to_zone(now, tz).date()
    first, last = calendar_range(mode, anchor)
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=6 - last.weekday())
    day_count = (grid_end - grid_start).days + 1
    grid_dates = [grid_start + timedelta(days=n) for n in range(day_count + 1)]  # and the day after
    # Local midnights as UTC instants: DST-correct, so a day may be 23 or 25 hours long.
    params = {f"midnight_{n}": timeutil.start_of_day(day, tz) for n, day in enumerate(grid_dates)}
    if job is not None:
        params["job_id"] = job.id
    query = _calendar_query(mode, day_count, job is not None)
    days, more = defaultdict(list), {}
    for row in db.session.execute(query, params):
        day = grid_dates[row.day]
        if mode == "month":
            more[day] = row.day_total - min(row.day_total, MONTH_DAY_LIMIT)
        start, end = row.start_at.astimezone(tz), row.end_at.astimezone(tz)
        days[day].append(
            CalendarSlot(
                row.id,
                row.job_id,
                row.job_title,
                start,
                end,
                f"{start.hour:02}:{start.minute:02}–{end.hour:02}:{end.minute:02}",
                row.ai_interview_type,
                row.current_bookings,
                row.max_candidates,
                state_of(row, now),
            )
        )
    return CalendarView(mode, anchor, first, last, tz, job, days, more, now)
