"""Resumes: content checks, extraction, storage and replacement without HTTP, then upload and download."""

import errno
import io
import sys
import zipfile
from pathlib import Path

import pytest
from docx.text.paragraph import Paragraph
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from models import Candidate, Resume, db
from services import candidates, resume_text, resumes, storage
from services.errors import InputError
from tests.booking_support import make_candidate, make_job
from tests.resume_files import EXECUTABLE, big_docx, docx_bytes, many_pages_pdf, pdf_bytes, slow_pdf, upload, zip_bomb_docx

HX = {"HX-Request": "true"}


def file_storage(data, filename):
    return FileStorage(stream=io.BytesIO(data), filename=filename)


def stored_files(app):
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def resume_count():
    return db.session.scalar(select(func.count(Resume.id)))


# --- reading uploads -------------------------------------------------------------------------


def test_pdf_docx_and_txt_text_is_extracted(app):
    pdf = resumes.read_upload(file_storage(pdf_bytes("Asha Rao", "Python, Flask, PostgreSQL"), "cv.pdf"))
    assert pdf.kind == "pdf" and pdf.content_type == "application/pdf"
    assert "Asha Rao" in pdf.text and "Python, Flask, PostgreSQL" in pdf.text
    word = resumes.read_upload(file_storage(docx_bytes("Ben Stone", "Ten years of Java"), "CV.DOCX"))
    assert word.kind == "docx" and word.text == "Ben Stone\nTen years of Java"
    text = resumes.read_upload(file_storage("Zoë\r\nRuby dev".encode(), "c:\\Users\\me\\cv.txt"))
    assert (text.kind, text.text, text.filename) == ("txt", "Zoë\nRuby dev", "cv.txt")
    legacy = resumes.read_upload(file_storage("Café résumé".encode("cp1252"), "old.txt"))
    assert legacy.text == "Café résumé"


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (EXECUTABLE, "cv.pdf", "This is not really a PDF: its content is a program (an executable)."),
        (
            b"\x7fELF\x02\x01\x01" + b"\x00" * 50,
            "cv.docx",
            "This is not really a Word (DOCX) document: its content is a program (an executable).",
        ),
        (pdf_bytes("hi"), "cv.txt", "This is not really a plain-text file: its content is a PDF."),
        (b"plain words", "cv.pdf", "This is not really a PDF: its content is plain text."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.pdf", "This is not really a PDF: its content is not a PDF, DOCX or plain text."),
        (zip_bomb_docx(), "cv.docx", "The Word document is compressed suspiciously well; it looks like a zip bomb."),
        (
            zip_bomb_docx(60 * 1024 * 1024),
            "cv.docx",
            "The Word document would expand to more than 50 MB; it looks like a zip bomb.",
        ),
        (b"PK\x03\x04 broken", "cv.docx", "The Word document is damaged (not a valid ZIP archive)."),
        (b"%PDF-1.7 nothing else", "cv.pdf", "The PDF could not be read; it may be damaged."),
        (b"", "cv.txt", "The file is empty."),
        (b"MZ", "setup.exe", "Upload a PDF, DOCX or TXT file (the name must end in .pdf, .docx or .txt)."),
    ],
)
def test_bad_files_are_refused_by_content(app, data, filename, message):
    with pytest.raises(resumes.ResumeError) as caught:
        resumes.read_upload(file_storage(data, filename))
    assert caught.value.fields == {"file": message} and caught.value.status == 400


