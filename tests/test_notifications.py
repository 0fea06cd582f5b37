"""Outbox rows written by services/notifications.py: content, .ics, reminders, resend, recruiter view."""

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from models import (
    Candidate,
    EmailStatus,
    Interview,
    InterviewSession,
    InterviewSlot,
    InterviewStatus,
    Job,
    OutboxEmail,
    db,
)
from services import notifications
from tests.email_support import EmailHTML

START = datetime(2030, 1, 17, 4, 30, tzinfo=UTC)  # Thursday 17 January 2030, 10:00 AM IST; the clock is 2 days earlier


def make_interview(start=START, name="Asha Rao", email="asha@example.com", timezone=None, created_by=None, minutes=45):
    """A scheduled interview with its session, built directly from the models."""
    job = Job(
        job_title="Backend Engineer",
        company_name="Acme Corp",
        job_description="APIs.",
        coding_language="JAVA",
        duration_minutes=minutes,
    )
    candidate = Candidate(full_name=name, email=email, job=job, timezone=timezone)
    slot = InterviewSlot(
        job=job,
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        ai_interview_type="coding",
        max_candidates=1,
        current_bookings=1,
    )
    key = secrets.token_urlsafe(32)
    interview = Interview(
        candidate=candidate,
        job=job,
        slot=slot,
        status=InterviewStatus.SCHEDULED,
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        session_key=key,
        created_by_id=getattr(created_by, "id", None),
    )
    session = InterviewSession(
        interview=interview,
        session_key=key,
        candidate_name=name,
        candidate_email=email,
        candidate_timezone=timezone,
        job_title=job.job_title,
        company_name=job.company_name,
        coding_language="JAVA",
        interview_type="coding",
        duration_minutes=minutes,
        scheduled_at=start,
    )
    db.session.add_all([job, candidate, slot, interview, session])
    db.session.flush()
    return interview


def emails(kind=None):
    query = db.select(OutboxEmail).order_by(OutboxEmail.next_attempt_at)
    if kind:
        query = query.where(OutboxEmail.kind == kind)
    return db.session.scalars(query).all()


def parse_event(ics):
    calendar = Calendar.from_ical(ics)
    return calendar, calendar.walk("VEVENT")[0]


def test_invitation_content_link_and_ics(app, clock):
    interview = make_interview()
    email = notifications.queue_invitation(interview)
    db.session.commit()
    link = f"http://testserver.local/?session_key={interview.session_key}"
    assert email.subject == "Interview Scheduled - Backend Engineer at Acme Corp"
    assert email.to_email == "asha@example.com" and email.to_name == "Asha Rao"
    assert email.status == EmailStatus.UNCONFIGURED  # no MAIL_SERVER in tests
    assert email.idempotency_key == f"invitation:{interview.id}:0"
    for body in (email.body_text, email.body_html):
        assert "Dear Asha Rao" in body
        assert "Thursday 17 January 2030, 10:00 AM IST" in body
        assert "45 minutes" in body
        assert "Coding interview" in body
        assert "Java" in body and "JAVA" not in body
        assert link in body  # the link as text, in both parts
        assert "30 seconds before the start time and closes 10 minutes after it" in body
        assert "quiet place" in body and "microphone" in body and "browser" in body
    assert EmailHTML(email.body_html).buttons() == [link]
    calendar, event = parse_event(email.ics)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"interview-{interview.id}@testserver.local"
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(minutes=45)
    assert "DTSTART:20300117T043000Z" in email.ics
    assert event["SEQUENCE"] == 0
    assert str(event["URL"]) == link
    assert link in str(event["DESCRIPTION"])
    assert str(event["ORGANIZER"]).startswith("mailto:")
    assert str(event["ATTENDEE"]) == "mailto:asha@example.com"


def test_invitation_shows_candidate_zone_when_known(app, clock):
    interview = make_interview(timezone="America/New_York")
    email = notifications.queue_invitation(interview)
    assert "Thursday 17 January 2030, 10:00 AM IST" in email.body_text
    assert "Wednesday 16 January 2030, 11:30 PM EST (America/New_York)" in email.body_text


def test_status_queued_when_smtp_configured(app, clock):
    app.config["MAIL_SERVER"] = "smtp.example.com"
    email = notifications.queue_invitation(make_interview())
    assert email.status == EmailStatus.QUEUED
    assert email.next_attempt_at == clock.now()


