"""`email_sent` / `email_status` in the API's booking answers: true only when the invitation was
delivered or is queued for a configured SMTP server."""

from datetime import UTC, datetime, timedelta

import pytest

from services.outbox import queue
from tests.booking_support import make_candidate, make_job, make_slot

T0 = datetime(2030, 1, 16, 9, 0, tzinfo=UTC)


def book(client, api_headers):
    """Create and book an interview through the API; returns (book answer, session answer, interview id)."""
    job = make_job()
    candidate = make_candidate(job, "John Doe", "john@example.com")
    slot = make_slot(job, T0)
    created = client.post(
        "/api/interviews/", json={"candidate_id": str(candidate.id), "job_id": str(job.id)}, headers=api_headers
    )
    interview_id = created.json["id"]
    booked = client.post(f"/api/interviews/slots/{slot.id}/book_slot/", json={"interview_id": interview_id}, headers=api_headers)
    assert booked.status_code == 201, booked.json
    session = client.post(
        "/api/interviews/schedules/create_interview_session/", json={"interview_id": interview_id}, headers=api_headers
    )
    assert session.status_code == 201
    return booked.json, session.json, interview_id, job


def reschedule(client, api_headers, interview_id, job):
    later = make_slot(job, T0 + timedelta(days=1))
    moved = client.post(f"/api/interviews/{interview_id}/reschedule/", json={"slot_id": str(later.id)}, headers=api_headers)
    assert moved.status_code == 200, moved.json
    return moved.json


def test_no_smtp_configured_means_not_sent(app, clock, client, api_headers):
    booked, session, interview_id, job = book(client, api_headers)
    assert (booked["email_status"], booked["email_sent"]) == ("unconfigured", False)
    assert session["email_sent"] is False
    moved = reschedule(client, api_headers, interview_id, job)
    assert (moved["email_status"], moved["email_sent"]) == ("unconfigured", False)


def test_queued_for_a_configured_server_then_delivered(smtp, app, clock, client, api_headers):
    booked, session, interview_id, job = book(client, api_headers)
    assert (booked["email_status"], booked["email_sent"]) == ("queued", True)
    assert session["email_sent"] is True
    assert queue.deliver_due()["sent"] == 1
    again = client.post(
        "/api/interviews/schedules/create_interview_session/", json={"interview_id": interview_id}, headers=api_headers
    )
    assert again.status_code == 200 and again.json["email_sent"] is True
    clock.advance(timedelta(minutes=1))  # the reschedule notice is the newer message
    moved = reschedule(client, api_headers, interview_id, job)
    assert (moved["email_status"], moved["email_sent"]) == ("queued", True)


@pytest.mark.parametrize(
    "reply, status, sent", [("550 5.1.1 mailbox unavailable", "failed", False), ("451 4.3.0 try later", "retrying", True)]
)
def test_refused_delivery(smtp, app, clock, client, api_headers, reply, status, sent):
    smtp.replies = [reply]
    _booked, _session, interview_id, _job = book(client, api_headers)
    queue.deliver_due()
    shown = client.get(f"/api/interviews/{interview_id}/", headers=api_headers)
    assert (shown.json["email_status"], shown.json["email_sent"]) == (status, sent)  # a retry is still queued for the server
    session = client.post(
        "/api/interviews/schedules/create_interview_session/", json={"interview_id": interview_id}, headers=api_headers
    )
    assert session.json["email_sent"] is sent