def test_a_zip_that_is_not_a_word_document(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(resumes.ResumeError, match="not a Word"):
        resumes.read_upload(file_storage(buffer.getvalue(), "cv.docx"))


def test_oversize_is_a_413(app):
    app.config["RESUME_MAX_BYTES"] = 1000
    with pytest.raises(resumes.ResumeError) as caught:
        resumes.read_upload(file_storage(b"x" * 1001, "cv.txt"))
    assert caught.value.status == 413 and "The file is larger than the 1 KB limit." in caught.value.message
    assert resumes.read_upload(file_storage(b"x" * 1000, "cv.txt")).text == "x" * 1000


# --- extraction limits ---------------------------------------------------------------------


def test_a_pdf_too_slow_to_read_is_kept_without_text_and_the_worker_is_free(app, client, api_headers):
    app.config["RESUME_EXTRACT_SECONDS"] = 0.5  # the test waits this long once
    job = make_job()
    response = client.post(
        "/api/candidates/",
        headers=api_headers,
        data={"full_name": "Asha Rao", "email": "asha@example.com", "job_id": str(job.id), "file": upload(slow_pdf(), "cv.pdf")},
    )
    # Read to the end (pypdf needs several seconds for this 3 KB file) it would have text: no text
    # means the reader was stopped at the limit and the request went on without it.
    assert response.status_code == 201 and response.json["warning"] == resumes.NO_TEXT_WARNING
    assert response.json["resume"]["has_text"] is False and stored_files(app) == [db.session.scalar(select(Resume.stored_name))]


def test_a_reader_that_dies_is_like_a_scanned_pdf(app, monkeypatch):
    monkeypatch.setattr(sys, "executable", "/bin/false")
    upload_ = resumes.read_upload(file_storage(pdf_bytes("Asha"), "cv.pdf"))
    assert upload_.text == ""


def test_extraction_caps_pages_paragraphs_and_characters():
    pages = resume_text.read_text("pdf", many_pages_pdf(resume_text.MAX_PDF_PAGES + 10))
    assert "Page 50" in pages and "Page 51" not in pages
    lines = resume_text.read_text("docx", big_docx(resume_text.MAX_PARAGRAPHS + 1000)).split("\n")
    assert len(lines) == resume_text.MAX_PARAGRAPHS and lines[-1] == "Paragraph 4999 of a long resume"
    long_text = resume_text.read_text("docx", big_docx(3000, "{:0100d}"))
    assert len(long_text) == resume_text.MAX_TEXT_CHARS


def test_a_big_docx_is_read_only_up_to_the_caps(app, monkeypatch):
    data = big_docx(60_000)  # uncapped, reading every paragraph takes several seconds
    word = resumes.read_upload(file_storage(data, "cv.docx"))
    assert word.text.count("\n") == resume_text.MAX_PARAGRAPHS - 1
    read, paragraph_text = [], Paragraph.text
    monkeypatch.setattr(Paragraph, "text", property(lambda paragraph: read.append(1) or paragraph_text.fget(paragraph)))
    resume_text.read_text("docx", data)
    assert len(read) == resume_text.MAX_PARAGRAPHS  # the other 55,000 paragraphs are never read


# --- storing ---------------------------------------------------------------------------------


def test_store_under_a_generated_name(app, recruiter):
    candidate = make_candidate(make_job())
    resume = resumes.upload_and_store(candidate, file_storage(pdf_bytes("Hello PDF"), "../../etc/passwd.pdf"), actor=recruiter)
    assert resume.original_filename == "passwd.pdf" and resume.stored_name != "passwd.pdf"
    assert stored_files(app) == [resume.stored_name] and resume.stored_name.endswith(".pdf") and len(resume.stored_name) == 36
    assert (Path(app.config["UPLOAD_FOLDER"]) / "resumes" / resume.stored_name).read_bytes().startswith(b"%PDF-")
    assert resume.uploaded_by_id == recruiter.id and len(resume.sha256) == 64 and resume.has_text
    assert db.session.get(Candidate, candidate.id).resume_id == resume.id
    assert "static" not in app.config["UPLOAD_FOLDER"]


def test_scanned_pdf_is_kept_without_text(app):
    candidate = make_candidate(make_job())
    resume = resumes.upload_and_store(candidate, file_storage(pdf_bytes(), "scan.pdf"))
    assert not resume.has_text and resume.parsed_text == "" and stored_files(app) == [resume.stored_name]


def test_replacing_keeps_the_old_resume_until_the_new_one_is_read(app):
    candidate = make_candidate(make_job())
    old = resumes.upload_and_store(candidate, file_storage(b"first resume", "one.txt"))
    old_name = old.stored_name
    with pytest.raises(resumes.ResumeError):
        resumes.upload_and_store(candidate, file_storage(EXECUTABLE, "two.pdf"))
    assert db.session.get(Candidate, candidate.id).resume.parsed_text == "first resume"
    assert stored_files(app) == [old_name] and resume_count() == 1
    new = resumes.upload_and_store(candidate, file_storage(docx_bytes("second resume"), "two.docx"))
    assert db.session.get(Candidate, candidate.id).resume.parsed_text == "second resume"
    assert stored_files(app) == [new.stored_name] and resume_count() == 1


def test_a_failed_commit_leaves_no_file_and_no_row(app, monkeypatch):
    candidate = make_candidate(make_job())
    old = resumes.upload_and_store(candidate, file_storage(b"first", "one.txt"))
    old_name = old.stored_name

    def broken_commit():
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        resumes.upload_and_store(candidate, file_storage(b"second", "two.txt"))
    monkeypatch.undo()
    assert stored_files(app) == [old_name] and resume_count() == 1
    assert db.session.get(Candidate, candidate.id).resume.parsed_text == "first"


def disk_full(monkeypatch):
    """The upload folder's disk is full: every fsync of a new file fails with ENOSPC."""

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", no_space)


def candidate_count():
    return db.session.scalar(select(func.count(Candidate.id)))


def test_a_full_disk_creates_no_candidate_and_a_retry_succeeds(app, monkeypatch):
    job = make_job()
    data = {"full_name": "Asha", "email": "asha@example.com", "job_id": str(job.id)}
    disk_full(monkeypatch)
    with pytest.raises(InputError) as caught:
        candidates.create_candidate(data, resume_file=file_storage(b"Asha's resume", "cv.txt"))
    assert caught.value.status == 507 and caught.value.fields == {"file": "Storage is full; try again later."}
    assert candidate_count() == 0 and resume_count() == 0 and stored_files(app) == []  # no partial file either
    monkeypatch.undo()
    created = candidates.create_candidate(data, resume_file=file_storage(b"Asha's resume", "cv.txt"))
    assert created.resume.parsed_text == "Asha's resume" and stored_files(app) == [created.resume.stored_name]


def test_a_commit_that_fails_after_the_file_was_written_removes_it(app, monkeypatch):
    job = make_job()

    def broken_commit():
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        candidates.create_candidate(
            {"full_name": "Asha", "email": "asha@example.com", "job_id": str(job.id)}, resume_file=file_storage(b"cv", "cv.txt")
        )
    monkeypatch.undo()
    assert candidate_count() == 0 and resume_count() == 0 and stored_files(app) == []


def test_an_unwritable_upload_folder_is_a_503_through_the_api_and_a_retry_succeeds(app, client, api_headers):
    job = make_job()
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the folder should be")

    def post():
        body = {
            "full_name": "Asha Rao",
            "email": "asha@example.com",
            "job_id": str(job.id),
            "file": upload(b"My resume", "cv.txt"),
        }
        return client.post("/api/candidates/", headers=api_headers, data=body)

    refused = post()
    assert refused.status_code == 503 and refused.json == {
        "error": "Storage is unavailable; try again later.",
        "fields": {"file": "Storage is unavailable; try again later."},
    }
    assert candidate_count() == 0 and resume_count() == 0
    folder.unlink()
    assert post().status_code == 201 and candidate_count() == 1


def test_a_full_disk_is_an_inline_error_in_the_candidate_form(recruiter_client, app, monkeypatch):
    job = make_job()
    disk_full(monkeypatch)
    form = {
        "full_name": "Ben",
        "email": "ben@example.com",
        "job_id": str(job.id),
        "status": "new",
        "file": upload(b"Ben's resume", "ben.txt"),
    }
    page = recruiter_client.post("/candidates/new", data=dict(form))
    assert page.status_code == 422 and "Storage is full; try again later." in page.get_data(as_text=True)
    assert candidate_count() == 0 and stored_files(app) == []
    candidate = make_candidate(job)
    replaced = recruiter_client.post(f"/candidates/{candidate.id}/resume", data={"file": upload(b"new", "cv.txt")}, headers=HX)
    assert replaced.status_code == 422 and "Storage is full; try again later." in replaced.get_data(as_text=True)
    assert resume_count() == 0 and stored_files(app) == []


def test_candidate_with_a_bad_resume_is_not_created(app):
    job = make_job()
    data = {"full_name": "Asha", "email": "asha@example.com", "job_id": str(job.id)}
    with pytest.raises(InputError) as caught:
        candidates.create_candidate(data, resume_file=file_storage(zip_bomb_docx(), "cv.docx"))
    assert "zip bomb" in caught.value.fields["file"]
    assert db.session.scalar(select(func.count(Candidate.id))) == 0 and resume_count() == 0 and stored_files(app) == []
    created = candidates.create_candidate(data, resume_file=file_storage(docx_bytes("Good"), "cv.docx"))
    assert created.resume.parsed_text == "Good"


# --- pages -----------------------------------------------------------------------------------


def test_upload_on_the_candidate_page(recruiter_client, app):
    candidate = make_candidate(make_job())
    response = recruiter_client.post(
        f"/candidates/{candidate.id}/resume", data={"file": upload(pdf_bytes("Line one", "Line <two>"), "cv.pdf")}
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/candidates/{candidate.id}"
    page = recruiter_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Resume saved; its text is below." in page and "Line one\nLine &lt;two&gt;" in page
    assert "Download cv.pdf" in page and "Replace the resume" in page


def test_htmx_upload_returns_the_resume_section(recruiter_client):
    candidate = make_candidate(make_job())
    response = recruiter_client.post(
        f"/candidates/{candidate.id}/resume", data={"file": upload(docx_bytes("Docx text"), "cv.docx")}, headers=HX
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and body.lstrip().startswith('<section id="resume"')
    assert "Docx text" in body and "Resume saved" in body


def test_scanned_pdf_upload_warns(recruiter_client):
    candidate = make_candidate(make_job())
    body = recruiter_client.post(
        f"/candidates/{candidate.id}/resume", data={"file": upload(pdf_bytes(), "scan.pdf")}, headers=HX
    ).get_data(as_text=True)
    assert "no text could be read from it (a scanned PDF?)" in body and "Download scan.pdf" in body


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (EXECUTABLE, "cv.pdf", "This is not really a PDF: its content is a program (an executable)."),
        (zip_bomb_docx(), "cv.docx", "it looks like a zip bomb"),
    ],
)
def test_bad_uploads_show_the_error_in_the_form(recruiter_client, app, data, filename, message):
    candidate = make_candidate(make_job())
    page = recruiter_client.post(f"/candidates/{candidate.id}/resume", data={"file": upload(data, filename)})
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    fragment = recruiter_client.post(f"/candidates/{candidate.id}/resume", data={"file": upload(data, filename)}, headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 422 and message in body and 'aria-invalid="true"' in body
    assert resume_count() == 0 and stored_files(app) == []


def test_a_file_over_the_resume_cap_is_an_inline_error(recruiter_client, app):
    app.config["RESUME_MAX_BYTES"] = 2048
    candidate = make_candidate(make_job())
    page = recruiter_client.post(f"/candidates/{candidate.id}/resume", data={"file": upload(b"x" * 4096, "cv.txt")})
    assert page.status_code == 422 and "The file is larger than the" in page.get_data(as_text=True)
    job = candidate.job
    new = recruiter_client.post(
        "/candidates/new",
        data={
            "full_name": "Ben",
            "email": "ben@example.com",
            "job_id": str(job.id),
            "status": "new",
            "file": upload(b"x" * 4096, "cv.txt"),
        },
    )
    assert new.status_code == 422 and db.session.scalar(select(func.count(Candidate.id))) == 1
    assert resume_count() == 0 and stored_files(app) == []


@pytest.mark.parametrize("headers", [{}, HX])
def test_a_body_over_the_request_limit_is_a_413(recruiter_client, app, headers):
    """The request-size guard refuses the body unread: 413 (htmx shows it as a toast), not a form."""
    app.config["MAX_CONTENT_LENGTH"] = 4096
    candidate = make_candidate(make_job())
    response = recruiter_client.post(
        f"/candidates/{candidate.id}/resume", data={"file": upload(b"x" * 8192, "cv.txt")}, headers=headers
    )
    assert response.status_code == 413 and "The upload is too large." in response.get_data(as_text=True)
    assert resume_count() == 0 and stored_files(app) == []


def test_new_candidate_with_a_resume(recruiter_client):
    job = make_job()
    response = recruiter_client.post(
        "/candidates/new",
        data={
            "full_name": "Ben",
            "email": "ben@example.com",
            "job_id": str(job.id),
            "status": "new",
            "file": upload(b"Ben's resume", "ben.txt"),
        },
    )
    assert response.status_code == 302
    assert "Ben&#39;s resume" in recruiter_client.get(response.headers["Location"]).get_data(as_text=True)


def test_upload_needs_csrf(recruiter_client, app):
    candidate = make_candidate(make_job())
    response = recruiter_client.post(f"/candidates/{candidate.id}/resume", data={"file": upload(b"text", "cv.txt")}, csrf=False)
    assert response.status_code == 400 and resume_count() == 0 and stored_files(app) == []


def test_download_is_an_attachment_for_signed_in_users_only(client, auth, recruiter, app):
    candidate = make_candidate(make_job())
    data = pdf_bytes("Downloadable")
    resumes.upload_and_store(candidate, file_storage(data, "Asha CV.pdf"))
    url = f"/candidates/{candidate.id}/resume"

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"] and b"%PDF" not in anonymous.data

    auth.login("recruiter@example.com")
    response = client.get(url)
    assert response.status_code == 200 and response.data == data
    assert (
        response.headers["Content-Disposition"].startswith("attachment;")
        and "Asha CV.pdf" in response.headers["Content-Disposition"]
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    assert client.get(f"/candidates/{make_candidate(candidate.job, 'Ben Stone').id}/resume").status_code == 404