def test_reminders_24h_and_1h_before(app, clock):
    interview = make_interview()
    notifications.queue_invitation(interview)
    db.session.commit()
    reminders = emails("reminder")
    assert [r.next_attempt_at for r in reminders] == [START - timedelta(hours=24), START - timedelta(hours=1)]
    assert [r.idempotency_key.rsplit(":", 1)[1] for r in reminders] == ["24h", "1h"]
    assert reminders[0].subject == "Reminder: interview in 24 hours - Backend Engineer at Acme Corp"
    assert f"?session_key={interview.session_key}" in reminders[1].body_text


def test_no_reminders_inside_the_window(app, clock):
    # Booked 2 hours ahead: the 24 h reminder's moment has passed, only the 1 h one is queued.
    interview = make_interview(start=clock.now() + timedelta(hours=2))
    notifications.queue_invitation(interview)
    db.session.commit()
    assert [r.idempotency_key.rsplit(":", 1)[1] for r in emails("reminder")] == ["1h"]


def test_reminder_hours_are_configurable(app, clock):
    app.config["REMINDER_HOURS"] = [2]
    notifications.queue_invitation(make_interview())
    assert [r.next_attempt_at for r in emails("reminder")] == [START - timedelta(hours=2)]


def test_reschedule_same_uid_higher_sequence_old_and_new_time(app, clock):
    interview = make_interview()
    invitation = notifications.queue_invitation(interview)
    db.session.commit()
    new_start = START + timedelta(days=1, hours=4)  # Friday 18 January 2030, 2:00 PM IST
    interview.started_at, interview.ended_at = new_start, new_start + timedelta(minutes=45)
    interview.session.scheduled_at = new_start
    interview.sequence += 1  # the booking service raises it before calling
    email = notifications.queue_reschedule(interview, START)
    db.session.commit()
    assert email.subject == "Interview Rescheduled - Backend Engineer at Acme Corp"
    assert "Previous time: Thursday 17 January 2030, 10:00 AM IST" in email.body_text
    assert "New time:      Friday 18 January 2030, 02:00 PM IST" in email.body_text
    assert interview.session_key in email.body_text
    _, old_event = parse_event(invitation.ics)
    calendar, event = parse_event(email.ics)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == str(old_event["UID"])
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == new_start
    reminders = emails("reminder")
    assert [r.status for r in reminders if r.status == "cancelled"] == ["cancelled", "cancelled"]
    fresh = [r for r in reminders if r.status != "cancelled"]
    assert [r.next_attempt_at for r in fresh] == [new_start - timedelta(hours=24), new_start - timedelta(hours=1)]


def test_cancellation_method_cancel_and_reminders_withdrawn(app, clock):
    interview = make_interview()
    notifications.queue_invitation(interview)
    db.session.commit()
    interview.status = InterviewStatus.CANCELLED
    interview.sequence += 1
    email = notifications.queue_cancellation(interview)
    db.session.commit()
    assert email.subject == "Interview Cancelled - Backend Engineer at Acme Corp"
    assert "Thursday 17 January 2030, 10:00 AM IST has been cancelled" in email.body_text
    calendar, event = parse_event(email.ics)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert {r.status for r in emails("reminder")} == {"cancelled"}


def test_header_injection_in_names_and_titles_is_neutralised(app, clock):
    interview = make_interview(name="Eve\r\nBcc: victim@example.com")
    interview.job.job_title = "Dev\r\nX-Injected: yes"
    email = notifications.queue_invitation(interview)
    assert "\r" not in email.subject and "\n" not in email.subject
    assert email.subject == "Interview Scheduled - Dev X-Injected: yes at Acme Corp"
    assert email.to_name == "Eve Bcc: victim@example.com"
    assert "\n" not in email.ics.split("SUMMARY:")[1].split("\r\n")[0]


def test_recruiter_copy_only_when_opted_in(app, clock, recruiter):
    interview = make_interview()
    assert notifications.queue_recruiter_copy(interview, recruiter) is None
    recruiter.notify_on_booking = True
    email = notifications.queue_recruiter_copy(interview, recruiter)
    db.session.commit()
    assert email.to_email == "recruiter@example.com"
    assert email.subject == "Booked: Asha Rao - Backend Engineer at Acme Corp"
    assert "Asha Rao <asha@example.com> is booked" in email.body_text
    assert interview.session_key in email.body_text
    assert email.ics is None


