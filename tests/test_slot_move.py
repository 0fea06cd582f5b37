"""Moving a slot (services/slots/crud.py update_slot with move_to): validation, confirmation, the
interviews that move with it, their e-mails, and a booking racing the move."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from models import AuditEvent, Candidate, Interview, InterviewSlot, OutboxEmail, db
from services import booking
from services.slots import crud as slot_crud
from services.slots import parsing as slot_parsing
from tests.booking_support import make_candidate, make_job, make_slot, seat_discrepancies
from tests.support import BOTH_DATABASES

T0 = datetime(2030, 1, 16, 9, 0, tzinfo=UTC)  # Wed 16 Jan 2030, 14:30 IST; the clock is a day earlier
NEW = datetime(2030, 1, 21, 9, 0, tzinfo=UTC)  # Mon 21 Jan 2030, 14:30 IST


def move(slot, start_at, end_at=None, **options):
    """Move `slot` keeping its capacity and type."""
    return slot_crud.update_slot(
        slot,
        max_candidates=slot.max_candidates,
        ai_interview_type=slot.ai_interview_type,
        move_to=(start_at, end_at or start_at + timedelta(minutes=30)),
        **options,
    )


def emails(kind):
    return db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == kind).order_by(OutboxEmail.to_email)).all()


def event_of(ics):
    return Calendar.from_ical(ics).walk("VEVENT")[0]


def booked_slot(job, names=("Asha Rao", "Ravi Kumar")):
    slot = make_slot(job, T0, capacity=3)
    interviews = [booking.book_interview(make_candidate(job, name), slot) for name in names]
    return slot, interviews


@BOTH_DATABASES
def test_an_empty_slot_moves_at_once(app, clock, backend):
    slot = make_slot(make_job(), T0)
    start_at, end_at = slot_parsing.move_times(slot, interview_date="2030-01-21", end_time="15:15")
    assert (start_at, end_at) == (NEW, NEW + timedelta(minutes=45))
    assert move(slot, start_at, end_at) == []
    db.session.refresh(slot)
    assert (slot.start_at, slot.end_at, slot.status) == (NEW, NEW + timedelta(minutes=45), "available")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "slot.moved"))
    assert event.data == {"old_start_at": T0.isoformat(), "start_at": NEW.isoformat(), "interviews": "0"}
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0


def test_move_times_keep_what_is_not_given_in_the_zone(app, clock):
    slot = make_slot(make_job(), T0)
    with pytest.raises(slot_parsing.SlotInputError) as refused:
        slot_parsing.move_times(slot, start_time="16:00")
    assert refused.value.fields == {"end_time": "The end must be after the start."}
    assert slot_parsing.move_times(slot, start_time="16:00", end_time="16:45") == (
        T0 + timedelta(minutes=90),
        T0 + timedelta(minutes=135),
    )
    # 14:30 IST is 04:00 in New York; only the date changes, the New York clock times stay.
    assert slot_parsing.move_times(slot, interview_date="2030-07-01", timezone="America/New_York") == (
        datetime(2030, 7, 1, 8, 0, tzinfo=UTC),
        datetime(2030, 7, 1, 8, 30, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"interview_date": "2030-13-45"}, "interview_date", "“2030-13-45” is not a date in the form YYYY-MM-DD."),
        ({"interview_date": ""}, "interview_date", "Enter a date."),
        ({"start_time": "25:00"}, "start_time", "“25:00” is not a time in the form HH:MM (24-hour)."),
        ({"end_time": "14:00"}, "end_time", "The end must be after the start."),
        ({"end_time": "14:32"}, "end_time", "A slot lasts from 5 minutes to 8 hours."),
        ({"end_time": "23:00"}, "end_time", "A slot lasts from 5 minutes to 8 hours."),
        ({"interview_date": "2030-01-14"}, "interview_date", "This time is in the past; pick a future time."),
        ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone 'Mars/Olympus'."),
        (
            {"interview_date": "2030-03-10", "start_time": "02:30", "end_time": "03:30", "timezone": "America/New_York"},
            "start_time",
            "2030-03-10 02:30 does not exist in America/New_York (clocks skip it).",
        ),
    ],
)
def test_bad_move_times_name_the_field(app, clock, changes, field, message):
    slot = make_slot(make_job(), T0)
    with pytest.raises(slot_parsing.SlotInputError) as refused:
        slot_parsing.move_times(slot, **changes)
    assert refused.value.fields[field] == message


def test_new_slots_follow_the_same_duration_rule(app, clock):
    job = make_job()
    with pytest.raises(slot_parsing.SlotInputError) as refused:
        slot_parsing.slot_spec(job_id=job.id, interview_date="2030-01-16", start_time="09:00", end_time="18:00")
    assert refused.value.fields == {"end_time": "A slot lasts from 5 minutes to 8 hours."}


@BOTH_DATABASES
def test_a_booked_slot_moves_only_when_confirmed(app, clock, backend):
    slot, interviews = booked_slot(make_job())
    with pytest.raises(slot_crud.MoveNeedsConfirmation) as refused:
        move(slot, NEW)
    assert refused.value.interview_count == 2 and refused.value.status == 409
    assert refused.value.message == (
        "2 interviews are booked into this slot: moving the slot moves them too, and their 2 candidates will be "
        "e-mailed the new time. Confirm to move them."
    )
    db.session.expire_all()
    assert db.session.get(InterviewSlot, slot.id).start_at == T0
    assert {i.started_at for i in db.session.scalars(select(Interview))} == {T0}
    assert emails("reschedule") == []
    one, _ = booked_slot(make_job("Designer"), names=("Meera Das",))
    with pytest.raises(slot_crud.MoveNeedsConfirmation) as refused:
        move(one, NEW)
    assert refused.value.message == (
        "1 interview is booked into this slot: moving the slot moves it too, and its candidate will be e-mailed the new time. "
        "Confirm to move it."
    )


@BOTH_DATABASES
def test_confirmed_move_takes_the_interviews_along_with_their_links(app, clock, backend):
    slot, interviews = booked_slot(make_job())
    keys = {i.id: i.session_key for i in interviews}
    invitations = {e.interview_id: e for e in emails("invitation")}
    moved = move(slot, NEW, NEW + timedelta(minutes=45), confirm=True)
    assert sorted(i.id for i in moved) == sorted(keys)
    db.session.expire_all()
    for interview in db.session.scalars(select(Interview)):
        assert (interview.started_at, interview.ended_at, interview.sequence) == (NEW, NEW + timedelta(minutes=45), 1)
        assert interview.session_key == keys[interview.id] and interview.session.session_key == keys[interview.id]
        assert (interview.session.scheduled_at, interview.session.duration_minutes) == (NEW, 45)
        assert (interview.slot_id, interview.status) == (slot.id, "scheduled")
    assert db.session.get(InterviewSlot, slot.id).current_bookings == 2
    notices = emails("reschedule")
    assert [e.to_email for e in notices] == ["asha@example.com", "ravi@example.com"]
    for notice in notices:
        assert notice.subject == "Interview Rescheduled - Backend Engineer at Acme"
        assert "Previous time: Wednesday 16 January 2030, 02:30 PM IST" in notice.body_text
        assert "New time:      Monday 21 January 2030, 02:30 PM IST" in notice.body_text
        assert f"http://testserver.local/?session_key={keys[notice.interview_id]}" in notice.body_text
        new_event, old_event = event_of(notice.ics), event_of(invitations[notice.interview_id].ics)
        assert str(new_event["UID"]) == str(old_event["UID"]) and (old_event["SEQUENCE"], new_event["SEQUENCE"]) == (0, 1)
        assert new_event.decoded("DTSTART") == NEW and str(new_event["URL"]) == str(old_event["URL"])
    # The reminders queued for the old time are withdrawn; new ones wait for the new time.
    reminders = emails("reminder")
    assert {r.next_attempt_at for r in reminders if r.status == "cancelled"} == {
        T0 - timedelta(hours=24),
        T0 - timedelta(hours=1),
    }
    assert {r.next_attempt_at for r in reminders if r.status != "cancelled"} == {
        NEW - timedelta(hours=24),
        NEW - timedelta(hours=1),
    }
    assert len(reminders) == 8
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.in_(("slot.moved", "interview.rescheduled")))
    ).all()
    assert sorted(actions) == ["interview.rescheduled", "interview.rescheduled", "slot.moved"]
    assert seat_discrepancies() == []


def test_cancelled_started_or_begun_slots_do_not_move(app, clock):
    job = make_job()
    cancelled = make_slot(job, T0)
    booking.cancel_slot(cancelled)
    with pytest.raises(slot_parsing.SlotInputError, match="This slot is cancelled; it can't be edited."):
        move(cancelled, NEW)
    started = make_slot(job, clock.now() - timedelta(minutes=5))
    with pytest.raises(slot_crud.SlotMoveRefused, match="This slot has already started; it can't be moved."):
        move(started, NEW)
    begun, (interview,) = booked_slot(job, names=("Asha Rao",))
    interview.status = "in_progress"
    db.session.commit()
    with pytest.raises(slot_crud.SlotMoveRefused, match="An interview in this slot has already begun"):
        move(begun, NEW, confirm=True)
    db.session.expire_all()
    assert db.session.get(InterviewSlot, started.id).start_at == clock.now() - timedelta(minutes=5)
    assert db.session.get(InterviewSlot, begun.id).start_at == T0


def test_a_cancel_between_reading_and_moving_is_seen_under_the_lock(app, clock):
    """The page was read while the slot was live; the move re-checks the locked row."""
    slot = make_slot(make_job(), T0)
    assert slot.status == "available"  # what the caller read
    with db.engine.begin() as other_request:
        other_request.execute(InterviewSlot.__table__.update().values(status="cancelled"))
    with pytest.raises(slot_crud.SlotMoveRefused, match="This slot is cancelled; it can't be moved."):
        move(slot, NEW)


def test_overlap_with_the_jobs_other_slots_needs_allow_overlap(app, clock):
    job = make_job()
    slot = make_slot(job, T0)
    make_slot(job, NEW + timedelta(minutes=15))
    with pytest.raises(slot_crud.SlotOverlap):
        move(slot, NEW)
    move(slot, NEW, allow_overlap=True)
    assert db.session.get(InterviewSlot, slot.id).start_at == NEW


def test_move_and_capacity_change_are_one_transaction(app, clock):
    """A capacity below the bookings refuses the whole edit: the interviews stay where they were."""
    slot, interviews = booked_slot(make_job())
    with pytest.raises(slot_parsing.SlotInputError) as refused:
        slot_crud.update_slot(
            slot, max_candidates=1, ai_interview_type="technical", move_to=(NEW, NEW + timedelta(minutes=30)), confirm=True
        )
    assert refused.value.fields == {"max_candidates": "2 candidates are booked; capacity can't go below 2."}
    db.session.expire_all()
    assert db.session.get(InterviewSlot, slot.id).start_at == T0
    assert {(i.started_at, i.sequence) for i in db.session.scalars(select(Interview))} == {(T0, 0)}
    assert emails("reschedule") == []


@BOTH_DATABASES
@pytest.mark.parametrize("round_", range(3))
def test_a_booking_racing_the_move_is_never_left_at_the_old_time(app, clock, backend, round_):
    """Bookings and a confirmed move at once: every interview ends at the slot's new time, and
    each one booked before the move got a reschedule e-mail."""
    job = make_job()
    slot_id = make_slot(job, T0, capacity=6).id
    early = make_candidate(job, "Early Bird")
    booking.book_interview(early, db.session.get(InterviewSlot, slot_id))
    racer_ids = [make_candidate(job, f"Racer {n}", f"racer{n}@example.com").id for n in range(4)]
    db.session.remove()
    start = threading.Barrier(len(racer_ids) + 1, timeout=60)

    def book(candidate_id):
        with app.app_context():
            candidate, slot = db.session.get(Candidate, candidate_id), db.session.get(InterviewSlot, slot_id)
            db.session.commit()
            start.wait()
            try:
                booking.book_interview(candidate, slot)
                return "booked"
            except booking.BookingError as error:
                return error.message
            finally:
                db.session.remove()

    def move_it():
        with app.app_context():
            slot = db.session.get(InterviewSlot, slot_id)
            db.session.commit()
            start.wait()
            try:
                return len(move(slot, NEW, confirm=True))
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(racer_ids) + 1) as pool:
        moved = pool.submit(move_it)
        results = list(pool.map(book, racer_ids))
        moved_count = moved.result()

    assert results == ["booked"] * len(racer_ids)
    slot = db.session.get(InterviewSlot, slot_id)
    assert slot.start_at == NEW and slot.current_bookings == 1 + len(racer_ids)
    interviews = db.session.scalars(select(Interview)).all()
    assert {(i.started_at, i.session.scheduled_at) for i in interviews} == {(NEW, NEW)}
    moved_with_slot = [i for i in interviews if i.sequence == 1]
    assert len(moved_with_slot) == moved_count >= 1  # at least the early bird moved
    assert sorted(e.interview_id for e in emails("reschedule")) == sorted(i.id for i in moved_with_slot)
    assert seat_discrepancies() == []


# --- the slot edit page -----------------------------------------------------------------------

HX = {"HX-Request": "true"}


def edit_form(**changes):
    data = {
        "interview_date": "2030-01-16",
        "start_time": "14:30",
        "end_time": "15:00",
        "timezone": "Asia/Kolkata",
        "ai_interview_type": "technical",
        "max_candidates": "3",
    }
    data.update(changes)
    return data


def test_edit_page_shows_the_slots_time_and_moves_an_empty_slot(clock, recruiter_client):
    slot = make_slot(make_job(), T0, capacity=3)
    page = recruiter_client.get(f"/slots/{slot.id}/edit").get_data(as_text=True)
    for html in (
        'value="2030-01-16"',
        'value="14:30"',
        'value="15:00"',
        'id="slot-edit"',
        "Nobody is booked yet, so the slot moves straight away.",
    ):
        assert html in page
    response = recruiter_client.post(f"/slots/{slot.id}/edit", data=edit_form(interview_date="2030-01-21"))
    assert response.status_code == 302 and response.headers["Location"] == f"/slots/{slot.id}/"
    assert "Slot updated: Mon 21 Jan 2030, 14:30 IST." in recruiter_client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    db.session.refresh(slot)
    assert slot.start_at == NEW


def test_editing_only_the_capacity_of_a_past_slot_still_works(clock, recruiter_client):
    slot = make_slot(make_job(), clock.now() - timedelta(hours=1), capacity=3)
    page = recruiter_client.get(f"/slots/{slot.id}/edit").get_data(as_text=True)
    values = {
        name: page.split(f'name="{name}"')[1].split('value="')[1].split('"')[0]
        for name in ("interview_date", "start_time", "end_time")
    }
    response = recruiter_client.post(f"/slots/{slot.id}/edit", data=edit_form(**values, max_candidates="2"))
    assert response.status_code == 302
    db.session.refresh(slot)
    assert (slot.max_candidates, slot.start_at) == (2, clock.now() - timedelta(hours=1))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"interview_date": "2030-13-45"}, "“2030-13-45” is not a date in the form YYYY-MM-DD."),
        ({"end_time": "14:00"}, "The end must be after the start."),
        ({"interview_date": "2030-01-14"}, "This time is in the past; pick a future time."),
    ],
)
def test_bad_times_show_inline_errors_on_the_page_and_in_the_fragment(clock, recruiter_client, changes, message):
    slot = make_slot(make_job(), T0)
    page = recruiter_client.post(f"/slots/{slot.id}/edit", data=edit_form(**changes))
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True)
    assert f"{message}</p>" in page.get_data(as_text=True)
    fragment = recruiter_client.post(f"/slots/{slot.id}/edit", data=edit_form(**changes), headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 422 and "<html" not in body
    assert 'id="slot-edit"' in body and 'aria-invalid="true"' in body and message in body
    db.session.refresh(slot)
    assert slot.start_at == T0


def test_a_booked_slot_asks_first_then_moves_and_emails(clock, recruiter_client):
    slot, interviews = booked_slot(make_job(), names=("Asha Rao", "Ravi Kumar", "Meera Das"))
    hint = recruiter_client.get(f"/slots/{slot.id}/edit").get_data(as_text=True)
    assert "Changing the date or times moves the 3 booked interviews too" in hint
    asked = recruiter_client.post(f"/slots/{slot.id}/edit", data=edit_form(interview_date="2030-01-21"))
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Move 3 interviews to Mon 21 Jan 14:30 IST and e-mail 3 candidates?" in html
    assert f'<a class="button" href="/slots/{slot.id}/" autofocus>Keep the current time</a>' in html
    assert 'name="confirm_move" value="2030-01-21T09:00:00Z"' in html
    assert html.index(">Save</button>") < html.index("Move and e-mail")  # Enter in a field saves, never confirms
    db.session.refresh(slot)
    assert slot.start_at == T0 and emails("reschedule") == []

    # Typed again to another time, the old confirmation does not count: it asks about the new time.
    retyped = recruiter_client.post(
        f"/slots/{slot.id}/edit", data=edit_form(interview_date="2030-01-22", confirm_move="2030-01-21T09:00:00Z")
    )
    assert "Move 3 interviews to Tue 22 Jan 14:30 IST and e-mail 3 candidates?" in retyped.get_data(as_text=True)

    confirmed = recruiter_client.post(
        f"/slots/{slot.id}/edit", data=edit_form(interview_date="2030-01-21", confirm_move="2030-01-21T09:00:00Z")
    )
    assert confirmed.status_code == 302
    page = recruiter_client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "Slot updated: Mon 21 Jan 2030, 14:30 IST; 3 candidates e-mailed the new time." in page
    db.session.expire_all()
    assert db.session.get(InterviewSlot, slot.id).start_at == NEW
    assert {i.started_at for i in db.session.scalars(select(Interview))} == {NEW}
    assert len(emails("reschedule")) == 3


def test_the_confirm_flow_over_htmx(clock, recruiter_client):
    slot, _ = booked_slot(make_job(), names=("Asha Rao",))
    asked = recruiter_client.post(f"/slots/{slot.id}/edit", data=edit_form(start_time="16:00", end_time="16:30"), headers=HX)
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "<html" not in body and 'id="slot-edit"' in body
    assert "Move 1 interview to Wed 16 Jan 16:00 IST and e-mail 1 candidate?" in body
    assert "HX-Request" in asked.headers["Vary"]
    done = recruiter_client.post(
        f"/slots/{slot.id}/edit",
        data=edit_form(start_time="16:00", end_time="16:30", confirm_move="2030-01-16T10:30:00Z"),
        headers=HX,
    )
    assert done.status_code == 200 and done.headers["HX-Redirect"] == f"/slots/{slot.id}/"
    db.session.refresh(slot)
    assert slot.start_at == T0 + timedelta(minutes=90) and len(emails("reschedule")) == 1


def test_edit_refusals_show_on_the_form(clock, recruiter_client):
    job = make_job()
    slot = make_slot(job, T0)
    make_slot(job, NEW)
    overlap = recruiter_client.post(f"/slots/{slot.id}/edit", data=edit_form(interview_date="2030-01-21"))
    html = overlap.get_data(as_text=True)
    assert overlap.status_code == 422 and "This overlaps 1 existing slot for the same job:" in html
    assert "Move anyway, although it overlaps" in html
    forced = recruiter_client.post(f"/slots/{slot.id}/edit", data=edit_form(interview_date="2030-01-21", confirm_overlap="y"))
    assert forced.status_code == 302
    booking.cancel_slot(slot)
    cancelled = recruiter_client.post(f"/slots/{slot.id}/edit", data=edit_form(interview_date="2030-01-23"), headers=HX)
    assert '<p class="error" role="alert">This slot is cancelled; it can&#39;t be edited.</p>' in cancelled.get_data(as_text=True)
