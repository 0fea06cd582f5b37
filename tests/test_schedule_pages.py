"""The candidate's scheduling link over HTTP: picking, confirming, booking, managing, dead links,
throttling, the waitlist and the expired portal's retake (services are tested in test_scheduling.py)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import Interview, InterviewSlot, OutboxEmail, db
from services import booking, scheduling
from tests.booking_support import make_candidate, make_job, make_slot
from tests.support import BOTH_DATABASES

NOW = datetime(2030, 1, 15, 4, 30, tzinfo=UTC)
TOMORROW = NOW + timedelta(days=1)  # 10:00 IST on the 16th


@pytest.fixture
def link(app, clock, recruiter):
    job = make_job()
    slots = [make_slot(job, TOMORROW), make_slot(job, TOMORROW + timedelta(hours=2))]
    candidate = make_candidate(job)
    invitation, url = scheduling.invite(candidate, actor=recruiter)
    return {"job": job, "slots": slots, "invitation": invitation, "path": url.replace("http://testserver.local", "")}


def test_the_page_offers_days_and_times_without_javascript(client, link):
    response = client.get(link["path"])
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-schedule-state="pick"' in html
    assert "Backend Engineer" in html and "30 minutes" in html and "Acme" in html
    assert "10:00" in html and "12:00" in html and 'aria-current="date"' in html
    new_york = client.get(f"{link['path']}?tz=America/New_York").get_data(as_text=True)
    assert "23:30" in new_york and "10:00 IST" in new_york  # 23:30 on the 15th in New York


def test_htmx_gets_just_the_picker(client, link):
    response = client.get(f"{link['path']}?tz=UTC", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="slot-picker"' in html and "HX-Request" in response.headers["Vary"]


def test_picking_asks_to_confirm_then_books_and_shows_the_manage_page(client, link):
    slot = link["slots"][0]
    confirm = client.get(f"{link['path']}?slot_id={slot.id}").get_data(as_text=True)
    assert "Confirm this time" in confirm and f'name="slot_id" value="{slot.id}"' in confirm
    response = client.post(f"{link['path']}/book", data={"slot_id": str(slot.id), "tz": "Asia/Kolkata"})
    assert response.status_code == 302 and "done=booked" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    interview = db.session.scalar(select(Interview))
    assert "You&#39;re booked" in page or "You're booked" in page
    assert f"session_key={interview.session_key}" in page and "interview.ics" in page and "Reschedule" in page
    ics = client.get(f"{link['path']}/interview.ics")
    assert (
        ics.status_code == 200 and ics.mimetype == "text/calendar" and f"interview-{interview.id}@" in ics.get_data(as_text=True)
    )


def test_a_double_submit_makes_one_booking_and_shows_the_manage_page(client, link):
    slot_id = str(link["slots"][0].id)
    client.post(f"{link['path']}/book", data={"slot_id": slot_id})
    again = client.post(f"{link['path']}/book", data={"slot_id": slot_id})
    assert again.status_code == 302 and "done" not in again.headers["Location"]
    assert db.session.scalar(select(func.count(Interview.id))) == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_a_time_taken_meanwhile_refreshes_the_list_with_a_message(client, link, htmx):
    taken = link["slots"][0]
    booking.book_interview(make_candidate(link["job"], "Omar Other"), taken)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(f"{link['path']}/book", data={"slot_id": str(taken.id)}, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "That time was just taken, pick another." in html and "12:00" in html
    assert f"slot_id={taken.id}" not in html


@pytest.mark.parametrize("slot_id", ["", "nope", "00000000-0000-0000-0000-000000000000"])
def test_a_bad_slot_id_is_a_clear_message(client, link, slot_id):
    response = client.post(f"{link['path']}/book", data={"slot_id": slot_id})
    assert response.status_code == 422 and "That time is not offered" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Interview.id))) == 0


def test_dead_links_are_one_page(client, link):
    unknown = client.get("/schedule/" + "x" * 43)
    malformed = client.get("/schedule/short")
    scheduling.revoke(link["invitation"])
    revoked = client.get(link["path"])
    assert (unknown.status_code, malformed.status_code, revoked.status_code) == (404, 404, 410)
    assert unknown.get_data() == malformed.get_data() == revoked.get_data()
    assert client.post(f"{link['path']}/book", data={"slot_id": str(link["slots"][0].id)}).status_code == 410


def test_guessing_links_is_throttled(client, link, app):
    app.config["PORTAL_LOOKUP_LIMIT"] = "3/minute"
    statuses = [client.get(f"/schedule/{'g' * 42}{n}").status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_reschedule_and_cancel_without_javascript(client, link):
    first, second = link["slots"]
    client.post(f"{link['path']}/book", data={"slot_id": str(first.id)})
    picker = client.get(f"{link['path']}/reschedule?slot_id={second.id}").get_data(as_text=True)
    assert "Move my interview to this time" in picker
    moved = client.post(f"{link['path']}/reschedule", data={"slot_id": str(second.id)})
    assert moved.status_code == 302 and "done=moved" in moved.headers["Location"]
    assert db.session.scalar(select(Interview.slot_id)) == second.id
    question = client.get(f"{link['path']}/cancel").get_data(as_text=True)
    assert "Cancel your interview?" in question and "Keep my interview" in question
    done = client.post(f"{link['path']}/cancel", data={"reason": "Took another offer"})
    assert done.status_code == 302
    assert "You cancelled your interview" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert db.session.get(InterviewSlot, second.id).current_bookings == 0


def test_waitlist_from_the_page(client, link):
    for slot in link["slots"]:
        slot.status = "cancelled"
    db.session.commit()
    page = client.get(link["path"]).get_data(as_text=True)
    assert "There are no open times right now." in page and "Join the waitlist" in page
    joined = client.post(f"{link['path']}/waitlist")
    assert joined.status_code == 302
    assert "You are on the waitlist" in client.get(joined.headers["Location"]).get_data(as_text=True)


def test_an_archived_job_says_the_role_is_closed(client, link):
    from services import jobs

    jobs.remove_job(link["job"])
    html = client.get(link["path"]).get_data(as_text=True)
    assert "This role is closed" in html and 'data-schedule-state="closed"' in html


@BOTH_DATABASES
def test_the_expired_portal_offers_a_new_time_when_the_job_allows_a_retake(client, link, clock, backend):
    link["job"].retakes_allowed = 1
    db.session.commit()
    client.post(f"{link['path']}/book", data={"slot_id": str(link["slots"][0].id)})
    key = db.session.scalar(select(Interview.session_key))
    clock.set(TOMORROW + timedelta(minutes=11))
    portal_page = client.get(f"/?session_key={key}").get_data(as_text=True)
    assert 'data-portal-state="expired"' in portal_page and "Pick a new time" in portal_page
    response = client.post("/interview/retake", data={"session_key": key})
    assert response.status_code == 303 and re.match(r".*/schedule/[A-Za-z0-9_-]{43}$", response.headers["Location"])
    assert db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.kind == "scheduling_invitation")) == 2
    link["job"].retakes_allowed = 0
    db.session.commit()
    other = client.get(f"/?session_key={key}").get_data(as_text=True)
    assert "reply to the invitation e-mail" in other


def test_recruiters_invite_resend_and_revoke_from_the_candidates_page(clock, recruiter_client):
    job = make_job()
    candidate = make_candidate(job)
    page = f"/candidates/{candidate.id}"
    assert "Invite to pick a time…" in recruiter_client.get(page).get_data(as_text=True)
    assert "E-mail Asha Rao a link to pick a time?" in recruiter_client.get(f"{page}/invite").get_data(as_text=True)
    assert recruiter_client.post(f"{page}/invite").status_code == 302
    (invitation,) = scheduling.invitations_for(candidate)
    html = recruiter_client.get(page).get_data(as_text=True)
    assert "Sent" in html and "Resend" in html and "Revoke" in html
    resend = f"{page}/invitations/{invitation.invitation.id}/resend"
    assert recruiter_client.post(resend).status_code == 302
    assert db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.kind == "scheduling_invitation")) == 2
    revoke = f"{page}/invitations/{invitation.invitation.id}/revoke"
    stale = recruiter_client.post(revoke, data={"seen_status": "opened"})  # not what it is: refused in the page
    assert stale.status_code == 422 and scheduling.invitations_for(candidate)[0].status == "sent"
    assert "The invitation changed meanwhile (now sent); nothing was changed." in stale.get_data(as_text=True)
    recruiter_client.post(revoke, data={"seen_status": "sent"})
    assert scheduling.invitations_for(candidate)[0].status == "revoked"
    assert "Invitation revoked" in recruiter_client.get(page).get_data(as_text=True)


def test_a_booked_invitation_offers_no_revoke_or_resend_and_a_forced_one_is_refused_in_the_page(clock, recruiter_client):
    job = make_job()
    candidate = make_candidate(job)
    invitation, _ = scheduling.invite(candidate)
    scheduling.book(invitation, str(make_slot(job, TOMORROW).id))
    page = f"/candidates/{candidate.id}"
    html = recruiter_client.get(page).get_data(as_text=True)
    assert "Booked" in html and "/revoke" not in html and "Resend" not in html
    for seen in ("booked", "sent"):  # what the page would have said, and a stale form
        forced = recruiter_client.post(f"{page}/invitations/{invitation.id}/revoke", data={"seen_status": seen})
        assert forced.status_code == 422
        assert "The candidate booked from this invitation; cancel or move the interview instead." in forced.get_data(as_text=True)
    resent = recruiter_client.post(f"{page}/invitations/{invitation.id}/resend")  # a stale Resend button
    assert resent.status_code == 422
    assert "This invitation is booked; send a new one instead." in resent.get_data(as_text=True)
    db.session.expire_all()
    assert scheduling.invitations_for(candidate)[0].status == "booked"


def test_admins_edit_the_job_rules_on_the_job_form(admin_client, app):
    form = admin_client.get("/jobs/new").get_data(as_text=True)
    assert "When candidates pick their own time" in form and 'name="min_notice_hours"' in form and 'value="12"' in form
    response = admin_client.post("/jobs/new", data={"job_title": "T", "company_name": "C", "min_notice_hours": "-3"})
    assert response.status_code == 422 and "Minimum notice (hours) must be between 0 and 720." in response.get_data(as_text=True)
    admin_client.post("/jobs/new", data={"job_title": "T", "company_name": "C", "retakes_allowed": "1", "min_notice_hours": "24"})
    from models import Job

    job = db.session.scalar(select(Job))
    assert (job.retakes_allowed, job.min_notice_hours, job.booking_horizon_days) == (1, 24, 14)