def test_completion_notice_goes_to_the_booking_recruiter(app, clock, recruiter):
    interview = make_interview(created_by=recruiter)
    email = notifications.queue_completion_notice(interview)
    assert email.to_email == "recruiter@example.com"
    assert email.subject == "Interview completed - Asha Rao"


def test_resend_invitation_same_link_new_row(app, clock):
    interview = make_interview()
    first = notifications.queue_invitation(interview)
    db.session.commit()
    again = notifications.resend_invitation(interview)
    db.session.commit()
    assert again.id != first.id and again.kind == "invitation"
    assert again.idempotency_key.startswith(f"invitation:{interview.id}:0:resend-")
    assert again.body_text == first.body_text  # same link and time
    assert first.status == "cancelled" and first.last_error == "Superseded by a resend."
    _, event = parse_event(again.ics)
    assert str(event["UID"]) == f"interview-{interview.id}@testserver.local"


def test_resend_refused_for_cancelled_interview(app, clock):
    interview = make_interview()
    interview.status = InterviewStatus.CANCELLED
    with pytest.raises(notifications.NotificationError, match="This interview is cancelled"):
        notifications.resend_invitation(interview)


def test_nothing_committed_by_notifications(app, clock):
    interview = make_interview()
    notifications.queue_invitation(interview)
    db.session.rollback()
    assert emails() == []
    assert db.session.scalar(db.select(db.func.count(Interview.id))) == 0


# --- the recruiter's view and "resend invitation" ---------------------------------------


def test_resend_route_htmx_returns_messages_fragment(clock, recruiter_client):
    interview = make_interview()
    notifications.queue_invitation(interview)
    db.session.commit()
    url = f"/interviews/{interview.id}/resend"
    response = recruiter_client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert 'id="interview-messages"' in html
    assert "The invitation is queued again." in html
    assert html.count('class="badge badge-unconfigured"') == 3  # the resent invitation and two reminders
    assert 'class="badge badge-cancelled">Withdrawn' in html  # the superseded invitation
    assert "Superseded by a resend." in html
    assert "No SMTP server is configured" in html
    assert f'hx-post="{url}"' in html
    invitations = emails("invitation")
    assert sorted(e.status for e in invitations) == ["cancelled", "unconfigured"]


def test_resend_route_plain_post_redirects_back(clock, recruiter_client):
    interview = make_interview()
    notifications.queue_invitation(interview)
    db.session.commit()
    response = recruiter_client.post(
        f"/interviews/{interview.id}/resend", headers={"Referer": "http://localhost/interviews/dashboard"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/interviews/dashboard"
    assert len(emails("invitation")) == 2


def test_resend_route_refuses_cancelled_interview_with_message(clock, recruiter_client):
    interview = make_interview()
    interview.status = InterviewStatus.CANCELLED
    db.session.commit()
    response = recruiter_client.post(f"/interviews/{interview.id}/resend", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "This interview is cancelled; there is no invitation to resend." in response.get_data(as_text=True)
    assert "Resend invitation" not in response.get_data(as_text=True)
    assert emails("invitation") == []


def test_resend_route_needs_csrf_login_and_existing_interview(clock, client, recruiter_client):
    interview = make_interview()
    db.session.commit()
    assert recruiter_client.post(f"/interviews/{interview.id}/resend", csrf=False).status_code == 400
    missing = "00000000-0000-4000-8000-000000000000"
    assert recruiter_client.post(f"/interviews/{missing}/resend", headers={"HX-Request": "true"}).status_code == 404
    recruiter_client.post("/logout")
    response = recruiter_client.post(f"/interviews/{interview.id}/resend")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert emails() == []


def test_messages_fragment_shows_states_attempts_errors(app, clock):
    interview = make_interview()
    sent = notifications.queue_invitation(interview)
    db.session.flush()
    sent.status, sent.attempts, sent.sent_at = "sent", 1, clock.now()
    failed = notifications.queue_cancellation(interview)
    failed.status, failed.attempts, failed.last_error = "failed", 3, "550 5.1.1 mailbox unavailable"
    db.session.commit()
    from flask import render_template

    with app.test_request_context():
        html = render_template("interviews/_messages.html", interview=interview, emails=notifications.interview_emails(interview))
    assert '<span class="badge badge-sent">Sent</span>' in html
    assert '<span class="badge badge-failed">Failed</span>' in html
    assert "550 5.1.1 mailbox unavailable" in html
    assert "Sent Tue 15 Jan 2030, 10:00 IST" in html
    assert '<th scope="col">Attempts</th>' in html
