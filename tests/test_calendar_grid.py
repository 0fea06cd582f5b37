"""The week's time grid (services/calendar_grid.py): rows, overlapping lanes, hours shown, the
now-line, job colours, and the new-slot links that prefill the form."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from services import booking, calendar_grid, timeutil
from services.slots import calendars as slot_calendars
from tests.booking_support import make_candidate, make_job, make_slot

HX = {"HX-Request": "true"}
IST = timeutil.zone("Asia/Kolkata")
WEDNESDAY = date(2030, 1, 16)


def at(day, clock_time):
    """A local IST time on `day` as a UTC instant."""
    hour, minute = map(int, clock_time.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=IST).astimezone(UTC)


def week_of(day=WEDNESDAY, tz=IST):
    view = slot_calendars.calendar_view("week", day, tz)
    return view, calendar_grid.week_grid(view, calendar_grid.job_colours(view))


def blocks_of(grid, day=WEDNESDAY):
    return [
        (b.slot.time_label, b.row_start, b.row_span, b.col_start, b.col_span)
        for b in next(d for d in grid.days if d.day == day).blocks
    ]


def test_blocks_sit_by_start_and_length_in_quarter_hour_rows(app, clock):
    job = make_job()
    make_slot(job, at(WEDNESDAY, "08:00"))
    make_slot(job, at(WEDNESDAY, "10:15"), minutes=45)
    make_slot(job, at(WEDNESDAY, "13:10"), minutes=20)  # off the quarter: the block covers 13:00–13:30
    view, grid = week_of()
    assert (grid.first_hour, grid.last_hour) == (8, 20)
    assert list(grid.hours)[0] == 8 and grid.hour_row(9) == 5
    assert blocks_of(grid) == [
        ("08:00–08:30", 1, 2, 1, 12),
        ("10:15–11:00", 10, 3, 1, 12),
        ("13:10–13:30", 21, 2, 1, 12),
    ]
    assert [d.day for d in grid.days] == [date(2030, 1, 14) + timedelta(days=n) for n in range(7)]


def test_overlapping_slots_share_the_day_in_lanes(app, clock):
    job, other, third = make_job(), make_job("Designer"), make_job("Analyst")
    make_slot(job, at(WEDNESDAY, "09:00"), minutes=90)
    make_slot(other, at(WEDNESDAY, "09:30"))
    make_slot(third, at(WEDNESDAY, "09:30"))
    make_slot(other, at(WEDNESDAY, "10:00"))  # where a 09:30 ended, beside the long 09:00
    make_slot(job, at(WEDNESDAY, "11:00"))  # a cluster of its own: the whole width
    view, grid = week_of()
    columns = [(label, start, span) for label, _, _, start, span in blocks_of(grid)]
    assert columns == [
        ("09:00–10:30", 1, 4),
        ("09:30–10:00", 5, 4),
        ("09:30–10:00", 9, 4),
        ("10:00–10:30", 5, 4),
        ("11:00–11:30", 1, 12),
    ]


def test_the_hours_widen_to_early_and_late_slots_and_clip_at_midnight(app, clock):
    job = make_job()
    make_slot(job, at(WEDNESDAY, "06:30"))
    make_slot(job, at(WEDNESDAY, "23:30"), minutes=60)  # runs past midnight: drawn to the day's end
    view, grid = week_of()
    assert (grid.first_hour, grid.last_hour) == (6, 24)
    assert blocks_of(grid)[-1] == ("23:30–00:30", 71, 2, 1, 12)


def test_the_now_line_is_on_today_within_the_hours_shown(app, clock):
    view, grid = week_of()  # the clock: Tuesday 15 Jan 2030, 10:00 IST
    assert [d.is_today for d in grid.days] == [False, True, False, False, False, False, False]
    assert (grid.now_row, grid.now_offset) == (9, 0)
    clock.advance(timedelta(minutes=22))
    assert (week_of()[1].now_row, week_of()[1].now_offset) == (10, 7)
    assert week_of(WEDNESDAY + timedelta(days=7))[1].now_row is None  # next week: no today
    timeutil.set_now(at(date(2030, 1, 15), "21:00"))
    assert week_of()[1].now_row is None  # after the last hour shown


def test_each_job_keeps_its_colour_and_jobs_in_a_view_differ(app, clock):
    jobs = [make_job(f"Job {n}") for n in range(3)]
    for n, job in enumerate(jobs):
        make_slot(job, at(WEDNESDAY, f"{9 + n}:00"))
    view, grid = week_of()
    colours = calendar_grid.job_colours(view)
    assert len(set(colours.values())) == 3 and set(colours.values()) <= set(range(1, 9))
    assert grid.legend == sorted((job.job_title, colours[job.id]) for job in jobs)
    assert calendar_grid.job_colour(jobs[0].id) == calendar_grid.job_colour(uuid.UUID(str(jobs[0].id)))


def test_nine_jobs_in_a_view_repeat_a_colour_rather_than_fail():
    class View:
        days = {WEDNESDAY: [type("Slot", (), {"job_id": uuid.UUID(int=n)})() for n in range(9)]}

    colours = calendar_grid.job_colours(View)
    assert len(colours) == 9 and len(set(colours.values())) == 8


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            {"date": "2030-01-16", "start": "09:00", "tz": "Europe/London", "job": "abc"},
            {
                "interview_date": "2030-01-16",
                "start_time": "09:00",
                "end_time": "09:30",
                "timezone": "Europe/London",
                "job_id": "abc",
            },
        ),
        ({"date": "2030-02-30", "start": "09:00", "tz": "Mars/Olympus"}, {}),
        ({"date": "2030-01-16", "start": "9 o'clock"}, {}),
        ({}, {}),
    ],
)
def test_new_slot_prefill_takes_only_what_reads_right(args, expected):
    assert calendar_grid.new_slot_prefill(**args) == expected


def test_week_page_is_a_time_grid_with_new_slot_links(clock, recruiter_client):
    job = make_job()
    full = make_slot(job, at(WEDNESDAY, "10:00"), capacity=1)
    booking.book_interview(make_candidate(job), full)
    make_slot(job, at(WEDNESDAY, "14:00"), minutes=60, capacity=3)
    html = recruiter_client.get("/slots/?date=2030-01-16", headers=HX).get_data(as_text=True)
    assert 'class="time-grid calendar-week"' in html and "<table" not in html
    assert '<li class="row-start-9 row-span-2 col-start-1 col-span-12">' in html
    assert '<li class="row-start-25 row-span-4 col-start-1 col-span-12">' in html
    assert '<meter class="seats-meter" min="0" max="1" value="1"' in html and "slot slot-full job-" in html
    assert '<meter class="seats-meter" min="0" max="3" value="0"' in html
    assert html.count('class="new-at ') == 7 * 12
    assert 'href="/slots/new?tz=Asia/Kolkata&amp;date=2030-01-16&amp;start=09:00"' in html
    assert "New slot on Wednesday 16 Jan at 09:00" in html
    assert 'class="now-line row-start-9 now-offset-0"' in html
    assert 'aria-label="Job colours"' in html and job.job_title in html
    assert " style=" not in html

    month = recruiter_client.get("/slots/?view=month&date=2030-01-16", headers=HX).get_data(as_text=True)
    assert "<table" in month and "time-grid" not in month and "slot slot-full job-" in month


def test_a_filtered_week_links_new_slots_to_its_job(clock, recruiter_client):
    job = make_job()
    html = recruiter_client.get(f"/slots/?date=2030-01-16&job={job.id}&tz=Europe/London", headers=HX).get_data(as_text=True)
    assert f'href="/slots/new?tz=Europe/London&amp;job={job.id}&amp;date=2030-01-14&amp;start=08:00"' in html
    assert 'aria-label="Job colours"' not in html  # no slots, no legend


def test_the_new_slot_form_reads_the_calendar_link(clock, recruiter_client):
    job = make_job()
    page = recruiter_client.get(f"/slots/new?tz=Europe/London&job={job.id}&date=2030-01-16&start=15:00")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for expected in (
        'value="2030-01-16"',
        'value="15:00"',
        'value="15:30"',
        'name="timezone" spellcheck="false" type="text" value="Europe/London"',
        f'selected value="{job.id}"',
    ):
        assert expected in html
    garbled = recruiter_client.get("/slots/new?date=yesterday&start=25:99&tz=Nowhere")
    assert garbled.status_code == 200 and 'type="text" value="Asia/Kolkata"' in garbled.get_data(as_text=True)


def test_a_busy_week_grid_runs_as_many_statements_as_a_quiet_one(clock, recruiter_client, recorded_sql):
    jobs = [make_job(f"Job {n}") for n in range(4)]

    def statements_for_week():
        with recorded_sql() as statements:
            assert recruiter_client.get("/slots/?date=2030-01-16").status_code == 200
        return len(statements)

    make_slot(jobs[0], at(WEDNESDAY, "09:00"))
    quiet = statements_for_week()
    for n in range(40):
        make_slot(jobs[n % 4], at(WEDNESDAY + timedelta(days=n % 5 - 2), f"{8 + n % 11}:{15 * (n % 4):02}"), capacity=2)
    assert statements_for_week() == quiet
