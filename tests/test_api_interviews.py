"""The slots and interviews JSON API, following seeds 001 and 002."""

import re
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models import Interview, InterviewSlot, db
from tests.booking_support import make_candidate, make_job, make_slot
from tests.support import BOTH_DATABASES

T0 = datetime(2030, 1, 16, 9, 0, tzinfo=UTC)  # 14:30 IST, the day after the pinned clock


def slot_body(job, **changes):
    body = {
        "job_id": str(job.id),
        "interview_date": "2030-01-16",
        "start_time": "14:30",
        "end_time": "15:00",
        "max_candidates": 2,
        "ai_interview_type": "coding",
    }
    body.update(changes)
    return body


def test_token_is_required(client):
    assert client.get("/api/interviews/slots/").status_code == 401
    response = client.post("/api/interviews/", json={})
    assert response.status_code == 401 and "error" in response.json


@BOTH_DATABASES
def test_create_slot_in_ist_and_read_it_back(app, clock, client, api_headers, backend):
    job = make_job()
    response = client.post("/api/interviews/slots/", json=slot_body(job), headers=api_headers)
    assert response.status_code == 201, response.json
    slot = response.json
    assert slot["start_at"] == "2030-01-16T09:00:00Z" and slot["end_at"] == "2030-01-16T09:30:00Z"
    assert (slot["interview_date"], slot["start_time"], slot["end_time"]) == ("2030-01-16", "14:30", "15:00")
    assert (slot["max_candidates"], slot["current_bookings"], slot["status"]) == (2, 0, "available")
    listed = client.get(f"/api/interviews/slots/?job_id={job.id}", headers=api_headers).json
    assert [s["id"] for s in listed["results"]] == [slot["id"]] and listed["count"] == 1 and listed["next"] is None
    assert client.get(f"/api/interviews/slots/{slot['id']}/", headers=api_headers).json["ai_interview_type"] == "coding"


def test_create_slot_in_a_dst_zone(app, clock, client, api_headers):
    job = make_job()
    body = slot_body(job, interview_date="2030-07-01", start_time="09:00", end_time="09:30", timezone="America/New_York")
    response = client.post("/api/interviews/slots/", json=body, headers=api_headers)
    assert response.status_code == 201 and response.json["start_at"] == "2030-07-01T13:00:00Z"
    gap = slot_body(job, interview_date="2030-03-10", start_time="02:30", end_time="03:30", timezone="America/New_York")
    response = client.post("/api/interviews/slots/", json=gap, headers=api_headers)
    assert response.status_code == 400
    assert response.json["fields"]["start_time"] == "2030-03-10 02:30 does not exist in America/New_York (clocks skip it)."


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"end_time": "14:00"}, "end_time", "The end must be after the start."),
        ({"max_candidates": 0}, "max_candidates", "Capacity must be between 1 and 100."),
        ({"max_candidates": "lots"}, "max_candidates", "Capacity must be a whole number."),
        ({"interview_date": "16/01/2030"}, "interview_date", "“16/01/2030” is not a date in the form YYYY-MM-DD."),
        ({"start_time": "2.30pm"}, "start_time", "“2.30pm” is not a time in the form HH:MM (24-hour)."),
        ({"interview_date": "2030-01-14"}, "interview_date", "This time is in the past; pick a future time."),
        ({"ai_interview_type": "chat"}, "ai_interview_type", "Choose technical or coding."),
        ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone 'Mars/Olympus'."),
        ({"job_id": "not-a-uuid"}, "job_id", "No such job."),
    ],
)
def test_create_slot_bad_input(app, clock, client, api_headers, changes, field, message):
    job = make_job()
    response = client.post("/api/interviews/slots/", json=slot_body(job, **changes), headers=api_headers)
    assert response.status_code == 400
    assert response.json["fields"][field] == message and response.json["error"]
    assert db.session.scalar(select(func.count(InterviewSlot.id))) == 0


def test_overlapping_slot_needs_allow_overlap(app, clock, client, api_headers):
    job = make_job()
    assert client.post("/api/interviews/slots/", json=slot_body(job), headers=api_headers).status_code == 201
    again = client.post("/api/interviews/slots/", json=slot_body(job, start_time="14:45", end_time="15:15"), headers=api_headers)
    assert again.status_code == 409 and "overlaps 1 existing slot" in again.json["error"]
    forced = client.post(
        "/api/interviews/slots/",
        json=slot_body(job, start_time="14:45", end_time="15:15", allow_overlap=True),
        headers=api_headers,
    )
    assert forced.status_code == 201


