"""Slots on the web: the calendar (page and fragment), creating one or a pattern, editing, cancelling."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import Interview, InterviewSlot, db
from services import booking, timeutil
from services.slots import calendars as slot_calendars
from services.slots import patterns as slot_patterns
from tests.booking_support import make_candidate, make_job, make_slot
from tests.support import BOTH_DATABASES

HX = {"HX-Request": "true"}
T0 = datetime(2030, 1, 16, 9, 0, tzinfo=UTC)  # Wed 16 Jan 2030, 14:30 IST


def slot_form(job, **changes):
    data = {
        "job_id": str(job.id),
        "interview_date": "2030-01-16",
        "start_time": "14:30",
        "end_time": "15:00",
        "ai_interview_type": "technical",
        "max_candidates": "2",
        "timezone": "Asia/Kolkata",
    }
    data.update(changes)
    return data


def slot_count():
    return db.session.scalar(select(func.count(InterviewSlot.id)))


def test_calendar_week_page_and_fragment(clock, recruiter_client):
    job = make_job()
    make_slot(job, T0, capacity=2)
    full = make_slot(job, T0 + timedelta(hours=2), capacity=1)
    booking.book_interview(make_candidate(job), full)
    cancelled = make_slot(job, T0 + timedelta(hours=4))
    booking.cancel_slot(cancelled)
    make_slot(job, clock.now() - timedelta(hours=2))

    page = recruiter_client.get("/slots/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "<h1>Calendar</h1>" in html
    assert "HX-Request" in page.headers["Vary"]
    assert "14 Jan – 20 Jan 2030" in html
    for text in ("14:30–15:00", "0/2", "available", "16:30–17:00", "1/1", "full", "cancelled", "past", "Technical"):
        assert text in html

    fragment = recruiter_client.get("/slots/?view=week&date=2030-01-22", headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and 'id="calendar"' in body
    assert "21 Jan – 27 Jan 2030" in body and "14:30–15:00" not in body
    assert 'hx-push-url="true"' in body


def test_calendar_month_zone_and_job_filter(clock, recruiter_client):
    job, other = make_job(), make_job("Designer")
    make_slot(job, T0)
    make_slot(other, T0 + timedelta(days=3))
    month = recruiter_client.get(f"/slots/?view=month&date=2030-01-01&tz=America/New_York&job={job.id}", headers=HX)
    html = month.get_data(as_text=True)
    assert "January 2030" in html and "Backend Engineer" in html
    assert "04:00–04:30" in html  # 09:00 UTC in New York (EST)
    assert html.count('class="slot slot-') == 1
    assert 'name="tz" value="America/New_York" list="zone-names"' in html


@BOTH_DATABASES
def test_busy_month_lists_four_slots_a_day_and_links_to_the_rest(clock, recruiter_client, backend):
    job = make_job()
    for n in range(6):
        make_slot(job, T0 + timedelta(hours=n), capacity=2)
    make_slot(job, T0 + timedelta(days=1))
    html = recruiter_client.get("/slots/?view=month&date=2030-01-10", headers=HX).get_data(as_text=True)
    assert html.count('class="slot slot-') == 5
    assert "+2 more" in html and 'href="/slots/?view=week&amp;tz=Asia/Kolkata&amp;date=2030-01-16"' in html
    for label in ("14:30–15:00", "17:30–18:00", "14:30–15:00"):
        assert label in html
    assert "18:30–19:00" not in html  # the fifth slot of the 16th is behind "+2 more"
    week = recruiter_client.get("/slots/?view=week&date=2030-01-16", headers=HX).get_data(as_text=True)
    assert week.count('class="slot slot-') == 7 and "19:30–20:00" in week


@BOTH_DATABASES
def test_calendar_files_slots_under_their_local_day_across_a_dst_change(app, clock, backend):
    """New York moves to EDT at 02:00 on Sunday 10 March 2030: that day is 23 hours long."""
    new_york = timeutil.zone("America/New_York")
    job, other = make_job(), make_job("Designer")
    for day, clock_time in [(9, "23:30"), (10, "00:15"), (10, "03:30"), (10, "23:45"), (11, "00:00")]:
        hour, minute = map(int, clock_time.split(":"))
        make_slot(job, datetime(2030, 3, day, hour, minute, tzinfo=new_york).astimezone(UTC))
    make_slot(other, datetime(2030, 3, 10, 12, 0, tzinfo=new_york).astimezone(UTC))

    def labels(view):
        return {day.day: [slot.time_label for slot in view.days[day]] for day in sorted(view.days)}

    week = slot_calendars.calendar_view("week", datetime(2030, 3, 10).date(), new_york, job)
    assert labels(week) == {9: ["23:30–00:00"], 10: ["00:15–00:45", "03:30–04:00", "23:45–00:15"]}
    month = slot_calendars.calendar_view("month", datetime(2030, 3, 1).date(), new_york)
    assert labels(month) == {
        9: ["23:30–00:00"],
        10: ["00:15–00:45", "03:30–04:00", "12:00–12:30", "23:45–00:15"],
        11: ["00:00–00:30"],
    }
    assert [slot.job_title for slot in month.days[datetime(2030, 3, 10).date()]][2] == "Designer"
    assert all(count == 0 for count in month.more.values())


def test_month_view_uses_a_constant_number_of_queries(app, clock, recruiter_client, recorded_sql):
    job = make_job()

    def queries_for_month():
        with recorded_sql() as statements:
            assert recruiter_client.get("/slots/?view=month&date=2030-01-01").status_code == 200
        return len(statements)

    make_slot(job, T0)
    few = queries_for_month()
    for n in range(60):
        slot = make_slot(job, T0 + timedelta(days=n % 14, hours=n % 5), capacity=3)
        if n % 3 == 0:
            booking.book_interview(make_candidate(job, f"C {n}", f"c{n}@example.com"), slot)
    assert queries_for_month() == few


def test_create_one_slot(clock, recruiter_client):
    job = make_job()
    response = recruiter_client.post("/slots/new", data=slot_form(job))
    slot = db.session.scalar(select(InterviewSlot))
    assert response.status_code == 302 and response.headers["Location"] == f"/slots/{slot.id}/"
    assert (slot.start_at, slot.end_at, slot.max_candidates) == (T0, T0 + timedelta(minutes=30), 2)
    page = recruiter_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Slot created for Wed 16 Jan 2030, 14:30 IST." in page and "Nobody is booked yet." in page


def test_create_slot_in_a_dst_zone_and_in_its_gap(clock, recruiter_client):
    job = make_job()
    ok = recruiter_client.post(
        "/slots/new",
        data=slot_form(job, interview_date="2030-07-01", start_time="09:00", end_time="10:00", timezone="America/New_York"),
    )
    assert ok.status_code == 302
    assert db.session.scalar(select(InterviewSlot.start_at)) == datetime(2030, 7, 1, 13, 0, tzinfo=UTC)
    gap = recruiter_client.post(
        "/slots/new",
        data=slot_form(job, interview_date="2030-03-10", start_time="02:15", end_time="03:30", timezone="America/New_York"),
    )
    assert gap.status_code == 422
    assert "2030-03-10 02:15 does not exist in America/New_York (clocks skip it)." in gap.get_data(as_text=True)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"end_time": "14:00"}, "The end must be after the start."),
        ({"max_candidates": "0"}, "Capacity must be between 1 and 100."),
        ({"max_candidates": "-3"}, "Capacity must be between 1 and 100."),
        ({"interview_date": "2030-01-14"}, "This time is in the past; pick a future time."),
        ({"start_time": "25:00"}, "“25:00” is not a time in the form HH:MM (24-hour)."),
        ({"interview_date": "tomorrow"}, "“tomorrow” is not a date in the form YYYY-MM-DD."),
        ({"job_id": ""}, "Choose a job."),
    ],
)
def test_create_slot_bad_input_shows_the_reason_next_to_the_field(clock, recruiter_client, changes, message):
    job = make_job()
    response = recruiter_client.post("/slots/new", data=slot_form(job, **changes))
    assert response.status_code == 422
    assert '<p class="error" id="' in response.get_data(as_text=True) and message in response.get_data(as_text=True)
    assert slot_count() == 0


def test_overlapping_slot_needs_confirmation(clock, recruiter_client):
    job = make_job()
    make_slot(job, T0, capacity=2)
    warned = recruiter_client.post("/slots/new", data=slot_form(job, start_time="14:45", end_time="15:15"))
    html = warned.get_data(as_text=True)
    assert warned.status_code == 422 and "This overlaps 1 existing slot for the same job:" in html
    assert "Create anyway, although it overlaps" in html and slot_count() == 1
    confirmed = recruiter_client.post(
        "/slots/new", data=slot_form(job, start_time="14:45", end_time="15:15", confirm_overlap="y")
    )
    assert confirmed.status_code == 302 and slot_count() == 2


def pattern_form(job, **changes):
    data = {
        "job_id": str(job.id),
        "start_date": "2030-01-21",
        "end_date": "2030-01-27",
        "weekdays": ["0", "1", "2", "3", "4"],
        "start_times": "10:00, 14:00",
        "length_minutes": "45",
        "ai_interview_type": "coding",
        "max_candidates": "2",
        "timezone": "Asia/Kolkata",
    }
    data.update(changes)
    return data


def test_pattern_preview_then_create(clock, recruiter_client):
    job = make_job()
    existing = make_slot(job, datetime(2030, 1, 21, 4, 30, tzinfo=UTC))  # Mon 10:00 IST
    preview = recruiter_client.post("/slots/pattern/preview", data=pattern_form(job), headers=HX)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "<html" not in html and 'id="pattern-preview"' in html
    assert "<strong>10 slots</strong> will be created" in html and "1 overlap" in html
    assert "Overlaps 10:00–10:30" in html and slot_count() == 1

    refused = recruiter_client.post("/slots/pattern", data=pattern_form(job))
    assert refused.status_code == 422 and "Some slots overlap existing ones" in refused.get_data(as_text=True)
    assert slot_count() == 1

    created = recruiter_client.post("/slots/pattern", data=pattern_form(job, confirm_overlap="y"))
    assert created.status_code == 302 and slot_count() == 11
    new = db.session.scalars(select(InterviewSlot).where(InterviewSlot.id != existing.id).order_by(InterviewSlot.start_at)).all()
    assert new[0].start_at == datetime(2030, 1, 21, 4, 30, tzinfo=UTC) and new[-1].start_at == datetime(
        2030, 1, 25, 8, 30, tzinfo=UTC
    )
    assert all(s.duration_minutes == 45 and s.ai_interview_type == "coding" and s.max_candidates == 2 for s in new)


def test_pattern_bad_input_and_past_days(clock, recruiter_client):
    job = make_job()
    bad = recruiter_client.post(
        "/slots/pattern/preview", data=pattern_form(job, weekdays=[], start_times="9am", end_date="2030-01-01"), headers=HX
    )
    html = bad.get_data(as_text=True)
    assert "Pick at least one day of the week." in html and "“9am” is not a time in the form HH:MM (24-hour)." in html
    assert "The last day must not be before the first." in html
    # Today (Tue 15 Jan, 10:00 IST): the 10:00 start is already past and skipped; 14:00 is kept.
    today = recruiter_client.post(
        "/slots/pattern/preview", data=pattern_form(job, start_date="2030-01-15", end_date="2030-01-15"), headers=HX
    )
    assert "<strong>1 slot</strong>" in today.get_data(as_text=True) and "Skipped: in the past" in today.get_data(as_text=True)


def test_pattern_in_a_dst_zone_skips_the_missing_hour(app, clock):
    job = make_job()
    plan = slot_patterns.plan_pattern(
        job_id=job.id,
        start_date="2030-03-09",
        end_date="2030-03-11",
        weekdays=[str(n) for n in range(7)],
        start_times="02:30",
        length_minutes=30,
        timezone="America/New_York",
    )
    assert [timeutil.isoformat_z(s.start_at) for s in plan.slots] == ["2030-03-09T07:30:00Z", "2030-03-11T06:30:00Z"]
    assert "does not exist in America/New_York" in plan.skipped_past[0][1]


def test_edit_capacity_never_below_bookings(clock, recruiter_client):
    job = make_job()
    slot = make_slot(job, T0, capacity=3)
    for n in range(2):
        booking.book_interview(make_candidate(job, f"P {n}", f"p{n}@example.com"), slot)
    page = recruiter_client.get(f"/slots/{slot.id}/edit")
    assert page.status_code == 200 and 'value="3"' in page.get_data(as_text=True)
    too_small = recruiter_client.post(f"/slots/{slot.id}/edit", data={"max_candidates": "1", "ai_interview_type": "technical"})
    assert too_small.status_code == 422
    assert "2 candidates are booked; capacity can&#39;t go below 2." in too_small.get_data(as_text=True)
    ok = recruiter_client.post(f"/slots/{slot.id}/edit", data={"max_candidates": "2", "ai_interview_type": "coding"})
    assert ok.status_code == 302
    db.session.refresh(slot)
    assert (slot.max_candidates, slot.status, slot.ai_interview_type) == (2, "full", "coding")


def test_cancel_slot_cancels_its_bookings(clock, recruiter_client):
    job = make_job()
    slot = make_slot(job, T0, capacity=2)
    interview = booking.book_interview(make_candidate(job), slot)
    response = recruiter_client.post(f"/slots/{slot.id}/cancel")
    assert response.status_code == 302
    page = recruiter_client.get(f"/slots/{slot.id}/").get_data(as_text=True)
    assert "Slot cancelled; 1 booked interview(s) cancelled and the candidates told." in page
    db.session.refresh(slot)
    assert slot.status == "cancelled" and db.session.get(Interview, interview.id).status == "cancelled"
    assert recruiter_client.post(f"/slots/{slot.id}/cancel", csrf=False).status_code == 400


def test_slot_detail_lists_bookings_and_unknown_slot_is_404(clock, recruiter_client):
    job = make_job()
    slot = make_slot(job, T0, capacity=2)
    booking.book_interview(make_candidate(job), slot)
    page = recruiter_client.get(f"/slots/{slot.id}/").get_data(as_text=True)
    assert "Asha Rao" in page and "(1/2 seats taken)" in page and "Book a candidate" in page
    fragment = recruiter_client.get(f"/slots/{slot.id}/", headers=HX).get_data(as_text=True)
    assert 'id="slot-panel"' in fragment and "<html" not in fragment
    assert recruiter_client.get("/slots/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_pages_need_sign_in(client):
    assert client.get("/slots/").status_code == 302
    assert client.get("/slots/new").headers["Location"].startswith("/login")
