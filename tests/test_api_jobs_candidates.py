"""The jobs and candidates JSON API (seed 001's `POST /api/jobs/` with coding_language), on both databases."""

import pytest
from sqlalchemy import func, select

from models import Candidate, Job, Resume, db
from services import accounts
from tests.booking_support import make_candidate, make_job
from tests.resume_files import EXECUTABLE, docx_bytes, pdf_bytes, upload, zip_bomb_docx
from tests.support import BOTH_DATABASES


def job_body(**changes):
    body = {
        "job_title": "ML Engineer",
        "company_name": "Acme AI",
        "job_description": "Train models.",
        "coding_language": "PYTHON",
        "domain": "AI/ML",
        "duration_minutes": 45,
    }
    body.update(changes)
    return body


def candidate_body(job, **changes):
    body = {
        "full_name": "Asha Rao",
        "email": "Asha@Example.com",
        "phone": "+91 98765 43210",
        "work_experience": 3,
        "job_id": str(job.id),
    }
    body.update(changes)
    return body


@pytest.fixture
def recruiter_headers(recruiter):
    raw = accounts.create_token(recruiter, "tests")
    db.session.commit()
    return {"Authorization": f"Token {raw}"}


def test_a_token_is_required(client):
    for method, url in (("get", "/api/jobs/"), ("post", "/api/jobs/"), ("get", "/api/candidates/"), ("post", "/api/candidates/")):
        response = getattr(client, method)(url, json={})
        assert response.status_code == 401 and response.json["error"]


@BOTH_DATABASES
def test_create_read_and_update_a_job(app, backend, client, api_headers):
    response = client.post("/api/jobs/", json=job_body(), headers=api_headers)
    assert response.status_code == 201, response.json
    job = response.json
    assert (job["coding_language"], job["domain"], job["duration_minutes"], job["archived"]) == ("PYTHON", "AI/ML", 45, False)
    assert client.get(f"/api/jobs/{job['id']}/", headers=api_headers).json == job

    # The seed's frontend sends just the language with PUT.
    put = client.put(f"/api/jobs/{job['id']}/", json={"coding_language": "JAVASCRIPT"}, headers=api_headers)
    assert put.status_code == 200 and put.json["coding_language"] == "JAVASCRIPT" and put.json["job_title"] == "ML Engineer"
    patch = client.patch(f"/api/jobs/{job['id']}/", json={"job_title": "Senior ML Engineer", "domain": None}, headers=api_headers)
    assert patch.status_code == 200 and (patch.json["job_title"], patch.json["domain"]) == ("Senior ML Engineer", None)


@BOTH_DATABASES
@pytest.mark.parametrize(
    "changes, field",
    [
        ({"coding_language": "COBOL"}, "coding_language"),
        ({"job_title": ""}, "job_title"),
        ({"job_title": None}, "job_title"),
        ({"duration_minutes": "long"}, "duration_minutes"),
        ({"job_title": "x" * 300}, "job_title"),
        ({"company_name": {"nested": 1}}, "company_name"),
        ({"domain_id": "not-a-uuid"}, "domain_id"),
    ],
)
def test_bad_job_bodies_are_400_with_fields(app, backend, client, api_headers, changes, field):
    response = client.post("/api/jobs/", json=job_body(**changes), headers=api_headers)
    assert response.status_code == 400 and response.json["error"] and field in response.json["fields"]
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_bad_update_changes_nothing(app, client, api_headers):
    job = make_job()
    response = client.patch(f"/api/jobs/{job.id}/", json={"coding_language": "KLINGON", "job_title": "New"}, headers=api_headers)
    assert response.status_code == 400 and set(response.json["fields"]) == {"coding_language"}
    assert client.get(f"/api/jobs/{job.id}/", headers=api_headers).json["job_title"] == "Backend Engineer"
    assert client.patch(f"/api/jobs/{job.id}/", data="not json", headers=api_headers).status_code == 400
    assert client.get("/api/jobs/not-a-uuid/", headers=api_headers).status_code == 404