def test_seed_002_two_step_flow_and_session_endpoint(app, clock, client, api_headers):
    """POST interview → the old frontend's PUT of seats (ignored) → book_slot → create_interview_session."""
    job = make_job(language="SQL")
    candidate = make_candidate(job, "John Doe", "john@example.com")
    slot = make_slot(job, T0, capacity=1)

    # The old frontend sent its own fields along ("{ candidate_id, job_id, ... }"): they are ignored.
    extras = {"status": "scheduled", "session_key": "chosen-by-the-client", "ai_interview_type": "coding"}
    created = client.post(
        "/api/interviews/", json={"candidate_id": str(candidate.id), "job_id": str(job.id), **extras}, headers=api_headers
    )
    assert created.status_code == 201 and created.json["status"] == "pending" and created.json["session_key"] is None
    interview_id = created.json["id"]

    cheat = client.put(f"/api/interviews/slots/{slot.id}/", json={"current_bookings": 1, "status": "booked"}, headers=api_headers)
    assert cheat.status_code == 200 and cheat.json["current_bookings"] == 0 and cheat.json["status"] == "available"
    assert cheat.json["ignored_fields"] == ["current_bookings", "status"]

    booked = client.post(
        f"/api/interviews/slots/{slot.id}/book_slot/",
        json={"interview_id": interview_id, "booking_notes": "API"},
        headers=api_headers,
    )
    assert booked.status_code == 201, booked.json
    assert booked.json["status"] == "scheduled" and booked.json["booking_notes"] == "API"

    first = client.post(
        "/api/interviews/schedules/create_interview_session/", json={"interview_id": interview_id}, headers=api_headers
    )
    assert first.status_code == 201
    body = first.json
    assert set(body) == {
        "success",
        "interview_link",
        "session_key",
        "session_id",
        "candidate_name",
        "candidate_email",
        "scheduled_at",
        "coding_language",
        "email_sent",
    }
    assert body["success"] is True and body["scheduled_at"] == "2030-01-16T09:00:00Z"
    assert body["interview_link"] == f"http://testserver.local/?session_key={body['session_key']}"
    assert (body["candidate_name"], body["candidate_email"], body["coding_language"]) == ("John Doe", "john@example.com", "SQL")
    assert body["email_sent"] is False  # no SMTP server configured: it waits in the outbox as unconfigured
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", body["session_key"])
    second = client.post(
        "/api/interviews/schedules/create_interview_session/", json={"interview_id": interview_id}, headers=api_headers
    )
    assert second.status_code == 200 and second.json == body

    full = client.post(
        "/api/interviews/",
        json={"candidate_id": str(make_candidate(job, "Jane Roe", "jane@example.com").id), "job_id": str(job.id)},
        headers=api_headers,
    )
    refused = client.post(
        "/api/interviews/schedules/book_interview/",
        json={"interview_id": full.json["id"], "slot_id": str(slot.id)},
        headers=api_headers,
    )
    assert refused.status_code == 409 and refused.json == {"error": "This slot is full."}


def test_session_endpoint_errors(app, clock, client, api_headers):
    job = make_job()
    pending = Interview(candidate=make_candidate(job), job=job)
    db.session.add(pending)
    db.session.commit()
    url = "/api/interviews/schedules/create_interview_session/"
    assert client.post(url, json={}, headers=api_headers).json["error"] == "interview_id is required"
    assert client.post(url, json={"interview_id": str(uuid.uuid4())}, headers=api_headers).json == {
        "error": "Interview not found"
    }
    assert client.post(url, json={"interview_id": "42"}, headers=api_headers).status_code == 404
    no_slot = client.post(url, json={"interview_id": str(pending.id)}, headers=api_headers)
    assert no_slot.status_code == 400 and "book it into a slot first" in no_slot.json["error"]


