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
    assert [s["id"] for s in listed] == [slot["id"]]
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
    forced = client.post("/api/interviews/slots/", json=slot_body(job, start_time="14:45", end_time="15:15", allow_overlap=True), headers=api_headers)
    assert forced.status_code == 201


def test_seed_002_two_step_flow_and_session_endpoint(app, clock, client, api_headers):
    """POST interview → the old frontend's PUT of seats (ignored) → book_slot → create_interview_session."""
    job = make_job(language="SQL")
    candidate = make_candidate(job, "John Doe", "john@example.com")
    slot = make_slot(job, T0, capacity=1)

    created = client.post("/api/interviews/", json={"candidate_id": str(candidate.id), "job_id": str(job.id)}, headers=api_headers)
    assert created.status_code == 201 and created.json["status"] == "pending" and created.json["session_key"] is None
    interview_id = created.json["id"]

    cheat = client.put(f"/api/interviews/slots/{slot.id}/", json={"current_bookings": 1, "status": "booked"}, headers=api_headers)
    assert cheat.status_code == 200 and cheat.json["current_bookings"] == 0 and cheat.json["status"] == "available"
    assert cheat.json["ignored_fields"] == ["current_bookings", "status"]

    booked = client.post(
        f"/api/interviews/slots/{slot.id}/book_slot/", json={"interview_id": interview_id, "booking_notes": "API"}, headers=api_headers
    )
    assert booked.status_code == 201, booked.json
    assert booked.json["status"] == "scheduled" and booked.json["booking_notes"] == "API"

    first = client.post("/api/interviews/schedules/create_interview_session/", json={"interview_id": interview_id}, headers=api_headers)
    assert first.status_code == 201
    body = first.json
    assert set(body) == {
        "success", "interview_link", "session_key", "session_id", "candidate_name", "candidate_email",
        "scheduled_at", "coding_language", "email_sent",
    }
    assert body["success"] is True and body["scheduled_at"] == "2030-01-16T09:00:00Z"
    assert body["interview_link"] == f"http://testserver.local/?session_key={body['session_key']}"
    assert (body["candidate_name"], body["candidate_email"], body["coding_language"]) == ("John Doe", "john@example.com", "SQL")
    assert body["email_sent"] is True  # queued in the outbox (SMTP unconfigured still counts as waiting, not failed)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", body["session_key"])
    second = client.post("/api/interviews/schedules/create_interview_session/", json={"interview_id": interview_id}, headers=api_headers)
    assert second.status_code == 200 and second.json == body

    full = client.post("/api/interviews/", json={"candidate_id": str(make_candidate(job, "Jane Roe", "jane@example.com").id), "job_id": str(job.id)}, headers=api_headers)
    refused = client.post(
        "/api/interviews/schedules/book_interview/", json={"interview_id": full.json["id"], "slot_id": str(slot.id)}, headers=api_headers
    )
    assert refused.status_code == 409 and refused.json == {"error": "This slot is full."}


def test_session_endpoint_errors(app, clock, client, api_headers):
    job = make_job()
    pending = Interview(candidate=make_candidate(job), job=job)
    db.session.add(pending)
    db.session.commit()
    url = "/api/interviews/schedules/create_interview_session/"
    assert client.post(url, json={}, headers=api_headers).json["error"] == "interview_id is required"
    assert client.post(url, json={"interview_id": str(uuid.uuid4())}, headers=api_headers).json == {"error": "Interview not found"}
    assert client.post(url, json={"interview_id": "42"}, headers=api_headers).status_code == 404
    no_slot = client.post(url, json={"interview_id": str(pending.id)}, headers=api_headers)
    assert no_slot.status_code == 400 and "book it into a slot first" in no_slot.json["error"]


def test_capacity_cannot_drop_below_bookings(app, clock, client, api_headers):
    job = make_job()
    slot = make_slot(job, T0, capacity=3)
    for n in range(2):
        interview = client.post("/api/interviews/", json={"candidate_id": str(make_candidate(job, f"P {n}", f"p{n}@example.com").id), "job_id": str(job.id)}, headers=api_headers).json
        assert client.post(f"/api/interviews/slots/{slot.id}/book_slot/", json={"interview_id": interview["id"]}, headers=api_headers).status_code == 201
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
        return client.post("/api/interviews/", json={"candidate_id": str(candidate.id), "job_id": str(job.id)}, headers=api_headers).json["id"]

    booked_id = new_interview()
    assert client.post("/api/interviews/schedules/book_interview/", json={"interview_id": booked_id, "slot_id": str(first.id)}, headers=api_headers).status_code == 201
    second = client.post("/api/interviews/", json={"candidate_id": str(candidate.id), "job_id": str(job.id)}, headers=api_headers)
    assert second.status_code == 409 and second.json == {
        "error": "Asha Rao already has an interview for this job on Wed 16 Jan 2030, 14:30 IST — reschedule it instead.",
        "code": "already_scheduled",
        "interview_id": booked_id,
    }
    clash = client.post(f"/api/interviews/slots/{overlapping.id}/book_slot/", json={"interview_id": booked_id}, headers=api_headers)
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
    assert client.post(f"/api/interviews/slots/{missing}/book_slot/", json={"interview_id": booked_id}, headers=api_headers).status_code == 404
    no_id = client.post(f"/api/interviews/slots/{first.id}/book_slot/", json={}, headers=api_headers)
    assert no_id.status_code == 400 and no_id.json["fields"] == {"interview_id": "interview_id is required"}
    assert client.post("/api/interviews/", data="not json", headers={**api_headers, "Content-Type": "application/json"}).status_code == 400


def test_cancel_slot_endpoint(app, clock, client, api_headers):
    job = make_job()
    slot = make_slot(job, T0, capacity=2)
    interview = client.post("/api/interviews/", json={"candidate_id": str(make_candidate(job).id), "job_id": str(job.id)}, headers=api_headers).json
    client.post(f"/api/interviews/slots/{slot.id}/book_slot/", json={"interview_id": interview["id"]}, headers=api_headers)
    response = client.post(f"/api/interviews/slots/{slot.id}/cancel/", headers=api_headers)
    assert response.status_code == 200 and response.json["cancelled_interviews"] == [interview["id"]]
    assert response.json["slot"]["status"] == "cancelled" and response.json["slot"]["current_bookings"] == 0
    assert client.post(f"/api/interviews/slots/{slot.id}/cancel/", headers=api_headers).json == {"error": "This slot is already cancelled."}
