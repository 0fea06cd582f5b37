"""Slot input: what people type (dates, clock times, zones, capacity, type) checked into a SlotSpec.

Times are typed in a zone (IST by default) and stored as UTC instants.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from models import InterviewType, Job, db
from services import timeutil
from services.errors import InputError
from services.validation import parse_int

MAX_CAPACITY = 100
MIN_SLOT_MINUTES, MAX_SLOT_MINUTES = 5, 480  # as a pattern's length
CLOCK_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SlotInputError(InputError):
    """Input that cannot make a slot."""


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
        errors[name] = (
            f"“{text}” is not a time: send ISO 8601 with an offset (2030-01-16T14:30:00+05:30) or YYYY-MM-DD HH:MM in {timeutil.zone().key}."
        )
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
    value = str(value or InterviewType.TECHNICAL).strip().lower()
    if value not in list(InterviewType):
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
    typed = tuple(
        now if value is None else str(value).strip()
        for value, now in zip((interview_date, start_time, end_time), current, strict=True)
    )
    if typed == current:  # not a move: a past or overlong slot may still have its capacity edited
        return slot.start_at, slot.end_at
    start_at, end_at = parse_slot_times(*typed, tz, errors)
    if errors:
        raise SlotInputError(errors)
    return start_at, end_at