def test_capacity_cannot_drop_below_bookings(app, clock, client, api_headers):
    job = make_job()
    slot = make_slot(job, T0, capacity=3)
    for n in range(2):
        interview = client.post(
            "/api/interviews/",
            json={"candidate_id": str(make_candidate(job, f"P {n}", f"p{n}@example.com").id), "job_id": str(job.id)},
            headers=api_headers,
        ).json
        assert (
            client.post(
                f"/api/interviews/slots/{slot.id}/book_slot/", json={"interview_id": interview["id"]}, headers=api_headers
            ).status_code
            == 201
        )
    too_small = client.put(f"/api/interviews/slots/{slot.id}/", json={"max_candidates": 1}, headers=api_headers)
    assert too_small.status_code == 400
    assert too_small.json["fields"]["max_candidates"] == "2 candidates are booked; capacity can't go below 2."
    exact = client.put(f"/api/interviews/slots/{slot.id}/", json={"max_candidates": 2}, headers=api_headers)
    assert exact.status_code == 200 and exact.json["status"] == "full"


def test_overlap_reschedule_cancel_and_unknown_ids(app, clock, client, api_headers):
    job = make_job()
    candidate = make_candidate(job)
    first, overlapping = make_slot(job, T0, minutes=60, capacity=2), make_slot(job, T0.replace(minute=30), capacity=2)
    later = make_slot(job, T0.replace(hour=12), capacity=1)

    def new_interview():
        return client.post(
            "/api/interviews/", json={"candidate_id": str(candidate.id), "job_id": str(job.id)}, headers=api_headers
        ).json["id"]

    booked_id = new_interview()
    assert (
        client.post(
            "/api/interviews/schedules/book_interview/",
            json={"interview_id": booked_id, "slot_id": str(first.id)},
            headers=api_headers,
        ).status_code
        == 201
    )
    second = client.post("/api/interviews/", json={"candidate_id": str(candidate.id), "job_id": str(job.id)}, headers=api_headers)
    assert second.status_code == 409 and second.json == {
        "error": "Asha Rao already has an interview for this job on Wed 16 Jan 2030, 14:30 IST — reschedule it instead.",
        "code": "already_scheduled",
        "interview_id": booked_id,
    }
    clash = client.post(
        f"/api/interviews/slots/{overlapping.id}/book_slot/", json={"interview_id": booked_id}, headers=api_headers
    )
    assert clash.status_code == 409 and clash.json == {"error": "This interview is already booked; reschedule it instead."}

    before = client.get(f"/api/interviews/{booked_id}/", headers=api_headers).json
    moved = client.post(f"/api/interviews/{booked_id}/reschedule/", json={"slot_id": str(later.id)}, headers=api_headers)
    assert moved.status_code == 200 and moved.json["slot_id"] == str(later.id)
    assert moved.json["session_key"] == before["session_key"] and moved.json["started_at"] == "2030-01-16T12:00:00Z"
    assert client.get(f"/api/interviews/slots/{first.id}/", headers=api_headers).json["current_bookings"] == 0

    cancelled = client.post(f"/api/interviews/{booked_id}/cancel/", headers=api_headers)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert client.get(f"/api/interviews/slots/{later.id}/", headers=api_headers).json["current_bookings"] == 0
    assert client.post(f"/api/interviews/{booked_id}/cancel/", headers=api_headers).status_code == 409

    missing = str(uuid.uuid4())
    assert client.get(f"/api/interviews/{missing}/", headers=api_headers).status_code == 404
    assert client.get("/api/interviews/slots/nope/", headers=api_headers).json == {"error": "Slot not found"}
    assert (
        client.post(
            f"/api/interviews/slots/{missing}/book_slot/", json={"interview_id": booked_id}, headers=api_headers
        ).status_code
        == 404
    )
    no_id = client.post(f"/api/interviews/slots/{first.id}/book_slot/", json={}, headers=api_headers)
    assert no_id.status_code == 400 and no_id.json["fields"] == {"interview_id": "interview_id is required"}
    assert (
        client.post("/api/interviews/", data="not json", headers={**api_headers, "Content-Type": "application/json"}).status_code
        == 400
    )


