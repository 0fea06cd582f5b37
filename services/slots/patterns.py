"""Slot patterns: days of the week × start times over a date range, planned with their clashes, then saved at once."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from models import Job, db
from services import audit, timeutil, waitlist
from services.slots.crud import SlotOverlap, new_slot, overlapping_slots
from services.slots.parsing import (
    MAX_CAPACITY,
    MAX_SLOT_MINUTES,
    MIN_SLOT_MINUTES,
    SlotInputError,
    SlotSpec,
    find_job,
    parse_clock,
    parse_date,
    parse_type,
    parse_zone,
)
from services.validation import parse_int

MAX_PATTERN_SLOTS = 500


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
    *,
    job_id,
    start_date,
    end_date,
    weekdays,
    start_times,
    length_minutes,
    max_candidates=1,
    ai_interview_type=None,
    timezone=None,
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
    length = parse_int(
        length_minutes, "length_minutes", errors, low=MIN_SLOT_MINUTES, high=MAX_SLOT_MINUTES, label="Length", required=True
    )
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
            other
            for other_index, other in enumerate(specs)
            if other_index < index and other.start_at < spec.end_at and other.end_at > spec.start_at
        ]


def create_from_plan(plan, *, actor=None, allow_overlap=False):
    """Save every planned slot in one transaction; clashes need `allow_overlap`."""
    clashing = [spec for spec in plan.slots if spec.clashes]
    if clashing and not allow_overlap:
        raise SlotOverlap([clash for spec in clashing for clash in spec.clashes])
    slots = [new_slot(spec, actor) for spec in plan.slots]
    db.session.flush()
    audit.record("slot.pattern_created", plan.job, actor=actor, count=len(slots), overlaps=len(clashing))
    waitlist.notify_openings(plan.job.id)
    db.session.commit()
    return slots
