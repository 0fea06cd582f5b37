"""Candidates: the service rules without HTTP, then the pages (list, search, form, detail)."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models import Candidate, Domain, Resume, db
from services import booking, candidates, jobs
from services.errors import InputError
from tests.booking_support import make_candidate, make_job, make_slot
from tests.support import BOTH_DATABASES

HX = {"HX-Request": "true"}
T0 = datetime(2030, 1, 16, 9, 0, tzinfo=UTC)


def candidate_data(job, **changes):
    data = {
        "full_name": "Asha Rao",
        "email": "Asha.Rao@Example.COM",
        "phone": "+91 98765 43210",
        "work_experience": "4",
        "domain": "AI/ML",
        "status": "new",
        "job_id": str(job.id),
    }
    data.update(changes)
    return data


def candidate_count():
    return db.session.scalar(select(func.count(Candidate.id)))


@pytest.fixture(autouse=True)
def existing_domains(app):
    """Domains an admin already created (with jobs); recruiters pick from these."""
    db.session.add_all([Domain(name="AI/ML"), Domain(name="<b>dom</b>")])
    db.session.commit()


def domain_count():
    return db.session.scalar(select(func.count(Domain.id)))


# --- service ---------------------------------------------------------------------------------


@BOTH_DATABASES
def test_create_normalises_the_email(app, backend, recruiter):
    job = make_job()
    candidate = candidates.create_candidate(candidate_data(job), actor=recruiter)
    assert (candidate.email, candidate.full_name, candidate.work_experience, candidate.status) == (
        "asha.rao@example.com",
        "Asha Rao",
        4,
        "new",
    )
    assert candidate.domain.name == "AI/ML" and candidate.job_id == job.id and candidate.created_by_id == recruiter.id


@BOTH_DATABASES
def test_email_is_unique_per_job(app, backend):
    job, other = make_job(), make_job("Other")
    candidates.create_candidate(candidate_data(job))
    with pytest.raises(InputError) as caught:
        candidates.create_candidate(candidate_data(job, email="asha.rao@example.com", full_name="Someone Else"))
    assert caught.value.fields == {"email": "A candidate with this e-mail has already applied for this job."}
    assert candidates.create_candidate(candidate_data(other)).job_id == other.id
    assert candidate_count() == 2


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"email": "not-an-email"}, "email", "“not-an-email” is not a valid e-mail address"),
        ({"email": "a@b"}, "email", "is not a valid e-mail address"),
        ({"email": ""}, "email", "Enter the e-mail."),
        ({"full_name": " "}, "full_name", "Enter the full name."),
        ({"phone": "call me"}, "phone", "Enter a phone number"),
        ({"work_experience": "-1"}, "work_experience", "Work experience (years) must be between 0 and 70."),
        ({"status": "ghosted"}, "status", "“ghosted” is not a valid status"),
        ({"job_id": ""}, "job_id", "Choose a job."),
        ({"job_id": "123"}, "job_id", "No such job."),
    ],
)
def test_bad_candidate_input_names_the_field_and_writes_nothing(app, admin, changes, field, message):
    job = make_job()
    with pytest.raises(InputError) as caught:
        candidates.create_candidate(candidate_data(job, domain="Brand new", **changes), actor=admin)
    assert message in caught.value.fields[field]
    assert candidate_count() == 0 and domain_count() == 2  # not even the admin's new domain


def test_archived_jobs_take_no_new_candidates(app):
    job = make_job()
    existing = make_candidate(job)
    jobs.remove_job(job)
    with pytest.raises(InputError) as caught:
        candidates.create_candidate(candidate_data(job))
    assert caught.value.fields["job_id"] == "This job is archived; it takes no new candidates."
    candidates.update_candidate(existing, {"phone": "+1 555 010 0000"}, partial=True)  # still editable
    assert existing.phone == "+1 555 010 0000"


def test_update_checks_uniqueness_and_keeps_old_values_on_error(app):
    job = make_job()
    first = candidates.create_candidate(candidate_data(job))
    second = candidates.create_candidate(candidate_data(job, email="ben@example.com", full_name="Ben"))
    with pytest.raises(InputError) as caught:
        candidates.update_candidate(second, {"email": "ASHA.RAO@example.com"}, partial=True)
    assert "email" in caught.value.fields
    db.session.refresh(second)
    assert second.email == "ben@example.com"
    candidates.update_candidate(first, {"status": "rejected"}, partial=True)
    assert first.status == "rejected" and first.email == "asha.rao@example.com"


def test_a_candidate_with_interviews_keeps_their_job(app, clock):
    job, other = make_job(), make_job("Other")
    candidate = make_candidate(job)
    booking.book_interview(candidate, make_slot(job, T0))
    with pytest.raises(InputError) as caught:
        candidates.update_candidate(candidate, {"job_id": str(other.id)}, partial=True)
    assert "has interviews" in caught.value.fields["job_id"]
    assert db.session.get(Candidate, candidate.id).job_id == job.id


def test_search_and_filters(app):
    job, other = make_job(), make_job("Other")
    candidates.create_candidate(candidate_data(job))
    candidates.create_candidate(candidate_data(job, full_name="Ben Stone", email="ben@example.com", status="hired"))
    candidates.create_candidate(candidate_data(other, full_name="Cy Lee", email="cy@example.com"))

    def names(text="", **filters):
        return sorted(c.full_name for c in db.session.scalars(candidates.search_candidates(text, **filters)))

    assert names("asha") == ["Asha Rao"]
    assert names("EXAMPLE.COM ben") == ["Ben Stone"]
    assert names(job_id=job.id) == ["Asha Rao", "Ben Stone"]
    assert names(job_id=job.id, status="hired") == ["Ben Stone"]
    assert names("98765") == ["Asha Rao", "Ben Stone", "Cy Lee"]


# --- pages -----------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client):
    for url in ("/candidates/", "/candidates/new"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_only_admins_create_domains(app, admin, recruiter):
    job = make_job()
    with pytest.raises(InputError) as caught:
        candidates.create_candidate(candidate_data(job, domain="Quantum"), actor=recruiter)
    assert caught.value.fields == {"domain": "Unknown domain “Quantum”; pick one of <b>dom</b>, AI/ML (admins add new ones)."}
    assert candidate_count() == 0 and domain_count() == 2
    picked = candidates.create_candidate(candidate_data(job, domain="ai/ml"), actor=recruiter)  # names match case-insensitively
    assert picked.domain.name == "AI/ML" and domain_count() == 2
    with pytest.raises(InputError):
        candidates.update_candidate(picked, {"domain": "Quantum"}, actor=recruiter, partial=True)
    made = candidates.create_candidate(candidate_data(job, email="ben@example.com", domain="Quantum"), actor=admin)
    assert made.domain.name == "Quantum" and domain_count() == 3


def test_the_api_refuses_a_recruiter_an_unknown_domain_and_lets_an_admin_create_it(app, client, admin, recruiter, api_headers):
    job = make_job()
    from services import accounts

    recruiter_headers = {"Authorization": f"Token {accounts.create_token(recruiter, 'tests')}"}
    db.session.commit()
    body = {"full_name": "Asha Rao", "email": "asha@example.com", "job_id": str(job.id), "domain": "Quantum"}
    refused = client.post("/api/candidates/", json=body, headers=recruiter_headers)
    assert refused.status_code == 400 and refused.json["fields"] == {
        "domain": "Unknown domain “Quantum”; pick one of <b>dom</b>, AI/ML (admins add new ones)."
    }
    assert domain_count() == 2
    assert client.post("/api/candidates/", json={**body, "domain": "AI/ML"}, headers=recruiter_headers).status_code == 201
    created = client.post("/api/candidates/", json={**body, "email": "ben@example.com"}, headers=api_headers)
    assert created.status_code == 201 and created.json["domain"] == "Quantum" and domain_count() == 3


def test_recruiters_pick_a_domain_from_a_select_and_admins_may_type_one(client, auth, admin, recruiter):
    job = make_job()
    auth.login("recruiter@example.com")
    form = client.get("/candidates/new").get_data(as_text=True)
    assert (
        '<select aria-describedby="domain-hint" id="domain" name="domain">' in form
        and '<option value="AI/ML">AI/ML</option>' in form
    )
    assert 'list="domain-options"' not in form and "New domains are added by admins" in form
    refused = client.post("/candidates/new", data=candidate_data(job, domain="Quantum"))
    assert refused.status_code == 422 and "Unknown domain “Quantum”; pick one of" in refused.get_data(as_text=True)
    assert candidate_count() == 0 and domain_count() == 2
    auth.logout()
    auth.login()
    admin_form = client.get("/candidates/new").get_data(as_text=True)
    assert 'list="domain-options"' in admin_form and '<option value="AI/ML"></option>' in admin_form
    assert client.post("/candidates/new", data=candidate_data(job, domain="Quantum")).status_code == 302 and domain_count() == 3


def test_recruiter_adds_a_candidate(recruiter_client):
    job = make_job()
    form = recruiter_client.get(f"/candidates/new?job={job.id}").get_data(as_text=True)
    assert 'id="candidate-form"' in form and f'<option selected value="{job.id}">' in form and 'type="file"' in form
    response = recruiter_client.post("/candidates/new", data=candidate_data(job))
    candidate = db.session.scalar(select(Candidate))
    assert response.status_code == 302 and response.headers["Location"] == f"/candidates/{candidate.id}"
    page = recruiter_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Asha Rao added." in page and "asha.rao@example.com" in page and "No resume yet." in page
    assert f'href="/interviews/book?candidate_id={candidate.id}"' in page and "No interviews yet." in page


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"email": "nope"}, "is not a valid e-mail address"),
        ({"full_name": ""}, "Enter the full name."),
    ],
)
def test_form_errors_inline(recruiter_client, changes, message):
    job = make_job()
    page = recruiter_client.post("/candidates/new", data=candidate_data(job, **changes))
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    fragment = recruiter_client.post("/candidates/new", data=candidate_data(job, **changes), headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 422 and "<html" not in body and 'id="candidate-form"' in body and message in body
    assert candidate_count() == 0


def test_duplicate_email_in_the_form(recruiter_client):
    job = make_job()
    recruiter_client.post("/candidates/new", data=candidate_data(job))
    fragment = recruiter_client.post("/candidates/new", data=candidate_data(job, email="ASHA.RAO@example.com"), headers=HX)
    assert "A candidate with this e-mail has already applied for this job." in fragment.get_data(as_text=True)
    assert candidate_count() == 1


def test_csrf_is_required(recruiter_client):
    job = make_job()
    assert recruiter_client.post("/candidates/new", data=candidate_data(job), csrf=False).status_code == 400
    candidate = make_candidate(job)
    assert recruiter_client.post(f"/candidates/{candidate.id}/edit", data=candidate_data(job), csrf=False).status_code == 400
    assert candidate_count() == 1 and db.session.get(Candidate, candidate.id).email == "asha@example.com"


def test_edit_candidate(recruiter_client):
    job = make_job()
    candidate = make_candidate(job)
    page = recruiter_client.get(f"/candidates/{candidate.id}/edit").get_data(as_text=True)
    assert 'value="Asha Rao"' in page and 'type="file"' not in page and "Save candidate" in page
    response = recruiter_client.post(f"/candidates/{candidate.id}/edit", data=candidate_data(job, status="scheduled", phone=""))
    assert response.status_code == 302
    assert (candidate.status, candidate.phone, candidate.email) == ("scheduled", "", "asha.rao@example.com")


def test_html_is_escaped_everywhere(recruiter_client):
    job = make_job("<img src=x onerror=alert(1)>")
    candidate = candidates.create_candidate(candidate_data(job, full_name="<script>alert('x')</script>", domain="<b>dom</b>"))
    for url in ("/candidates/", f"/candidates/{candidate.id}", f"/candidates/{candidate.id}/edit", "/candidates/new"):
        html = recruiter_client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>dom</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in recruiter_client.get(f"/candidates/{candidate.id}").get_data(
        as_text=True
    )


def test_detail_lists_interviews_and_their_states(clock, recruiter_client):
    job = make_job()
    candidate = make_candidate(job, resume_text="Python\n<b>Flask</b>")
    first = booking.book_interview(candidate, make_slot(job, T0))
    booking.cancel_interview(first)
    booking.book_interview(candidate, make_slot(job, T0.replace(hour=11)))
    page = recruiter_client.get(f"/candidates/{candidate.id}").get_data(as_text=True)
    interviews = page.split('id="candidate-interviews"')[1]
    assert interviews.count('class="badge badge-cancelled"') == 1 and interviews.count('class="badge badge-scheduled"') == 1
    assert "Wed 16 Jan 2030, 14:30 IST" in interviews and "Wed 16 Jan 2030, 16:30 IST" in interviews
    assert (
        '<div id="resume-text" class="preformatted" tabindex="0" aria-label="Resume text">Python\n&lt;b&gt;Flask&lt;/b&gt;</div>'
        in page
    )
    assert recruiter_client.get(f"/candidates/{job.id}").status_code == 404


def test_list_filters_live_search_and_pagination(recruiter_client):
    job, other = make_job(), make_job("Designer")
    for n in range(22):
        make_candidate(job, f"Person {n:02d}", f"p{n}@example.com")
    make_candidate(other, "Zara Zed", "zara@example.com")
    page = recruiter_client.get("/candidates/")
    html = page.get_data(as_text=True)
    assert "23 candidates" in html and "More candidates" in html and "Newest" not in html and 'id="candidate-search"' in html
    more = re.search(r'href="(/candidates/\?cursor=[^"]+)"', html).group(1)
    fragment = recruiter_client.get("/candidates/?q=zara", headers=HX)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="candidate-list"' in body and "Zara Zed" in body and "Person" not in body
    assert "HX-Request" in fragment.headers["Vary"]
    by_job = recruiter_client.get(f"/candidates/?job={other.id}", headers=HX).get_data(as_text=True)
    assert "Zara Zed" in by_job and "Person 01" not in by_job
    by_status = recruiter_client.get("/candidates/?status=hired", headers=HX).get_data(as_text=True)
    assert "No candidates match these filters." in by_status
    second = recruiter_client.get(more).get_data(as_text=True)
    assert "Person 02" in second and "Person 03" not in second and "Newest" in second and "More candidates" not in second
    assert recruiter_client.get("/candidates/?cursor=nonsense").status_code == 400
    assert recruiter_client.get("/candidates/?job=nonsense&status=bogus").status_code == 200


def test_no_orphan_resume_rows(app):
    job = make_job()
    candidates.create_candidate(candidate_data(job))
    assert db.session.scalar(select(func.count(Resume.id))) == 0


def test_every_bad_field_is_reported_at_once(app):
    job = make_job()
    with pytest.raises(InputError) as caught:
        candidates.create_candidate(candidate_data(job, email="bad", domain="d" * 81, status="gone"))
    assert set(caught.value.fields) == {"email", "domain", "status"}