def test_cancel_slot_endpoint(app, clock, client, api_headers):
    job = make_job()
    slot = make_slot(job, T0, capacity=2)
    interview = client.post(
        "/api/interviews/", json={"candidate_id": str(make_candidate(job).id), "job_id": str(job.id)}, headers=api_headers
    ).json
    client.post(f"/api/interviews/slots/{slot.id}/book_slot/", json={"interview_id": interview["id"]}, headers=api_headers)
    response = client.post(f"/api/interviews/slots/{slot.id}/cancel/", headers=api_headers)
    assert response.status_code == 200 and response.json["cancelled_interviews"] == [interview["id"]]
    assert response.json["slot"]["status"] == "cancelled" and response.json["slot"]["current_bookings"] == 0
    assert client.post(f"/api/interviews/slots/{slot.id}/cancel/", headers=api_headers).json == {
        "error": "This slot is already cancelled."
    }


def book_via_api(client, api_headers, job, slot, name):
    """A candidate booked into `slot` through seed 002's two calls; the interview's JSON."""
    candidate = make_candidate(job, name)
    created = client.post(
        "/api/interviews/", json={"candidate_id": str(candidate.id), "job_id": str(job.id)}, headers=api_headers
    )
    booked = client.post(
        f"/api/interviews/slots/{slot.id}/book_slot/", json={"interview_id": created.json["id"]}, headers=api_headers
    )
    assert booked.status_code == 201
    return booked.json


@BOTH_DATABASES
def test_put_moves_an_empty_slot_and_patch_changes_only_what_is_sent(app, clock, client, api_headers, backend):
    slot = make_slot(make_job(), T0, capacity=2)
    url = f"/api/interviews/slots/{slot.id}/"
    moved = client.put(
        url, json={"interview_date": "2030-01-21", "start_time": "10:00", "end_time": "10:45"}, headers=api_headers
    )
    assert moved.status_code == 200, moved.json
    assert (moved.json["start_at"], moved.json["end_at"]) == ("2030-01-21T04:30:00Z", "2030-01-21T05:15:00Z")
    assert moved.json["moved_interviews"] == [] and "ignored_fields" not in moved.json
    later = client.patch(url, json={"start_time": "10:15"}, headers=api_headers)
    assert later.status_code == 200
    assert (later.json["interview_date"], later.json["start_time"], later.json["end_time"]) == ("2030-01-21", "10:15", "10:45")
    db.session.refresh(slot)
    assert slot.start_at == datetime(2030, 1, 21, 4, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"interview_date": "2030-13-45"}, "interview_date", "“2030-13-45” is not a date in the form YYYY-MM-DD."),
        ({"start_time": "9am"}, "start_time", "“9am” is not a time in the form HH:MM (24-hour)."),
        ({"end_time": "14:00"}, "end_time", "The end must be after the start."),
        ({"interview_date": "2030-01-01"}, "interview_date", "This time is in the past; pick a future time."),
        ({"interview_date": 20300121}, "interview_date", "“20300121” is not a date in the form YYYY-MM-DD."),
        ({"interview_date": "2030-01-21", "timezone": "Mars/Olympus"}, "timezone", "Unknown time zone 'Mars/Olympus'."),
        ({"interview_date": "2030-01-21", "confirm": "yes"}, "confirm", "confirm is true or false."),
    ],
)
def test_put_with_bad_times_is_400_and_changes_nothing(app, clock, client, api_headers, body, field, message):
    slot = make_slot(make_job(), T0)
    response = client.put(f"/api/interviews/slots/{slot.id}/", json=body, headers=api_headers)
    assert response.status_code == 400 and response.json["fields"][field] == message
    db.session.refresh(slot)
    assert slot.start_at == T0