def test_recruiters_read_jobs_but_only_admins_write(app, client, recruiter_headers):
    job = make_job()
    assert client.get("/api/jobs/", headers=recruiter_headers).status_code == 200
    assert client.post("/api/jobs/", json=job_body(), headers=recruiter_headers).status_code == 403
    assert client.put(f"/api/jobs/{job.id}/", json={"coding_language": "SQL"}, headers=recruiter_headers).status_code == 403


@BOTH_DATABASES
def test_job_list_paginates(app, backend, client, api_headers):
    for n in range(25):
        make_job(f"Role {n:02d}")
    first = client.get("/api/jobs/?page_size=10", headers=api_headers).json
    assert (first["count"], first["page"], first["pages"], len(first["results"])) == (25, 1, 3, 10)
    assert first["next"] == "http://testserver.local/api/jobs/?page_size=10&page=2"  # BACKEND_URL, never the Host
    last = client.get("/api/jobs/?page_size=10&page=3", headers=api_headers).json
    assert [j["job_title"] for j in last["results"]] == ["Role 20", "Role 21", "Role 22", "Role 23", "Role 24"] and last[
        "next"
    ] is None
    assert len(client.get("/api/jobs/?page_size=1000", headers=api_headers).json["results"]) == 25  # capped at 100
    assert client.get("/api/jobs/?search=role 07", headers=api_headers).json["count"] == 1
    assert client.get("/api/jobs/?page=99", headers=api_headers).json["results"] == []
    bad = client.get("/api/jobs/?page=0&page_size=x", headers=api_headers)
    assert bad.status_code == 400 and set(bad.json["fields"]) == {"page", "page_size"}


@BOTH_DATABASES
def test_create_read_and_patch_a_candidate(app, backend, client, api_headers):
    job = make_job()
    response = client.post("/api/candidates/", json=candidate_body(job), headers=api_headers)
    assert response.status_code == 201, response.json
    candidate = response.json
    assert (candidate["email"], candidate["status"], candidate["job_id"], candidate["resume"]) == (
        "asha@example.com",
        "new",
        str(job.id),
        None,
    )
    assert client.get(f"/api/candidates/{candidate['id']}/", headers=api_headers).json == candidate
    patch = client.patch(
        f"/api/candidates/{candidate['id']}/", json={"status": "interviewed", "domain": "Data"}, headers=api_headers
    )
    assert patch.status_code == 200 and (patch.json["status"], patch.json["domain"], patch.json["full_name"]) == (
        "interviewed",
        "Data",
        "Asha Rao",
    )


@BOTH_DATABASES
@pytest.mark.parametrize(
    "changes, field",
    [
        ({"email": "nope"}, "email"),
        ({"email": "asha@example.com"}, "email"),  # the duplicate
        ({"full_name": ""}, "full_name"),
        ({"status": "ghosted"}, "status"),
        ({"job_id": "00000000-0000-0000-0000-000000000000"}, "job_id"),
        ({"work_experience": -2}, "work_experience"),
        ({"full_name": "Asha\x00"}, "full_name"),  # NUL is refused, not a 500 on PostgreSQL
    ],
)
def test_bad_candidate_bodies_are_400(app, backend, client, api_headers, changes, field):
    job = make_job()
    make_candidate(job, "Asha Rao", "asha@example.com")
    response = client.post("/api/candidates/", json=candidate_body(job, **changes), headers=api_headers)
    assert response.status_code == 400 and field in response.json["fields"], response.json
    assert db.session.scalar(select(func.count(Candidate.id))) == 1


