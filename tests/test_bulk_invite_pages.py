"""Bulk invitations from the candidate list over HTTP: ticked rows or everyone matching, the
question (dialog for htmx, page without JavaScript), the summary (rules: test_scheduling_invitations.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import OutboxEmail, db
from services import booking, jobs
from tests.booking_support import make_candidate, make_job, make_slot

NOW = datetime(2030, 1, 15, 4, 30, tzinfo=UTC)


def invitation_emails():
    return db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.kind == "scheduling_invitation"))


@pytest.fixture
def listed(app, clock):
    job = make_job()
    people = [make_candidate(job, name) for name in ("Asha Rao", "Ben Stone", "Cy Lee")]
    booking.book_interview(people[2], make_slot(job, NOW + timedelta(days=1)))
    return {"job": job, "people": people}


def test_the_list_has_ticks_and_the_bulk_bar(listed, recruiter_client):
    job = listed["job"]
    html = recruiter_client.get(f"/candidates/?job={job.id}").get_data(as_text=True)
    assert html.count('type="checkbox" name="candidate"') == 3
    assert "Everyone matching these filters (3)" in html
    assert f'<option value="{job.id}" selected>Backend Engineer · Acme</option>' in html  # the filter's job first
    fragment = recruiter_client.get(f"/candidates/?job={job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="bulk-invite"' in fragment and f'name="job" value="{job.id}"' in fragment


def test_ticked_rows_are_asked_about_then_invited_with_a_summary(listed, recruiter_client):
    job, people = listed["job"], listed["people"]
    ticked = "&".join(f"candidate={person.id}" for person in people)
    question = recruiter_client.get(f"/candidates/invite?job_id={job.id}&job={job.id}&{ticked}")
    html = question.get_data(as_text=True)
    assert question.status_code == 200 and "Invite 3 candidates and e-mail them?" in html and "<html" in html
    assert html.count('type="hidden" name="candidate"') == 3 and "The links expire after 7 days." in html
    dialog = recruiter_client.get(f"/candidates/invite?job_id={job.id}&{ticked}", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert (
        "<html" not in dialog
        and 'id="invite-many-dialog"' in dialog
        and "data-open-on-load" in dialog
        and "data-close-dialog" in dialog
    )

    form = {"job_id": str(job.id), "job": str(job.id), "candidate": [str(person.id) for person in people]}
    response = recruiter_client.post("/candidates/invite", data=form)
    assert response.status_code == 302 and response.headers["Location"] == f"/candidates/?job={job.id}"
    page = recruiter_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invited 2 candidates to pick a time." in page and "Skipped 1: 1 already booked for this job." in page
    assert invitation_emails() == 2
    again = recruiter_client.post("/candidates/invite", data=form, headers={"HX-Request": "true"})
    assert again.headers["HX-Redirect"] == f"/candidates/?job={job.id}"
    assert "Skipped 3: 1 already booked for this job; 2 already invited, link not used yet." in recruiter_client.get(
        "/candidates/"
    ).get_data(as_text=True)
    assert invitation_emails() == 2


def test_everyone_matching_the_filters(listed, recruiter_client):
    job = listed["job"]
    make_candidate(make_job("Data Engineer"), "Asha Other", "asha.other@example.com")
    question = recruiter_client.get(f"/candidates/invite?scope=matching&q=asha&job_id={job.id}").get_data(as_text=True)
    assert "Invite 2 candidates and e-mail them?" in question
    assert (
        'name="scope" value="matching"' in question and 'name="q" value="asha"' in question and 'name="candidate"' not in question
    )
    response = recruiter_client.post("/candidates/invite", data={"scope": "matching", "q": "asha", "job_id": str(job.id)})
    assert response.headers["Location"] == "/candidates/?q=asha"
    page = recruiter_client.get("/candidates/?q=asha").get_data(as_text=True)
    assert "Invited 1 candidate to pick a time." in page and "Skipped 1: 1 applied for another job." in page


def test_a_run_that_stops_early_says_to_continue(listed, recruiter_client, monkeypatch):
    from services import scheduling_invitations

    monkeypatch.setattr(scheduling_invitations, "BATCH_SIZE", 1)
    monkeypatch.setattr(scheduling_invitations, "MAX_CREATED_PER_RUN", 1)
    recruiter_client.post("/candidates/invite", data={"scope": "matching", "job_id": str(listed["job"].id)})
    page = recruiter_client.get("/candidates/").get_data(as_text=True)
    assert (
        "Invited 1 candidate to pick a time." in page
        and "This run stopped after 1 invitations: invite everyone matching again to continue" in page
    )


@pytest.mark.parametrize(
    "query, message",
    [
        ("candidate={id}", "Required."),
        ("job_id={job}", "Select at least one candidate."),
        ("job_id={job}&candidate=nonsense", "Every entry must be a candidate id."),
    ],
)
def test_nothing_to_invite_says_why(listed, recruiter_client, query, message):
    url = "/candidates/invite?" + query.format(id=listed["people"][0].id, job=listed["job"].id)
    response = recruiter_client.get(url)
    assert response.status_code == 422 and "Nobody to invite yet" in response.get_data(as_text=True)
    assert message in response.get_data(as_text=True) and "Back to the candidates" in response.get_data(as_text=True)
    htmx = recruiter_client.get(url, headers={"HX-Request": "true"})
    assert htmx.status_code == 422 and message in htmx.get_data(as_text=True)  # 422 swaps (base.html)


def test_an_archived_job_is_refused_in_words(listed, recruiter_client):
    job = listed["job"]
    jobs.remove_job(job)
    response = recruiter_client.post("/candidates/invite", data={"job_id": str(job.id), "candidate": str(listed["people"][0].id)})
    assert response.status_code == 302
    assert "This job is archived; it takes no invitations." in recruiter_client.get("/candidates/").get_data(as_text=True)
    assert invitation_emails() == 0


def test_signed_out_people_are_sent_to_sign_in(client, listed):
    assert client.post("/candidates/invite", data={"job_id": str(listed["job"].id)}).status_code == 302
    assert invitation_emails() == 0