@BOTH_DATABASES
def test_moving_a_booked_slot_needs_confirm_then_moves_its_interviews(app, clock, client, api_headers, backend):
    from icalendar import Calendar

    from models import OutboxEmail

    job = make_job()
    slot = make_slot(job, T0, capacity=3)
    booked = [book_via_api(client, api_headers, job, slot, name) for name in ("Asha Rao", "Ravi Kumar")]
    url, move = f"/api/interviews/slots/{slot.id}/", {"interview_date": "2030-01-21", "max_candidates": 2}
    refused = client.put(url, json=move, headers=api_headers)
    assert refused.status_code == 409 and refused.json["interviews_to_move"] == 2
    assert refused.json["error"] == (
        "2 interviews are booked into this slot: moving the slot moves them too, and their 2 candidates will be "
        "e-mailed the new time. Confirm to move them."
    )
    db.session.refresh(slot)
    assert (slot.start_at, slot.max_candidates) == (T0, 3)

    confirmed = client.put(url, json={**move, "confirm": True}, headers=api_headers)
    assert confirmed.status_code == 200, confirmed.json
    assert sorted(confirmed.json["moved_interviews"]) == sorted(i["id"] for i in booked)
    assert (confirmed.json["start_at"], confirmed.json["max_candidates"], confirmed.json["status"]) == (
        "2030-01-21T09:00:00Z",
        2,
        "full",
    )
    for before in booked:
        after = client.get(f"/api/interviews/{before['id']}/", headers=api_headers).json
        assert after["started_at"] == "2030-01-21T09:00:00Z" and after["ended_at"] == "2030-01-21T09:30:00Z"
        assert (after["session_key"], after["interview_link"]) == (before["session_key"], before["interview_link"])
        assert after["email_status"] == "unconfigured"  # the reschedule notice is now the latest e-mail
        session = client.post(
            "/api/interviews/schedules/create_interview_session/", json={"interview_id": before["id"]}, headers=api_headers
        )
        assert session.json["scheduled_at"] == "2030-01-21T09:00:00Z"
        notices = db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.kind == "reschedule", OutboxEmail.interview_id == uuid.UUID(before["id"]))
        ).all()
        assert len(notices) == 1 and before["interview_link"] in notices[0].body_text
        event = Calendar.from_ical(notices[0].ics).walk("VEVENT")[0]
        assert event["SEQUENCE"] == 1 and str(event["URL"]) == before["interview_link"]


def test_put_refuses_cancelled_and_started_slots_and_names_ignored_fields(app, clock, client, api_headers):
    job = make_job()
    started = make_slot(job, datetime(2030, 1, 15, 4, 0, tzinfo=UTC))
    response = client.put(
        f"/api/interviews/slots/{started.id}/", json={"start_time": "16:00", "end_time": "16:30"}, headers=api_headers
    )
    assert response.status_code == 409 and response.json == {"error": "This slot has already started; it can't be moved."}
    slot = make_slot(job, T0)
    sent = {"id": str(slot.id), "job_title": "Renamed", "current_bookings": 3, "interview_date": "2030-01-16"}
    unchanged = client.put(f"/api/interviews/slots/{slot.id}/", json=sent, headers=api_headers)
    assert unchanged.status_code == 200 and unchanged.json["ignored_fields"] == ["current_bookings", "id", "job_title"]
    assert unchanged.json["job_title"] == "Backend Engineer" and unchanged.json["moved_interviews"] == []


def test_create_interview_with_slot_id_books_at_once(app, clock, client, api_headers):
    job = make_job(language="SQL")
    slot = make_slot(job, T0, capacity=1)
    asha = make_candidate(job, "Asha Rao")
    body = {"candidate_id": str(asha.id), "job_id": str(job.id), "slot_id": str(slot.id), "booking_notes": "One call"}
    created = client.post("/api/interviews/", json=body, headers=api_headers)
    assert created.status_code == 201, created.json
    answer = created.json
    assert (answer["status"], answer["slot_id"], answer["booking_notes"], answer["success"]) == (
        "scheduled",
        str(slot.id),
        "One call",
        True,
    )
    assert answer["interview_link"] == f"http://testserver.local/?session_key={answer['session_key']}"
    assert (answer["scheduled_at"], answer["started_at"], answer["coding_language"]) == (
        "2030-01-16T09:00:00Z",
        "2030-01-16T09:00:00Z",
        "SQL",
    )
    # No SMTP server in this test: the invitation waits in the outbox, so it is not "sent".
    assert (answer["candidate_name"], answer["candidate_email"], answer["email_sent"]) == ("Asha Rao", "asha@example.com", False)
    session = client.post(
        "/api/interviews/schedules/create_interview_session/", json={"interview_id": answer["id"]}, headers=api_headers
    )
    assert session.status_code == 200 and session.json["session_id"] == answer["session_id"]
    db.session.refresh(slot)
    assert (slot.current_bookings, slot.status) == (1, "full")

    ravi = make_candidate(job, "Ravi Kumar")
    full = client.post("/api/interviews/", json={**body, "candidate_id": str(ravi.id)}, headers=api_headers)
    assert full.status_code == 409 and full.json == {"error": "This slot is full."}
    unknown = client.post(
        "/api/interviews/", json={**body, "candidate_id": str(ravi.id), "slot_id": str(uuid.uuid4())}, headers=api_headers
    )
    assert unknown.status_code == 404 and unknown.json == {"error": "Slot not found"}
    other_job = make_slot(make_job("Designer"), T0, capacity=2)
    wrong = client.post(
        "/api/interviews/", json={**body, "candidate_id": str(ravi.id), "slot_id": str(other_job.id)}, headers=api_headers
    )
    assert wrong.status_code == 400
    both = client.post("/api/interviews/", json={**body, "scheduled_at": "2030-01-16 14:30"}, headers=api_headers)
    assert both.status_code == 400 and both.json["fields"]["scheduled_at"] == "Send slot_id or scheduled_at, not both."
    assert db.session.scalar(select(func.count(Interview.id))) == 1


