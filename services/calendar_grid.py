"""The week calendar as a time grid: where each slot of `services.slots.calendars.calendar_view` sits, in Python.

Rows are quarter hours from the first hour shown; columns inside a day are twelfths, so up to
twelve overlapping slots sit side by side. The template turns these numbers into the bounded
utility classes of static/slots.css (`row-start-N`, `row-span-N`, `col-start-N`, `col-span-N`),
because pages carry no inline styles. Nothing here touches the database.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services import timeutil

QUARTERS_PER_HOUR = 4
DAY_COLUMNS = 12  # divisible by 1, 2, 3, 4 and 6 lanes; more lanes get one column each
FIRST_HOUR, LAST_HOUR = 8, 20  # the working day always shown, widened to fit earlier or later slots
JOB_COLOURS = 8  # --job-1 … --job-8 in static/tokens.css
NEW_SLOT_MINUTES = 30


@dataclass(slots=True)
class GridBlock:
    """One slot placed in its day: grid rows (1-based quarter hours) and columns (twelfths)."""

    slot: object
    row_start: int
    row_span: int
    col_start: int
    col_span: int
    colour: int


@dataclass
class GridDay:
    day: date
    is_today: bool
    blocks: list


@dataclass
class WeekGrid:
    """The hours shown, the seven days with their blocks, the now-line and the job legend."""

    first_hour: int
    last_hour: int
    days: list
    legend: list  # (job title, colour number), in title order
    now_row: int | None  # the quarter row holding now, on today's column; None when off the grid
    now_offset: int  # minutes into that quarter (0–14)

    @property
    def hours(self):
        return range(self.first_hour, self.last_hour)

    def hour_row(self, hour):
        """The grid row where `hour` starts."""
        return (hour - self.first_hour) * QUARTERS_PER_HOUR + 1


def job_colour(job_id):
    """The colour number (1…JOB_COLOURS) a job prefers: the same on every page and week."""
    return int.from_bytes(hashlib.blake2s(job_id.bytes, digest_size=2).digest()) % JOB_COLOURS + 1


def job_colours(view):
    """Job id → colour number for the jobs in a calendar view: each its own colour where it can.

    A job takes the colour it prefers unless another job of the view (in id order) took it first,
    then the next free one; only a view with more than JOB_COLOURS jobs repeats colours.
    """
    job_ids = sorted({slot.job_id for day_slots in view.days.values() for slot in day_slots})
    colours, taken = {}, set()
    for job_id in job_ids:
        colour = job_colour(job_id)
        if len(taken) < JOB_COLOURS:
            while colour in taken:
                colour = colour % JOB_COLOURS + 1
        taken.add(colour)
        colours[job_id] = colour
    return colours


def _minutes_into_day(moment, day):
    """Wall-clock minutes of `moment` from the start of local `day`, clipped to that day."""
    if moment.date() < day:
        return 0
    if moment.date() > day:
        return 24 * 60
    return moment.hour * 60 + moment.minute


def _hour_range(view):
    first, last = FIRST_HOUR, LAST_HOUR
    for day, day_slots in view.days.items():
        for slot in day_slots:
            first = min(first, _minutes_into_day(slot.start, day) // 60)
            last = max(last, -(-_minutes_into_day(slot.end, day) // 60))
    return first, last


def _lanes(day_slots):
    """Each slot's lane and how many lanes its cluster of overlapping slots needs."""
    placed, cluster, cluster_end, lane_ends = [], [], None, []
    for slot in sorted(day_slots, key=lambda s: (s.start, s.end)):
        if cluster and slot.start >= cluster_end:
            placed += [(s, lane, len(lane_ends)) for s, lane in cluster]
            cluster, lane_ends = [], []
        if not cluster:
            cluster_end = slot.end
        lane = next((n for n, end in enumerate(lane_ends) if end <= slot.start), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(slot.end)
        else:
            lane_ends[lane] = slot.end
        cluster.append((slot, lane))
        cluster_end = max(cluster_end, slot.end)
    placed += [(s, lane, len(lane_ends)) for s, lane in cluster]
    return placed


def _block(slot, lane, lane_count, day, first_hour, colour):
    start = _minutes_into_day(slot.start, day)
    end = max(_minutes_into_day(slot.end, day), start + 1)
    row_start = (start - first_hour * 60) // 15 + 1
    row_end = -(-(end - first_hour * 60) // 15) + 1
    col_span = max(DAY_COLUMNS // lane_count, 1)
    # Past twelve lanes, slots share columns: still listed and clickable, just drawn over each other.
    col_start = (lane * col_span) % DAY_COLUMNS + 1
    return GridBlock(slot, row_start, row_end - row_start, col_start, col_span, colour)


def week_grid(view, colours):
    """Lay out a week `services.slots.calendars.calendar_view` as a time grid (hours down, days across), jobs coloured by `colours`."""
    first_hour, last_hour = _hour_range(view)
    days, legend = [], {}
    for day in view.weeks[0]:
        placed = _lanes(view.days.get(day, []))
        blocks = sorted(
            (_block(slot, lane, lanes, day, first_hour, colours[slot.job_id]) for slot, lane, lanes in placed),
            key=lambda b: (b.row_start, b.col_start),
        )
        for block in blocks:
            legend.setdefault(block.slot.job_title, block.colour)
        days.append(GridDay(day, day == view.today, blocks))
    now = view.now.astimezone(view.tz)
    minutes = now.hour * 60 + now.minute - first_hour * 60
    on_grid = view.first_day <= now.date() <= view.last_day and 0 <= minutes < (last_hour - first_hour) * 60
    return WeekGrid(
        first_hour,
        last_hour,
        days,
        sorted(legend.items()),
        minutes // 15 + 1 if on_grid else None,
        minutes % 15 if on_grid else 0,
    )


def new_slot_prefill(job=None, tz=None, date=None, start=None):
    """New-slot form data from the calendar's links (`?job=&tz=&date=&start=`): only what reads right."""
    data = {"job_id": job} if job else {}
    if tz and timeutil.is_valid_zone(tz):
        data["timezone"] = tz
    try:
        day = datetime.strptime(date or "", "%Y-%m-%d").date()
        begins = datetime.strptime(start or "", "%H:%M")
    except ValueError:
        return data
    ends = begins + timedelta(minutes=NEW_SLOT_MINUTES)
    return data | {"interview_date": day.isoformat(), "start_time": f"{begins:%H:%M}", "end_time": f"{ends:%H:%M}"}