@BOTH_DATABASES
def test_candidate_list_paginates_and_filters(app, backend, client, api_headers):
    job, other = make_job(), make_job("Other")
    for n in range(12):
        make_candidate(job, f"Person {n:02d}", f"p{n}@example.com", resume_text="secret text")
    make_candidate(other, "Zara Zed", "zara@example.com")
    listed = client.get("/api/candidates/?page_size=5", headers=api_headers).json
    assert (listed["count"], listed["count_capped"], listed["pages"], len(listed["results"])) == (13, False, 3, 5)
    assert "page_size=5&cursor=" in listed["next"]
    resumes_listed = [c["resume"] for c in listed["results"] if c["resume"]]
    assert resumes_listed and all("parsed_text" not in r and r["has_text"] for r in resumes_listed)
    only_other = client.get(f"/api/candidates/?job_id={other.id}", headers=api_headers).json
    assert [c["full_name"] for c in only_other["results"]] == ["Zara Zed"]
    assert client.get("/api/candidates/?search=zara", headers=api_headers).json["count"] == 1
    assert client.get("/api/candidates/?status=new", headers=api_headers).json["count"] == 13
    bad = client.get("/api/candidates/?status=ghosted&job_id=x", headers=api_headers)
    assert bad.status_code == 400 and set(bad.json["fields"]) == {"status", "job_id"}


@BOTH_DATABASES
def test_resume_upload_and_text_in_the_candidate(app, backend, client, api_headers):
    candidate = make_candidate(make_job())
    url = f"/api/candidates/{candidate.id}/resume/"
    response = client.post(url, data={"file": upload(pdf_bytes("Asha Rao", "Flask and SQL"), "cv.pdf")}, headers=api_headers)
    assert response.status_code == 201, response.json
    assert response.json["id"] == str(candidate.id) and "warning" not in response.json
    assert (
        "Flask and SQL" in response.json["resume"]["parsed_text"] and response.json["resume"]["content_type"] == "application/pdf"
    )
    replaced = client.post(url, data={"file": upload(docx_bytes("Word resume"), "cv.docx")}, headers=api_headers)
    assert replaced.status_code == 201
    fetched = client.get(f"/api/candidates/{candidate.id}/", headers=api_headers).json
    assert fetched["resume"]["parsed_text"] == "Word resume" and fetched["resume"]["original_filename"] == "cv.docx"
    assert db.session.scalar(select(func.count(Resume.id))) == 1
    scanned = client.post(url, data={"file": upload(pdf_bytes(), "scan.pdf")}, headers=api_headers)
    assert scanned.status_code == 201 and "no text could be read" in scanned.json["warning"]


@BOTH_DATABASES
@pytest.mark.parametrize(
    "data, filename, status, message",
    [
        (EXECUTABLE, "cv.pdf", 400, "This is not really a PDF: its content is a program (an executable)."),
        (zip_bomb_docx(), "cv.docx", 400, "The Word document is compressed suspiciously well; it looks like a zip bomb."),
        (b"x" * 70_000, "cv.txt", 413, "The file is larger than the 64 KB limit."),
    ],
)
def test_bad_resume_uploads(app, backend, client, api_headers, data, filename, status, message):
    app.config["RESUME_MAX_BYTES"] = 64 * 1024
    candidate = make_candidate(make_job())
    response = client.post(f"/api/candidates/{candidate.id}/resume/", data={"file": upload(data, filename)}, headers=api_headers)
    assert response.status_code == status and response.json == {"error": message, "fields": {"file": message}}
    assert db.session.scalar(select(func.count(Resume.id))) == 0


def test_resume_upload_needs_a_file(app, client, api_headers):
    candidate = make_candidate(make_job())
    response = client.post(f"/api/candidates/{candidate.id}/resume/", data={}, headers=api_headers)
    assert response.status_code == 400 and response.json["fields"]["file"] == "Choose a PDF, DOCX or TXT file to upload."
    assert client.post("/api/candidates/00000000-0000-0000-0000-000000000000/resume/", headers=api_headers).status_code == 404


def test_create_candidate_with_a_resume_in_one_multipart_request(app, client, api_headers):
    job = make_job()
    form = {"full_name": "Ben", "email": "ben@example.com", "job_id": str(job.id), "file": upload(b"Plain resume", "ben.txt")}
    response = client.post("/api/candidates/", data=form, headers=api_headers)
    assert response.status_code == 201 and response.json["resume"]["parsed_text"] == "Plain resume"


def test_recruiter_tokens_manage_candidates(app, client, recruiter_headers):
    job = make_job()
    assert client.post("/api/candidates/", json=candidate_body(job), headers=recruiter_headers).status_code == 201
