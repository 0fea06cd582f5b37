"""Interview slots: parsing what people type, creating (one or from a pattern), editing and moving, calendars.

Times are typed in a zone (IST by default) and stored as UTC instants. Booking, cancelling and
seat counting live in services/booking.py.
"""
import calendar as calendar_module
import functools
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, bindparam, case, func, literal, select, union_all, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from models import (
    ACTIVE_INTERVIEW_STATUSES,
    Candidate,
    Interview,
    InterviewSlot,
    InterviewStatus,
    InterviewType,
    Job,
    SlotStatus,
    db,
)
from services import audit, candidates, notifications, timeutil, waitlist
from services.errors import InputError, RefusedAction
from services.paging import Keyset
from services.validation import parse_int

LIST_KEYSET = Keyset((InterviewSlot.start_at, InterviewSlot.id))  # the API's slot list: soonest first
MAX_PATTERN_SLOTS = 500
MAX_CAPACITY = 100
MIN_SLOT_MINUTES, MAX_SLOT_MINUTES = 5, 480  # as a pattern's length
MONTH_DAY_LIMIT = 4  # slots listed per day in the month view; the rest are a "+N more" link to the week
CLOCK_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SlotInputError(InputError):
    """Input that cannot make a slot."""


class SlotOverlap(RefusedAction):
    """The new slot overlaps slots of the same job; allowed only when the user confirms."""

    code = "overlap"

    def __init__(self, clashes):
        self.clashes = clashes
        super().__init__(
            f"This overlaps {len(clashes)} existing slot{'s' if len(clashes) != 1 else ''} for the same job. "
            "Tick “Create anyway” to keep both."
        )


class SlotMoveRefused(RefusedAction):
    """A slot that can't move now: cancelled, started, an interview in it begun, or busy."""


class MoveNeedsConfirmation(SlotMoveRefused):
    """The slot has booked interviews; they move with it only when the user confirms."""

    def __init__(self, interview_count):
        self.interview_count = interview_count
        if interview_count == 1:
            message = "1 interview is booked into this slot: moving the slot moves it too, and its candidate will be e-mailed the new time. Confirm to move it."
        else:
            message = (
                f"{interview_count} interviews are booked into this slot: moving the slot moves them too, and their "
                f"{interview_count} candidates will be e-mailed the new time. Confirm to move them."
            )
        super().__init__(message)


@dataclass
class SlotSpec:
    """A validated slot, not yet saved."""

    job: Job
    start_at: datetime
    end_at: datetime
    ai_interview_type: str
    max_candidates: int
    clashes: list = field(default_factory=list)


YEARS = range(1970, 3000)