@pytest.mark.parametrize("scheduled_at", ["2030-01-16 14:30", "2030-01-16T09:00:00Z", "2030-01-16T14:30:00+05:30"])
def test_create_interview_with_scheduled_at_makes_a_one_seat_slot(app, clock, client, api_headers, scheduled_at):
    job = make_job(duration=45)
    candidate = make_candidate(job)
    body = {"candidate_id": str(candidate.id), "job_id": str(job.id), "scheduled_at": scheduled_at}
    created = client.post("/api/interviews/", json=body, headers=api_headers)
    assert created.status_code == 201, created.json
    assert (created.json["scheduled_at"], created.json["ended_at"]) == ("2030-01-16T09:00:00Z", "2030-01-16T09:45:00Z")
    assert created.json["session_key"] and created.json["interview_link"].endswith(created.json["session_key"])
    slot = db.session.get(InterviewSlot, uuid.UUID(created.json["slot_id"]))
    assert (slot.max_candidates, slot.current_bookings, slot.status, slot.job_id) == (1, 1, "full", job.id)


@pytest.mark.parametrize(
    "scheduled_at, message",
    [
        (
            "tomorrow",
            "“tomorrow” is not a time: send ISO 8601 with an offset (2030-01-16T14:30:00+05:30) or YYYY-MM-DD HH:MM in Asia/Kolkata.",
        ),
        (
            "2030-01-16T14:30:00",
            "“2030-01-16T14:30:00” is not a time: send ISO 8601 with an offset (2030-01-16T14:30:00+05:30) or YYYY-MM-DD HH:MM in Asia/Kolkata.",
        ),
        ("2030-01-15 09:00", "This time is in the past; pick a future time."),
        ("0001-01-01T00:00:00+05:30", "Enter a date between 1970 and 2999."),
    ],
)
def test_create_interview_with_a_bad_scheduled_at_is_400(app, clock, client, api_headers, scheduled_at, message):
    job = make_job()
    body = {"candidate_id": str(make_candidate(job).id), "job_id": str(job.id), "scheduled_at": scheduled_at}
    response = client.post("/api/interviews/", json=body, headers=api_headers)
    assert response.status_code == 400 and response.json["fields"] == {"scheduled_at": message}
    assert db.session.scalar(select(func.count(InterviewSlot.id))) == 0


def test_an_ad_hoc_booking_refused_keeps_no_slot(app, clock, client, api_headers):
    job = make_job()
    candidate = make_candidate(job)
    booking_body = {"candidate_id": str(candidate.id), "job_id": str(job.id), "scheduled_at": "2030-01-16 14:30"}
    assert client.post("/api/interviews/", json=booking_body, headers=api_headers).status_code == 201
    clash = client.post("/api/interviews/", json={**booking_body, "scheduled_at": "2030-01-16 14:45"}, headers=api_headers)
    # One open interview per candidate and job: the second time is refused, and its slot not kept.
    assert (clash.status_code, clash.json["code"]) == (409, "already_scheduled")
    assert (
        clash.json["error"]
        == "Asha Rao already has an interview for this job on Wed 16 Jan 2030, 14:30 IST — reschedule it instead."
    )
    assert db.session.scalar(select(func.count(InterviewSlot.id))) == 1
