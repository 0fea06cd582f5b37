"""Rough edges people hit: an expired session during an htmx submit, candidates' error pages,
the throttled sign-in's sentence."""
import json
from datetime import timedelta

from sqlalchemy import select

from models import Candidate, Interview, db
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
    from tests.booking_support import make_candidate, make_job, make_slot
    from services import timeutil

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
    from tests.booking_support import make_candidate, make_job, make_slot
    from services import timeutil

    job = make_job()
    candidate = make_candidate(job)
    slot = make_slot(job, timeutil.now() + timedelta(days=2))
    dialog = recruiter_client.get(f"/interviews/book?slot_id={slot.id}", headers={"HX-Request": "true"})
    assert '<dialog id="booking-dialog"' in dialog.text and "data-close-dialog" in dialog.text
    done = recruiter_client.post(
        "/interviews/book", data={"origin": "slot", "candidate_id": str(candidate.id), "slot_id": str(slot.id)}, headers={"HX-Request": "true"}
    )
    assert '<dialog id="booking-dialog"' in done.text and ">Done</button>" in done.text
