"""Rough edges people hit: an expired session during an htmx submit, candidates' error pages,
the throttled sign-in's sentence."""

import json
from datetime import timedelta

from sqlalchemy import select

from models import Candidate, Interview, InterviewSlot, Job, db
from tests.conftest import ADMIN_EMAIL, PASSWORD

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/candidates/new?job=7"}


def test_htmx_request_after_sign_out_gets_401_and_session_ended_event(admin_client, auth):
    auth.logout()
    response = admin_client.post("/candidates/new", data={"full_name": "Kept Name"}, headers=HTMX)
    assert response.status_code == 401
    assert response.text == ""  # nothing for htmx to swap: the form stays as typed
    event = json.loads(response.headers["HX-Trigger"])
    assert event == {"session-ended": {"signInUrl": "/login?next=/candidates/new?job%3D7"}}
    assert db.session.scalar(select(Candidate)) is None


def test_page_request_after_sign_out_still_goes_to_sign_in(admin_client, auth):
    auth.logout()
    response = admin_client.get("/candidates/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_htmx_page_from_another_site_falls_back_to_the_dashboard(client):
    response = client.get("/candidates/", headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"})
    assert response.status_code == 401
    assert json.loads(response.headers["HX-Trigger"])["session-ended"]["signInUrl"] == "/login?next=/interviews/dashboard"


def test_csrf_failure_with_cookies_gone_says_the_session_ended(client):
    # No session cookie at all: the CSRF check fails before any login check could answer.
    response = client.post("/candidates/new", data={"full_name": "Kept"}, headers=HTMX, csrf=False)
    assert response.status_code == 401
    assert "session-ended" in json.loads(response.headers["HX-Trigger"])


def test_throttled_sign_in_says_it_in_words(client, admin):
    for _ in range(10):
        assert client.post("/login", data={"email": ADMIN_EMAIL, "password": "wrong"}).status_code == 401
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts. Try again in a minute." in response.text
    assert "per 1 minute" not in response.text


def test_unknown_portal_link_is_the_candidates_page_without_staff_sign_in(client):
    response = client.get("/", query_string={"session_key": "x" * 43})
    assert response.status_code == 404
    assert "We can&#39;t find this interview link" in response.text
    assert "reply to the invitation e-mail" in response.text
    assert "/login" not in response.text and "Interview scheduler</a>" not in response.text


def test_throttled_portal_lookups_are_the_candidates_page_with_retry_after(app_config):
    from app import create_app

    app_config["PORTAL_LOOKUP_LIMIT"] = "2/minute"
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
        client = app.test_client()
        for n in range(2):
            assert client.get(f"/?session_key=guess{n:040d}").status_code == 404
        response = client.get("/?session_key=" + "g" * 43)
        assert response.status_code == 429
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        assert "Too many attempts. Try again in a minute." in response.text
        assert "/login" not in response.text
        db.session.remove()


def test_standalone_booking_page_closes_back_to_the_candidate_and_shows_the_result(clock, recruiter_client):
    from services import timeutil
    from tests.booking_support import make_candidate, make_job, make_slot

    job = make_job()
    candidate = make_candidate(job)
    slot = make_slot(job, timeutil.now() + timedelta(days=2))
    page = recruiter_client.get(f"/interviews/book?candidate_id={candidate.id}")
    assert page.status_code == 200
    assert "data-close-dialog" not in page.text and "<dialog" not in page.text
    assert f'<a class="button" href="/candidates/{candidate.id}">Back to Asha Rao</a>' in page.text
    assert 'name="page" value="standalone"' in page.text

    done = recruiter_client.post(
        "/interviews/book",
        data={"origin": "candidate", "candidate_id": str(candidate.id), "slot_id": str(slot.id), "page": "standalone"},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200
    assert "Interview booked" in done.text and "<dialog" not in done.text
    assert f'<a class="button primary" href="/candidates/{candidate.id}">Back to Asha Rao</a>' in done.text
    assert db.session.scalar(select(Interview).where(Interview.candidate_id == candidate.id)) is not None


def test_booking_dialog_from_a_slot_keeps_its_close_and_done_buttons(clock, recruiter_client):
    from services import timeutil
    from tests.booking_support import make_candidate, make_job, make_slot

    job = make_job()
    candidate = make_candidate(job)
    slot = make_slot(job, timeutil.now() + timedelta(days=2))
    dialog = recruiter_client.get(f"/interviews/book?slot_id={slot.id}", headers={"HX-Request": "true"})
    assert '<dialog id="booking-dialog"' in dialog.text and "data-close-dialog" in dialog.text
    done = recruiter_client.post(
        "/interviews/book",
        data={"origin": "slot", "candidate_id": str(candidate.id), "slot_id": str(slot.id)},
        headers={"HX-Request": "true"},
    )
    assert '<dialog id="booking-dialog"' in done.text and ">Done</button>" in done.text


def booked_slot(count):
    """A future slot with `count` booked candidates."""
    from services import booking, timeutil
    from tests.booking_support import make_candidate, make_job, make_slot

    job = make_job()
    slot = make_slot(job, timeutil.now() + timedelta(days=2), capacity=3)
    names = ["Asha Rao", "Ben Second", "Chitra Third"][:count]
    interviews = [booking.book_interview(make_candidate(job, name), slot) for name in names]
    return slot, interviews


def test_cancel_slot_asks_first_saying_who_is_e_mailed(clock, recruiter_client):
    slot, _ = booked_slot(3)
    page = recruiter_client.get(f"/slots/{slot.id}/")
    assert (
        f'<a class="button danger" href="/slots/{slot.id}/cancel" data-open-dialog="#cancel-slot">Cancel this slot…</a>'
        in page.text
    )
    assert "Cancel this slot, its 3 interviews, and e-mail 3 candidates?" in page.text

    confirm = recruiter_client.get(f"/slots/{slot.id}/cancel")  # the second step without JavaScript
    assert confirm.status_code == 200
    assert "Cancel this slot, its 3 interviews, and e-mail 3 candidates?" in confirm.text
    assert "Ben Second &lt;ben@example.com&gt;" in confirm.text
    assert f'<a class="button" href="/slots/{slot.id}/" autofocus>Keep the slot</a>' in confirm.text
    assert db.session.get(InterviewSlot, slot.id).status != "cancelled"  # asking changed nothing

    done = recruiter_client.post(f"/slots/{slot.id}/cancel")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(InterviewSlot, slot.id).status == "cancelled"


def test_cancel_slot_question_for_one_and_for_none(clock, recruiter_client):
    slot, _ = booked_slot(1)
    assert "Cancel this slot, its interview, and e-mail Asha Rao?" in recruiter_client.get(f"/slots/{slot.id}/cancel").text
    empty, _ = booked_slot(0)
    assert '<h2 id="cancel-slot-title">Cancel this slot?</h2>' in recruiter_client.get(f"/slots/{empty.id}/cancel").text


def test_cancel_interview_asks_first_then_cancels(clock, recruiter_client):
    _, (interview,) = booked_slot(1)
    confirm = recruiter_client.get(f"/interviews/{interview.id}/cancel")
    assert confirm.status_code == 200
    assert "Cancel this interview and e-mail Asha Rao?" in confirm.text
    assert db.session.get(Interview, interview.id).status == "scheduled"
    done = recruiter_client.post(f"/interviews/{interview.id}/cancel", data={"reason": "Withdrew"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Interview, interview.id).status == "cancelled"


def test_archive_job_asks_first(clock, admin_client):
    slot, _ = booked_slot(1)
    confirm = admin_client.get(f"/jobs/{slot.job_id}/remove")
    assert confirm.status_code == 200
    assert "Archive “Backend Engineer”?" in confirm.text and "no one is e-mailed" in confirm.text
    assert not db.session.get(Job, slot.job_id).is_archived


def test_job_confirm_page_is_for_admins_only(clock, recruiter_client):
    slot, _ = booked_slot(0)
    assert recruiter_client.get(f"/jobs/{slot.job_id}/remove").status_code == 403
