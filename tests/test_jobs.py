"""Jobs: the service rules without HTTP, then the pages (admins edit, recruiters read)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Domain, Job, db
from services import booking, jobs
from services.errors import InputError
from tests.booking_support import make_candidate, make_job, make_slot

HX = {"HX-Request": "true"}
T0 = datetime(2030, 1, 16, 9, 0, tzinfo=UTC)


def job_data(**changes):
    data = {
        "job_title": "ML Engineer",
        "company_name": "Acme AI",
        "job_description": "Train models.\nShip them.",
        "coding_language": "JAVASCRIPT",
        "domain": "AI/ML",
        "duration_minutes": "45",
        "tech_stack_details": "",
    }
    data.update(changes)
    return data


def job_count():
    return db.session.scalar(select(func.count(Job.id)))


# --- service ---------------------------------------------------------------------------------


def test_create_job_picks_or_creates_the_domain(app, admin):
    first = jobs.create_job(job_data(), actor=admin)
    second = jobs.create_job(job_data(job_title="Data Scientist", domain="ai/ml"), actor=admin)
    assert first.domain is not None and first.domain.name == "AI/ML"
    assert second.domain_id == first.domain_id
    assert db.session.scalar(select(func.count(Domain.id))) == 1
    assert (first.coding_language, first.duration_minutes, first.job_description) == (
        "JAVASCRIPT",
        45,
        "Train models.\nShip them.",
    )
    assert first.tech_stack_details is None
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.subject_id == str(first.id))) == "job.created"


def test_defaults_python_and_30_minutes(app):
    job = jobs.create_job({"job_title": "Dev", "company_name": "Acme"})
    assert (job.coding_language, job.duration_minutes, job.domain) == ("PYTHON", 30, None)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {"coding_language": "COBOL"},
            "coding_language",
            "“COBOL” is not a valid coding language; choose one of PYTHON, JAVASCRIPT, JAVA, PHP, RUBY, CSHARP, SQL.",
        ),
        ({"job_title": "   "}, "job_title", "Enter the job title."),
        ({"company_name": ""}, "company_name", "Enter the company name."),
        ({"job_title": "x" * 201}, "job_title", "Job title can be at most 200 characters (this is 201)."),
        ({"duration_minutes": "ten"}, "duration_minutes", "Interview duration (minutes) must be a whole number."),
        ({"duration_minutes": "481"}, "duration_minutes", "Interview duration (minutes) must be between 5 and 480."),
        ({"domain": "d" * 81}, "domain", "Domain can be at most 80 characters (this is 81)."),
        ({"job_title": ["a list"]}, "job_title", "Job title must be text."),
    ],
)
def test_bad_job_input_names_the_field_and_writes_nothing(app, changes, field, message):
    with pytest.raises(InputError) as caught:
        jobs.create_job(job_data(**changes))
    assert caught.value.fields[field] == message
    assert job_count() == 0 and db.session.scalar(select(func.count(Domain.id))) == 0


def test_lowercase_language_is_accepted(app):
    job = jobs.create_job(job_data(coding_language="ruby"))
    assert job.coding_language == "RUBY"


@pytest.mark.parametrize(
    "text, message",
    [
        ("Dev\x00 Ops", "Job title must not contain NUL characters."),
        ("Dev \ud800", "Job title must not contain unpaired surrogates (\\ud800-\\udfff); send valid Unicode text."),
    ],
)
def test_nul_and_lone_surrogates_are_refused_not_dropped(app, text, message):
    with pytest.raises(InputError) as caught:
        jobs.create_job(job_data(job_title=text))
    assert caught.value.fields == {"job_title": message} and job_count() == 0


def test_partial_update_changes_only_what_is_sent(app):
    job = jobs.create_job(job_data())
    jobs.update_job(job, {"coding_language": "SQL"}, partial=True)
    assert (job.coding_language, job.job_title, job.domain.name) == ("SQL", "ML Engineer", "AI/ML")
    with pytest.raises(InputError) as caught:
        jobs.update_job(job, {"coding_language": "KLINGON", "job_title": "New"}, partial=True)
    assert set(caught.value.fields) == {"coding_language"}
    db.session.refresh(job)
    assert (job.coding_language, job.job_title) == ("SQL", "ML Engineer")


def test_editing_a_job_leaves_booked_sessions_alone(app, clock):
    job = jobs.create_job(job_data())
    interview = booking.book_interview(make_candidate(job), make_slot(job, T0))
    snapshot = interview.session.job_description
    assert snapshot == jobs.build_job_description(job) and "Domain: AI/ML" in snapshot and "Train models." in snapshot
    jobs.update_job(job, job_data(job_title="Renamed", job_description="Other work", coding_language="JAVA"))
    db.session.refresh(interview.session)
    assert interview.session.job_description == snapshot
    assert interview.session.coding_language == "JAVASCRIPT"


def test_job_description_never_the_legacy_field_alone(app):
    job = jobs.create_job(job_data(job_description="", tech_stack_details="Django, React"))
    text = jobs.build_job_description(job)
    assert text.startswith("Job Title: ML Engineer\nCompany: Acme AI\nDomain: AI/ML")
    assert text.endswith("Tech stack: Django, React")


def test_remove_deletes_unused_jobs_and_archives_used_ones(app):
    unused, used = make_job("Unused"), make_job("Used")
    make_candidate(used)
    assert jobs.remove_job(unused) == "deleted"
    assert jobs.remove_job(used) == "archived"
    assert db.session.get(Job, used.id).is_archived and job_count() == 1
    assert [j.job_title for j in db.session.scalars(jobs.search_jobs())] == []
    assert [j.job_title for j in db.session.scalars(jobs.search_jobs(include_archived=True))] == ["Used"]
    jobs.restore_job(used)
    assert not used.is_archived


def test_search_matches_title_company_and_domain_words(app):
    jobs.create_job(job_data())
    jobs.create_job(job_data(job_title="Frontend Dev", company_name="Widgets", domain="Web"))
    jobs.create_job(job_data(job_title="100% remote_dev", company_name="Zed", domain=""))

    def titles(text):
        return [j.job_title for j in db.session.scalars(jobs.search_jobs(text))]

    assert titles("ml") == ["ML Engineer"]
    assert titles("widgets") == ["Frontend Dev"]
    assert titles("ai/ml engineer") == ["ML Engineer"]
    assert titles("100%") == ["100% remote_dev"] and titles("_") == ["100% remote_dev"]
    assert len(titles("")) == 3


# --- pages -----------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/jobs/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_recruiters_read_but_cannot_edit(recruiter_client):
    job = make_job()
    assert recruiter_client.get("/jobs/").status_code == 200
    page = recruiter_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert (
        "Backend Engineer" in page
        and "Edit" not in page
        and "New job" not in recruiter_client.get("/jobs/").get_data(as_text=True)
    )
    assert recruiter_client.get("/jobs/new").status_code == 403
    assert recruiter_client.post("/jobs/new", data=job_data()).status_code == 403
    assert recruiter_client.post(f"/jobs/{job.id}/edit", data=job_data()).status_code == 403
    assert recruiter_client.post(f"/jobs/{job.id}/remove").status_code == 403
    assert job_count() == 1


def test_admin_creates_a_job_with_the_form(admin_client):
    page = admin_client.get("/jobs/new").get_data(as_text=True)
    assert 'id="job-form"' in page and '<datalist id="domain-options">' in page and 'value="JAVASCRIPT"' in page
    response = admin_client.post("/jobs/new", data=job_data())
    job = db.session.scalar(select(Job))
    assert response.status_code == 302 and response.headers["Location"] == f"/jobs/{job.id}"
    detail = admin_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Job “ML Engineer” created." in detail and "<dd>JavaScript</dd>" in detail and "AI/ML" in detail
    assert '<div class="preformatted" tabindex="0">Train models.\nShip them.</div>' in detail


def test_htmx_create_redirects_with_a_header(admin_client):
    response = admin_client.post("/jobs/new", data=job_data(), headers=HX)
    assert response.status_code == 200 and response.headers["HX-Redirect"].startswith("/jobs/")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"coding_language": "COBOL"}, "is not a valid coding language"),
        ({"job_title": ""}, "Enter the job title."),
    ],
)
def test_bad_form_input_is_shown_next_to_the_field(admin_client, changes, message):
    page = admin_client.post("/jobs/new", data=job_data(**changes))
    assert page.status_code == 422 and message in page.get_data(as_text=True) and "<html" in page.get_data(as_text=True)
    fragment = admin_client.post("/jobs/new", data=job_data(**changes), headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 422 and "<html" not in body
    assert 'id="job-form"' in body and message in body and 'aria-invalid="true"' in body
    assert job_count() == 0


def test_csrf_is_required(admin_client):
    response = admin_client.post("/jobs/new", data=job_data(), csrf=False)
    assert response.status_code == 400 and "The form expired or was forged" in response.get_data(as_text=True)
    job = make_job()
    assert admin_client.post(f"/jobs/{job.id}/remove", csrf=False).status_code == 400
    assert admin_client.post(f"/jobs/{job.id}/edit", data=job_data(), csrf=False).status_code == 400
    assert job_count() == 1 and db.session.get(Job, job.id).job_title == "Backend Engineer"


def test_html_in_fields_is_escaped(admin_client):
    admin_client.post("/jobs/new", data=job_data(job_title="<script>alert(1)</script>", job_description="<b>bold</b>"))
    job = db.session.scalar(select(Job))
    for url in ("/jobs/", f"/jobs/{job.id}", f"/jobs/{job.id}/edit"):
        html = admin_client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in admin_client.get(f"/jobs/{job.id}").get_data(as_text=True)


def test_edit_uses_the_same_form_and_keeps_values(admin_client):
    job = jobs.create_job(job_data())
    page = admin_client.get(f"/jobs/{job.id}/edit").get_data(as_text=True)
    assert 'id="job-form"' in page and 'value="ML Engineer"' in page and 'value="AI/ML"' in page and "Save job" in page
    response = admin_client.post(f"/jobs/{job.id}/edit", data=job_data(coding_language="PHP", domain="Web"))
    assert response.status_code == 302
    assert (job.coding_language, job.domain.name) == ("PHP", "Web")


def test_remove_archives_a_job_with_interviews(clock, admin_client):
    job = make_job()
    booking.book_interview(make_candidate(job), make_slot(job, T0))
    page = admin_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Archive the job" in page and "Delete the job" not in page
    response = admin_client.post(f"/jobs/{job.id}/remove", follow_redirects=True)
    assert "is archived" in response.get_data(as_text=True)
    assert db.session.get(Job, job.id).is_archived
    assert "Backend Engineer" not in admin_client.get("/jobs/").get_data(as_text=True)
    assert "Backend Engineer" in admin_client.get("/jobs/?archived=1").get_data(as_text=True)
    admin_client.post(f"/jobs/{job.id}/restore")
    assert not db.session.get(Job, job.id).is_archived


def test_remove_deletes_an_unused_job(admin_client):
    job = make_job()
    response = admin_client.post(f"/jobs/{job.id}/remove")
    assert response.status_code == 302 and response.headers["Location"] == "/jobs/"
    assert job_count() == 0


def test_live_search_fragment_and_pagination(recruiter_client):
    for n in range(23):
        make_job(f"Role {n:02d}")
    make_job("Zebra keeper")
    page = recruiter_client.get("/jobs/")
    html = page.get_data(as_text=True)
    assert "<html" in html and "24 jobs" in html and "Page 1 of 2" in html and "Role 19" in html and "Role 20" not in html
    assert "HX-Request" in page.headers["Vary"]
    fragment = recruiter_client.get("/jobs/?q=zebra", headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and 'id="job-list"' in body
    assert "Zebra keeper" in body and "Role 01" not in body and "1 job matching “zebra”" in body
    second = recruiter_client.get("/jobs/?page=2", headers=HX).get_data(as_text=True)
    assert "Role 20" in second and "Zebra keeper" in second and "Page 2 of 2" in second
    assert recruiter_client.get("/jobs/?page=abc").status_code == 200
