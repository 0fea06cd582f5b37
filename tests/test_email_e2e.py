"""End to end: book, reschedule and cancel through the web UI's forms with a real SMTP server, and
read what the candidate gets (delivered by the real outbox sender to aiosmtpd)."""

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from models import Interview, db
from services.outbox import queue
from tests.booking_support import make_candidate, make_job, make_slot

FIRST_START = datetime(2030, 1, 17, 4, 30, tzinfo=UTC)  # Thursday 17 January 2030, 10:00 AM IST
SECOND_START = datetime(2030, 1, 18, 8, 30, tzinfo=UTC)  # Friday 18 January 2030, 02:00 PM IST


def calendar_of(message):
    (part,) = [p for p in message.iter_attachments() if p.get_filename() == "invite.ics"]
    calendar = Calendar.from_ical(part.get_content())
    return part, calendar, calendar.walk("VEVENT")[0]


def deliver(smtp, count):
    """Run the sender once and return the messages it delivered."""
    before = len(smtp.messages)
    assert queue.deliver_due()["sent"] == count
    return smtp.messages[before:]


def test_book_reschedule_cancel_messages(smtp, clock, app, recruiter, recruiter_client):
    recruiter.notify_on_booking = True
    db.session.commit()
    job = make_job(title="Data Engineer", language="SQL", duration=45)
    job.company_name = "Globex"
    candidate = make_candidate(job, name="Priya Sharma", email="priya@example.com")
    first = make_slot(job, FIRST_START, minutes=45, kind="coding")
    second = make_slot(job, SECOND_START, minutes=45, kind="coding")

    booked = recruiter_client.post(
        "/interviews/book",
        data={"origin": "slot", "slot_id": str(first.id), "candidate_id": str(candidate.id), "booking_notes": ""},
        headers={"HX-Request": "true"},
    )
    assert "Interview booked" in booked.get_data(as_text=True)
    interview = db.session.scalars(db.select(Interview).where(Interview.candidate_id == candidate.id)).one()
    link = f"http://testserver.local/?session_key={interview.session_key}"
    invitation, recruiter_copy = sorted(deliver(smtp, 2), key=lambda m: m["To"].addresses[0].addr_spec)
    assert invitation["To"].addresses[0].addr_spec == "priya@example.com"
    assert invitation["Subject"] == "Interview Scheduled - Data Engineer at Globex"
    text = invitation.get_body(("plain",)).get_content()
    html = invitation.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Thursday 17 January 2030, 10:00 AM IST" in body
        assert link in body
        assert "45 minutes" in body and "Coding interview" in body and "SQL" in body
    part, calendar, event = calendar_of(invitation)
    assert part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event.decoded("DTSTART") == first.start_at == FIRST_START
    assert event.decoded("DTEND") == first.end_at
    assert event["SEQUENCE"] == 0
    assert str(event["URL"]) == link
    uid = str(event["UID"])
    assert uid == f"interview-{interview.id}@testserver.local"
    assert recruiter_copy["To"].addresses[0].addr_spec == "recruiter@example.com"
    assert recruiter_copy["Subject"] == "Booked: Priya Sharma - Data Engineer at Globex"

    moved = recruiter_client.post(f"/interviews/{interview.id}/reschedule", data={"slot_id": str(second.id)})
    assert moved.status_code == 302
    (moved,) = deliver(smtp, 1)
    assert moved["Subject"] == "Interview Rescheduled - Data Engineer at Globex"
    text = moved.get_body(("plain",)).get_content()
    assert "Previous time: Thursday 17 January 2030, 10:00 AM IST" in text
    assert "New time:      Friday 18 January 2030, 02:00 PM IST" in text
    assert link in text  # the same link
    part, calendar, event = calendar_of(moved)
    assert part.get_param("method") == "REQUEST"
    assert str(event["UID"]) == uid
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == SECOND_START

    cancelled = recruiter_client.post(f"/interviews/{interview.id}/cancel", data={"reason": "position filled"})
    assert cancelled.status_code == 302
    (cancelled,) = deliver(smtp, 1)
    assert cancelled["Subject"] == "Interview Cancelled - Data Engineer at Globex"
    assert "Friday 18 January 2030, 02:00 PM IST has been cancelled" in cancelled.get_body(("plain",)).get_content()
    part, calendar, event = calendar_of(cancelled)
    assert part.get_param("method") == "CANCEL"
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == uid
    assert event["SEQUENCE"] == 2

    # No reminder of the cancelled interview ever goes out.
    clock.set(SECOND_START - timedelta(minutes=30))
    assert queue.deliver_due()["sent"] == 0
    assert len(smtp.messages) == 4
    assert len({m["Message-ID"] for m in smtp.messages}) == 4