def parse_date(text, name, errors):
    """`YYYY-MM-DD` → date, or a message in `errors[name]`."""
    text = (str(text) if text is not None else "").strip()
    if not text:
        errors[name] = "Enter a date."
        return None
    try:
        if not DATE_RE.match(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        errors[name] = f"“{text}” is not a date in the form YYYY-MM-DD."
        return None
    # Far-off years overflow time-zone arithmetic and are always a typo.
    if not YEARS.start <= day.year < YEARS.stop:
        errors[name] = f"Enter a date between {YEARS.start} and {YEARS.stop - 1}."
        return None
    return day


def parse_clock(text, name, errors):
    """`HH:MM` (24-hour) → time, or a message in `errors[name]`."""
    text = (str(text) if text is not None else "").strip()
    if not text:
        errors[name] = "Enter a time."
        return None
    match = CLOCK_RE.match(text)
    if not match:
        errors[name] = f"“{text}” is not a time in the form HH:MM (24-hour)."
        return None
    return time(int(match.group(1)), int(match.group(2)))


def parse_start(text, name, errors):
    """A future instant in UTC from typed text, or a message in `errors[name]`.

    Either ISO 8601 with an offset (`2030-01-16T14:30:00+05:30`, `…Z`) or `YYYY-MM-DD HH:MM` in
    the display zone.
    """
    text = (str(text) if text is not None else "").strip()
    try:
        if DATE_RE.match(text[:10]) and len(text) == 16 and text[10] == " ":
            instant = timeutil.parse_local(text)
        else:
            instant = datetime.fromisoformat(text)
            if instant.tzinfo is None or "T" not in text:
                raise ValueError
    except timeutil.TimeInputError as exc:
        errors[name] = str(exc)
        return None
    except ValueError:
        errors[name] = f"“{text}” is not a time: send ISO 8601 with an offset (2030-01-16T14:30:00+05:30) or YYYY-MM-DD HH:MM in {timeutil.zone().key}."
        return None
    if not YEARS.start <= instant.year < YEARS.stop:
        errors[name] = f"Enter a date between {YEARS.start} and {YEARS.stop - 1}."
        return None
    instant = instant.astimezone(UTC)
    if instant <= timeutil.now():
        errors[name] = "This time is in the past; pick a future time."
        return None
    return instant


def parse_zone(name, errors):
    """The zone a slot's times are in: the display zone when none is sent, else timeutil.parse_zone's."""
    try:
        return timeutil.zone() if name is None else timeutil.parse_zone(name)
    except timeutil.TimeInputError as exc:
        errors["timezone"] = str(exc)
        return None


def parse_type(value, errors):
    value = str(value or InterviewType.TECHNICAL.value).strip().lower()
    if value not in InterviewType.values():
        errors["ai_interview_type"] = "Choose technical or coding."
        return None
    return value


def find_job(job_id, errors):
    """The job with this public id (archived jobs take no new slots)."""
    try:
        job = db.session.get(Job, uuid.UUID(str(job_id))) if job_id else None
    except ValueError:
        job = None
    if job is None:
        errors["job_id"] = "Choose a job." if not job_id else "No such job."
    elif job.is_archived:
        errors["job_id"] = "This job is archived; it takes no new slots."
        return None
    return job


def local_instant(day, clock, tz, name, errors):
    """A wall-clock time in `tz` → UTC, or the zone's reason (clocks skip or repeat it)."""
    try:
        return timeutil.combine_local(day, clock, tz)
    except timeutil.TimeInputError as exc:
        errors[name] = str(exc)
        return None


def parse_slot_times(interview_date, start_time, end_time, tz, errors):
    """Typed date and clock times in `tz` → (start_at, end_at) in UTC, checked as every slot is.

    The end must follow the start on the same day, a slot lasts MIN_SLOT_MINUTES to
    MAX_SLOT_MINUTES and starts in the future; messages go to `errors`, and the pair may be None.
    """
    day = parse_date(interview_date, "interview_date", errors)
    start_clock = parse_clock(start_time, "start_time", errors)
    end_clock = parse_clock(end_time, "end_time", errors)
    start_at = end_at = None
    if tz and day and start_clock:
        start_at = local_instant(day, start_clock, tz, "start_time", errors)
    if tz and day and end_clock:
        end_at = local_instant(day, end_clock, tz, "end_time", errors)
    if start_at and end_at:
        if end_at <= start_at:
            errors["end_time"] = "The end must be after the start."
        elif not MIN_SLOT_MINUTES * 60 <= (end_at - start_at).total_seconds() <= MAX_SLOT_MINUTES * 60:
            errors["end_time"] = f"A slot lasts from {MIN_SLOT_MINUTES} minutes to {MAX_SLOT_MINUTES // 60} hours."
    if start_at and "start_time" not in errors and start_at <= timeutil.now():
        errors["interview_date"] = "This time is in the past; pick a future time."
    return start_at, end_at


def slot_spec(*, job_id, interview_date, start_time, end_time, max_candidates=1, ai_interview_type=None, timezone=None):
    """Validate typed slot input (the API's and the form's field names) into a SlotSpec."""
    errors = {}
    job = find_job(job_id, errors)
    tz = parse_zone(timezone, errors)
    start_at, end_at = parse_slot_times(interview_date, start_time, end_time, tz, errors)
    capacity = parse_int(max_candidates, "max_candidates", errors, low=1, high=MAX_CAPACITY, label="Capacity", required=True)
    kind = parse_type(ai_interview_type, errors)
    if errors:
        raise SlotInputError(errors)
    return SlotSpec(job, start_at, end_at, kind, capacity)


def move_times(slot, *, interview_date=None, start_time=None, end_time=None, timezone=None):
    """New (start_at, end_at) for `slot` from any of date, start and end typed in `timezone` (IST by default).

    What is not given (None) keeps the slot's current value in that zone; the result is checked
    as a new slot's times are.
    """
    errors = {}
    tz = parse_zone(timezone, errors)
    if tz is None:
        raise SlotInputError(errors)
    start, end = timeutil.to_zone(slot.start_at, tz), timeutil.to_zone(slot.end_at, tz)
    current = (start.date().isoformat(), f"{start:%H:%M}", f"{end:%H:%M}")
    typed = tuple(now if value is None else str(value).strip() for value, now in zip((interview_date, start_time, end_time), current))
    if typed == current:  # not a move: a past or overlong slot may still have its capacity edited
        return slot.start_at, slot.end_at
    start_at, end_at = parse_slot_times(*typed, tz, errors)
    if errors:
        raise SlotInputError(errors)
    return start_at, end_at


def overlapping_slots(job_id, start_at, end_at, exclude_id=None):
    """Live slots of the job whose time overlaps [start_at, end_at)."""
    query = select(InterviewSlot).where(
        InterviewSlot.job_id == job_id,
        InterviewSlot.status != SlotStatus.CANCELLED.value,
        InterviewSlot.start_at < end_at,
        InterviewSlot.end_at > start_at,
    )
    if exclude_id is not None:
        query = query.where(InterviewSlot.id != exclude_id)
    return list(db.session.scalars(query.order_by(InterviewSlot.start_at)))


def create_slot(spec, *, actor=None, allow_overlap=False):
    """Save one slot; an overlap with the job's other slots needs `allow_overlap`."""
    clashes = overlapping_slots(spec.job.id, spec.start_at, spec.end_at)
    if clashes and not allow_overlap:
        raise SlotOverlap(clashes)
    slot = _new_slot(spec, actor)
    db.session.flush()
    audit.record("slot.created", slot, actor=actor, start_at=slot.start_at.isoformat(), overlaps=len(clashes))
    waitlist.notify_openings(slot.job_id)
    db.session.commit()
    return slot


def _new_slot(spec, actor):
    slot = InterviewSlot(
        job=spec.job,
        start_at=spec.start_at,
        end_at=spec.end_at,
        ai_interview_type=spec.ai_interview_type,
        max_candidates=spec.max_candidates,
        current_bookings=0,
        status=SlotStatus.AVAILABLE.value,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(slot)
    return slot


@dataclass
class PatternPlan:
    """What a pattern would create: slots in the future (with their clashes) and skipped past ones."""

    job: Job
    tz: object
    slots: list
    skipped_past: list

    @property
    def clash_count(self):
        return sum(1 for spec in self.slots if spec.clashes)


def plan_pattern(
    *, job_id, start_date, end_date, weekdays, start_times, length_minutes, max_candidates=1, ai_interview_type=None, timezone=None
):
    """Expand days of week × start times × length over a date range into slot specs with clashes."""
    errors = {}
    job = find_job(job_id, errors)
    tz = parse_zone(timezone, errors)
    first = parse_date(start_date, "start_date", errors)
    last = parse_date(end_date, "end_date", errors)
    if first and last and last < first:
        errors["end_date"] = "The last day must not be before the first."
    elif first and last and (last - first).days > 366:
        errors["end_date"] = "A pattern covers at most a year."
    days_of_week = set()
    for value in weekdays or ():
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if not 0 <= number <= 6:
            errors["weekdays"] = "Days of the week are numbered 0 (Monday) to 6 (Sunday)."
            break
        days_of_week.add(number)
    if not days_of_week and "weekdays" not in errors:
        errors["weekdays"] = "Pick at least one day of the week."
    clocks = []
    raw_times = start_times if isinstance(start_times, (list, tuple)) else re.split(r"[,\s]+", start_times or "")
    for text in (t for t in raw_times if t and t.strip()):
        clock = parse_clock(text, "start_times", errors)
        if clock is None:
            break
        clocks.append(clock)
    if not clocks and "start_times" not in errors:
        errors["start_times"] = "Enter at least one start time, e.g. 09:00, 14:30."
    length = parse_int(length_minutes, "length_minutes", errors, low=MIN_SLOT_MINUTES, high=MAX_SLOT_MINUTES, label="Length", required=True)
    capacity = parse_int(max_candidates, "max_candidates", errors, low=1, high=MAX_CAPACITY, label="Capacity", required=True)
    kind = parse_type(ai_interview_type, errors)
    if errors:
        raise SlotInputError(errors)

    now = timeutil.now()
    specs, skipped = [], []
    day = first
    while day <= last:
        if day.weekday() in days_of_week:
            for clock in sorted(set(clocks)):
                try:
                    start_at = timeutil.combine_local(day, clock, tz)
                except timeutil.TimeInputError as exc:
                    skipped.append((datetime.combine(day, clock), str(exc)))
                    continue
                spec = SlotSpec(job, start_at, start_at + timedelta(minutes=length), kind, capacity)
                if start_at <= now:
                    skipped.append((datetime.combine(day, clock), "in the past"))
                else:
                    specs.append(spec)
        day += timedelta(days=1)
    if len(specs) > MAX_PATTERN_SLOTS:
        raise SlotInputError({"end_date": f"That pattern makes {len(specs)} slots; at most {MAX_PATTERN_SLOTS} at once."})
    if not specs:
        raise SlotInputError({"start_date": "The pattern makes no future slots; widen the dates or days."})
    _mark_clashes(job, specs)
    return PatternPlan(job, tz, specs, skipped)


def _mark_clashes(job, specs):
    """Attach to each spec the existing slots and the other planned slots it overlaps (one query)."""
    existing = overlapping_slots(job.id, specs[0].start_at, max(s.end_at for s in specs))
    for index, spec in enumerate(specs):
        spec.clashes = [s for s in existing if s.start_at < spec.end_at and s.end_at > spec.start_at]
        spec.clashes += [
            other for other_index, other in enumerate(specs)
            if other_index < index and other.start_at < spec.end_at and other.end_at > spec.start_at
        ]


def create_from_plan(plan, *, actor=None, allow_overlap=False):
    """Save every planned slot in one transaction; clashes need `allow_overlap`."""
    clashing = [spec for spec in plan.slots if spec.clashes]
    if clashing and not allow_overlap:
        raise SlotOverlap([clash for spec in clashing for clash in spec.clashes])
    slots = [_new_slot(spec, actor) for spec in plan.slots]
    db.session.flush()
    audit.record("slot.pattern_created", plan.job, actor=actor, count=len(slots), overlaps=len(clashing))
    waitlist.notify_openings(plan.job.id)
    db.session.commit()
    return slots


def update_slot(slot, *, max_candidates, ai_interview_type, move_to=None, confirm=False, allow_overlap=False, actor=None):
    """Change capacity, type and (with `move_to`, a new (start_at, end_at)) the time, in one transaction.

    Capacity never drops below the seats taken. Booked interviews move with the slot only when
    `confirm`ed (see _move_slot); an overlap with the job's other slots needs `allow_overlap`.
    Returns the interviews that moved.
    """
    errors = {}
    capacity = parse_int(max_candidates, "max_candidates", errors, low=1, high=MAX_CAPACITY, label="Capacity", required=True)
    kind = parse_type(ai_interview_type, errors)
    if slot.status == SlotStatus.CANCELLED.value:
        raise SlotInputError({}, "This slot is cancelled; it can't be edited.")
    if errors:
        raise SlotInputError(errors)
    moving = move_to is not None and tuple(move_to) != (slot.start_at, slot.end_at)
    if moving:
        clashes = overlapping_slots(slot.job_id, *move_to, exclude_id=slot.id)
        if clashes and not allow_overlap:
            raise SlotOverlap(clashes)
    try:
        moved = _move_slot(slot, *move_to, confirm=confirm, actor=actor) if moving else []
        _set_capacity(slot, capacity, kind)
        audit.record("slot.updated", slot, actor=actor, max_candidates=capacity, ai_interview_type=kind)
        waitlist.notify_openings(slot.job_id)  # more seats, or a move into the offer window
        db.session.commit()
    except OperationalError as exc:
        db.session.rollback()
        if "deadlock" not in str(exc).lower():
            raise
        raise SlotMoveRefused("The slot is busy; please try again.") from None
    except BaseException:
        db.session.rollback()
        raise
    db.session.refresh(slot)
    return moved


def _move_slot(slot, start_at, end_at, *, confirm, actor):
    """Move the slot and its active interviews to [start_at, end_at) inside the caller's transaction.

    The slot's row is taken first with a conditional UPDATE (PostgreSQL's row lock, SQLite's
    write lock) that also re-checks it is neither cancelled nor started, so a booking racing the
    move either commits before (and its interview moves and is e-mailed here) or waits and books
    the new time. Each interview keeps its link, its SEQUENCE goes up and the candidate gets a
    reschedule e-mail (reminders for the old time withdrawn, new ones queued).
    """
    now = timeutil.now()
    locked = db.session.execute(
        update(InterviewSlot)
        .where(InterviewSlot.id == slot.id, InterviewSlot.status != SlotStatus.CANCELLED.value, InterviewSlot.start_at > now)
        .values(current_bookings=InterviewSlot.current_bookings)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(slot)
    if locked.rowcount != 1:
        if slot.status == SlotStatus.CANCELLED.value:
            raise SlotMoveRefused("This slot is cancelled; it can't be moved.")
        raise SlotMoveRefused("This slot has already started; it can't be moved.")
    interviews = list(
        db.session.scalars(
            select(Interview)
            .where(Interview.slot_id == slot.id, Interview.status.in_(ACTIVE_INTERVIEW_STATUSES))
            .options(selectinload(Interview.session))
            .order_by(Interview.created_at)
        )
    )
    if any(interview.status == InterviewStatus.IN_PROGRESS.value for interview in interviews):
        raise SlotMoveRefused("An interview in this slot has already begun; the slot can't be moved.")
    if interviews and not confirm:
        raise MoveNeedsConfirmation(len(interviews))
    old_start = slot.start_at
    slot.start_at, slot.end_at = start_at, end_at
    for interview in interviews:
        previous = interview.started_at
        interview.started_at, interview.ended_at = start_at, end_at
        interview.sequence += 1
        if interview.session is not None:
            interview.session.scheduled_at = start_at
            interview.session.duration_minutes = slot.duration_minutes
        db.session.flush()
        notifications.queue_reschedule(interview, previous)
        audit.record("interview.rescheduled", interview, actor=actor, slot=slot.id, reason="slot moved")
    audit.record("slot.moved", slot, actor=actor, old_start_at=old_start.isoformat(), start_at=start_at.isoformat(), interviews=len(interviews))
    return interviews


def _set_capacity(slot, capacity, kind):
    """Capacity and type in one conditional UPDATE that refuses a capacity below the seats taken."""
    result = db.session.execute(
        update(InterviewSlot)
        .where(InterviewSlot.id == slot.id, InterviewSlot.current_bookings <= capacity)
        .values(
            max_candidates=capacity,
            ai_interview_type=kind,
            status=case(
                (InterviewSlot.status == SlotStatus.CANCELLED.value, SlotStatus.CANCELLED.value),
                (InterviewSlot.current_bookings >= capacity, SlotStatus.FULL.value),
                else_=SlotStatus.AVAILABLE.value,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(slot)
        raise SlotInputError(
            {"max_candidates": f"{slot.current_bookings} candidates are booked; capacity can't go below {slot.current_bookings}."}
        )


def slot_state(slot, at=None):
    """What a person sees: cancelled, past, full or available."""
    return state_of(slot, at or timeutil.now())


def state_of(slot, now):
    """The state of a slot or a calendar row (status, start_at and its counts) at `now`."""
    if slot.status == SlotStatus.CANCELLED.value:
        return "cancelled"
    if slot.start_at <= now:
        return "past"
    if slot.current_bookings >= slot.max_candidates:
        return "full"
    return "available"


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
    grid_days = union_all(*[
        select(literal(n).label("day"), midnight[n].label("starts"), midnight[n + 1].label("ends")) for n in range(day_count)
    ]).subquery("grid_days")
    in_its_day = and_(InterviewSlot.start_at >= grid_days.c.starts, InterviewSlot.start_at < grid_days.c.ends)
    of_the_job = [InterviewSlot.job_id == bindparam("job_id")] if for_one_job else []
    # The whole grid's bounds as well: they give PostgreSQL's planner a true estimate of the rows
    # (the per-day bounds alone look like a third of the table, which plans a parallel scan and
    # a hash join over every slot there is).
    in_the_grid = [InterviewSlot.start_at >= midnight[0], InterviewSlot.start_at < midnight[day_count]]

    def slots_in_grid(*columns):
        return (
            select(*columns).join_from(grid_days, InterviewSlot, in_its_day).join(Job, Job.id == InterviewSlot.job_id)
            .where(*in_the_grid, *of_the_job)
        )

    shown = [InterviewSlot.id, InterviewSlot.job_id, InterviewSlot.start_at, InterviewSlot.end_at, InterviewSlot.ai_interview_type,
             InterviewSlot.current_bookings, InterviewSlot.max_candidates, InterviewSlot.status]
    if mode == "week":
        return slots_in_grid(*shown, Job.job_title, grid_days.c.day).order_by(InterviewSlot.start_at, Job.job_title)
    day_order = {"partition_by": grid_days.c.day, "order_by": (InterviewSlot.start_at, Job.job_title)}
    ranked = slots_in_grid(
        InterviewSlot.id, InterviewSlot.start_at, Job.job_title, grid_days.c.day,
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
                row.id, row.job_id, row.job_title, start, end, f"{start.hour:02}:{start.minute:02}–{end.hour:02}:{end.minute:02}", row.ai_interview_type,
                row.current_bookings, row.max_candidates, state_of(row, now),
            )
        )
    return CalendarView(mode, anchor, first, last, tz, job, days, more, now)


def open_jobs():
    """Jobs that take slots, for pickers."""
    return list(db.session.scalars(select(Job).where(Job.archived_at.is_(None)).order_by(Job.job_title)))


# Enough to find someone by a few letters of a name or e-mail; the typeahead shows no more.
SUGGESTION_LIMIT = 10


def candidate_suggestions(slot, query_text, limit=SUGGESTION_LIMIT):
    """Up to `limit` candidates of the slot's job, not booked into it, whose name or e-mail holds the typed words.

    Found through the candidate search index (services.candidates), so its cost does not grow with
    the number of candidates; fewer than two letters match nobody (too many to be useful).
    """
    if len((query_text or "").strip()) < 2:
        return []
    taken = select(Interview.candidate_id).where(Interview.slot_id == slot.id, Interview.status.in_(ACTIVE_INTERVIEW_STATUSES))
    query = candidates.search_candidates(query_text, job_id=slot.job_id).where(Candidate.id.not_in(taken))
    return list(db.session.scalars(query.limit(limit)))


def slot_interviews(slot):
    """Every interview ever booked into the slot, oldest first, with sessions loaded."""
    return list(
        db.session.scalars(
            select(Interview).where(Interview.slot_id == slot.id).options(selectinload(Interview.session)).order_by(Interview.created_at)
        )
    )


def cancelled_with_slot(interviews):
    """Which of a slot's `interviews` cancelling it would cancel, each candidate being e-mailed."""
    return [interview for interview in interviews if interview.status in ACTIVE_INTERVIEW_STATUSES]


def bookable_slots(job_id, limit=200):
    """Future, uncancelled slots of a job with a free seat, soonest first."""
    return list(
        db.session.scalars(
            select(InterviewSlot)
            .where(
                InterviewSlot.job_id == job_id,
                InterviewSlot.status != SlotStatus.CANCELLED.value,
                InterviewSlot.current_bookings < InterviewSlot.max_candidates,
                InterviewSlot.start_at > timeutil.now(),
            )
            .order_by(InterviewSlot.start_at)
            .limit(limit)
        )
    )
