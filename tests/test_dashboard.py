"""The interviews dashboard, the booking dialog, an interview's page, reschedule and cancel on the web."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import Interview, InterviewSlot, db
from services import booking
from tests.booking_support import make_candidate, make_job, make_slot

HX = {"HX-Request": "true"}
T0 = datetime(2030, 1, 16, 9, 0, tzinfo=UTC)  # Wed 16 Jan 2030, 14:30 IST; the clock is Tue 10:00 IST


def test_dashboard_counts_sections_and_filters(clock, recruiter_client):
    job, other = make_job(), make_job("Designer")
    today_slot = make_slot(job, clock.now() + timedelta(hours=3), capacity=5)
    upcoming_slot = make_slot(job, T0, capacity=5)
    other_slot = make_slot(other, T0, capacity=5)
    booking.book_interview(make_candidate(job, "Tia Today", "tia@example.com"), today_slot)
    booking.book_interview(make_candidate(job, "Uma Upcoming", "uma@example.com"), upcoming_slot)
    cancelled = booking.book_interview(make_candidate(job, "Carl Cancel", "carl@example.com"), upcoming_slot)
    booking.cancel_interview(cancelled)
    booking.book_interview(make_candidate(other, "Dee Designer", "dee@example.com"), other_slot)

    page = recruiter_client.get("/interviews/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Dashboard</h1>" in html
    assert "<strong>1</strong> today" in html and "<strong>3</strong> upcoming" in html and "<strong>0</strong> past" in html
    assert "<strong>3</strong> scheduled" in html and "<strong>1</strong> cancelled" in html
    today_section = html.split('id="section-today"')[1].split('id="section-upcoming"')[0]
    assert "Tia Today" in today_section and "Tue 15 Jan 2030, 13:00 IST" in today_section
    assert "unconfigured" in today_section and "Copy" in today_section

    filtered = recruiter_client.get(f"/interviews/dashboard?job={other.id}&status=scheduled", headers=HX)
    body = filtered.get_data(as_text=True)
    assert filtered.status_code == 200 and "<html" not in body and 'id="dashboard-sections"' in body
    assert "Dee Designer" in body and "Uma Upcoming" not in body and "Tia Today" not in body

    in_new_york = recruiter_client.get("/interviews/dashboard?tz=America/New_York").get_data(as_text=True)
    assert "Tue 15 Jan 2030, 02:30 EST" in in_new_york


def test_dashboard_queries_do_not_grow_with_rows(clock, recruiter_client, recorded_sql):
    job = make_job()
    slot = make_slot(job, T0, capacity=50)

    def queries():
        with recorded_sql() as statements:
            assert recruiter_client.get("/interviews/dashboard").status_code == 200
        return len(statements)

    booking.book_interview(make_candidate(job, "First", "first@example.com"), slot)
    one = queries()
    for n in range(15):
        booking.book_interview(make_candidate(job, f"Person {n}", f"p{n}@example.com"), slot)
    assert queries() == one


def test_booking_dialog_from_a_slot(clock, recruiter_client):
    job = make_job()
    slot = make_slot(job, T0, capacity=2)
    candidate = make_candidate(job)
    dialog = recruiter_client.get(f"/interviews/book?slot_id={slot.id}", headers=HX)
    html = dialog.get_data(as_text=True)
    assert dialog.status_code == 200 and "<html" not in html
    assert '<dialog id="booking-dialog" data-open-on-load' in html
    assert f'hx-get="/interviews/book/candidates?slot_id={slot.id}"' in html and 'role="combobox"' in html

    done = recruiter_client.post(
        "/interviews/book",
        data={"origin": "slot", "slot_id": str(slot.id), "candidate_id": str(candidate.id), "booking_notes": "Morning person"},
        headers=HX,
    )
    html = done.get_data(as_text=True)
    interview = db.session.scalar(select(Interview))
    assert done.status_code == 200 and done.headers["HX-Trigger"] == "booking-changed"
    assert "Interview booked" in html
    assert f'<code id="booked-link">http://testserver.local/?session_key={interview.session_key}</code>' in html
    assert 'data-copy-target="#booked-link"' in html
    assert "SMTP not configured; the invitation waits in the outbox." in html
    assert interview.schedule.booking_notes == "Morning person"

    again = recruiter_client.post(
        "/interviews/book", data={"origin": "slot", "slot_id": str(slot.id), "candidate_id": str(candidate.id)}, headers=HX
    )
    assert again.status_code == 422 and "Asha Rao is already booked into this slot." in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Interview.id))) == 1


def test_stale_dialog_after_the_last_seat_went(clock, recruiter_client):
    job = make_job()
    slot = make_slot(job, T0, capacity=1)
    first, late = make_candidate(job), make_candidate(job, "Lee Late", "lee@example.com")
    recruiter_client.get(f"/interviews/book?slot_id={slot.id}", headers=HX)  # the form is open...
    booking.book_interview(first, slot)  # ...when someone else takes the last seat
    response = recruiter_client.post(
        "/interviews/book", data={"origin": "slot", "slot_id": str(slot.id), "candidate_id": str(late.id)}, headers=HX
    )
    assert (
        response.status_code == 422
        and '<p class="error" role="alert" id="booking-error">This slot is full.</p>' in response.get_data(as_text=True)
    )
    plain = recruiter_client.post(
        "/interviews/book", data={"origin": "slot", "slot_id": str(slot.id), "candidate_id": str(late.id)}
    )
    assert plain.status_code == 422 and "This slot is full." in plain.get_data(as_text=True)
    db.session.refresh(slot)
    assert slot.current_bookings == 1


def test_second_interview_for_the_job_is_refused_inline_with_a_reschedule_link(clock, recruiter_client):
    job = make_job()
    candidate = make_candidate(job)
    first = booking.book_interview(candidate, make_slot(job, T0, capacity=2))
    later = make_slot(job, T0 + timedelta(hours=4), capacity=2)
    form = {"origin": "candidate", "candidate_id": str(candidate.id), "slot_id": str(later.id)}
    expected = (
        '<p class="error" role="alert" id="booking-error">Asha Rao already has an interview for this job on '
        f'Wed 16 Jan 2030, 14:30 IST — reschedule it instead. <a href="/interviews/{first.id}/reschedule">Reschedule that interview</a></p>'
    )
    fragment = recruiter_client.post("/interviews/book", data=form, headers=HX)
    assert fragment.status_code == 422 and expected in fragment.get_data(as_text=True)
    plain = recruiter_client.post("/interviews/book", data=form)
    assert plain.status_code == 422 and expected in plain.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Interview.id))) == 1


def test_booking_from_a_candidate_plain_post_redirects(clock, recruiter_client):
    job = make_job()
    candidate = make_candidate(job)
    slot = make_slot(job, T0)
    make_slot(job, T0 + timedelta(hours=1))
    page = recruiter_client.get(f"/interviews/book?candidate_id={candidate.id}")
    assert page.status_code == 200 and "<h1>Book an interview</h1>" in page.get_data(as_text=True)
    assert page.get_data(as_text=True).count('class="time-button"') == 2
    missing = recruiter_client.post(
        "/interviews/book", data={"origin": "candidate", "candidate_id": str(candidate.id), "slot_id": ""}
    )
    assert missing.status_code == 422 and "Choose a slot." in missing.get_data(as_text=True)
    done = recruiter_client.post(
        "/interviews/book", data={"origin": "candidate", "candidate_id": str(candidate.id), "slot_id": str(slot.id)}
    )
    interview = db.session.scalar(select(Interview))
    assert done.status_code == 302 and done.headers["Location"] == f"/interviews/{interview.id}"
    assert (
        recruiter_client.post(
            "/interviews/book", data={"origin": "candidate", "candidate_id": str(candidate.id)}, csrf=False
        ).status_code
        == 400
    )
    assert recruiter_client.get("/interviews/book").status_code == 404


def test_interview_page_reschedule_and_cancel(clock, recruiter_client):
    job = make_job()
    candidate = make_candidate(job)
    old, new = make_slot(job, T0), make_slot(job, T0 + timedelta(days=1))
    interview = booking.book_interview(candidate, old, notes="Bring ID")
    key = interview.session_key

    page = recruiter_client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "Wed 16 Jan 2030, 14:30 IST" in page and "Bring ID" in page and "Backend Engineer" in page
    assert f'<code id="interview-link">http://testserver.local/?session_key={key}</code>' in page
    assert 'id="interview-messages"' in page and "Reschedule" in page

    dialog = recruiter_client.get(f"/interviews/{interview.id}/reschedule", headers=HX).get_data(as_text=True)
    assert '<dialog id="reschedule-dialog" data-open-on-load' in dialog and "Thu 17 Jan 2030, 14:30 IST" in dialog
    moved = recruiter_client.post(f"/interviews/{interview.id}/reschedule", data={"slot_id": str(new.id)}, headers=HX)
    assert moved.status_code == 200 and moved.headers["HX-Redirect"] == f"/interviews/{interview.id}"
    db.session.refresh(interview)
    assert interview.slot_id == new.id and interview.session_key == key
    assert db.session.get(InterviewSlot, old.id).current_bookings == 0

    full_now = make_slot(job, T0 + timedelta(days=2))
    booking.book_interview(make_candidate(job, "Other One", "other@example.com"), full_now)
    refused = recruiter_client.post(f"/interviews/{interview.id}/reschedule", data={"slot_id": str(full_now.id)})
    assert refused.status_code == 422 and "This slot is full." in refused.get_data(as_text=True)

    cancelled = recruiter_client.post(f"/interviews/{interview.id}/cancel", data={"reason": "Withdrew"})
    assert cancelled.status_code == 302
    page = recruiter_client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "Interview cancelled; the seat is free again and the candidate is told." in page
    assert db.session.get(InterviewSlot, new.id).current_bookings == 0
    assert recruiter_client.get("/interviews/00000000-0000-0000-0000-000000000000").status_code == 404


@pytest.mark.parametrize("headers", [{}, HX])
def test_refused_booking_and_reschedule_are_422_as_page_and_fragment(clock, recruiter_client, headers):
    job = make_job()
    candidate = make_candidate(job)
    slot = make_slot(job, T0)
    missing = recruiter_client.post(
        "/interviews/book", data={"origin": "candidate", "candidate_id": str(candidate.id), "slot_id": ""}, headers=headers
    )
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422 and 'id="slot-error">Choose a slot.</p>' in html and 'id="booking-box"' in html
    assert ("<html" in html) == (not headers) and "HX-Request" in missing.headers["Vary"]
    interview = booking.book_interview(candidate, slot)
    full = make_slot(job, T0 + timedelta(days=1))
    booking.book_interview(make_candidate(job, "Other One", "other@example.com"), full)
    refused = recruiter_client.post(f"/interviews/{interview.id}/reschedule", data={"slot_id": str(full.id)}, headers=headers)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "This slot is full." in html and 'id="reschedule-box"' in html
    assert ("<html" in html) == (not headers)
