"""In the browser: an admin creates a JAVASCRIPT job; a recruiter adds a candidate, uploads a real PDF
and DOCX, reads the extracted text, and narrows the candidate list by typing, without a reload."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from models import Job, db
from tests.booking_support import make_candidate
from tests.conftest import ADMIN_EMAIL, RECRUITER_EMAIL
from tests.resume_files import DOCX_TYPE, EXECUTABLE, docx_bytes, pdf_bytes
from tests.support import assert_accessible, browser_login


def test_jobs_candidates_and_resumes_in_the_browser(live_server, browser_page, admin, recruiter, app):
    page = browser_page

    # The admin creates a JavaScript job, with a new domain.
    browser_login(page, live_server, ADMIN_EMAIL)
    page.get_by_role("link", name="Jobs", exact=True).click()
    page.get_by_role("link", name="New job").click()
    page.get_by_label("Job title").fill("")
    page.get_by_role("button", name="Create job").click()
    expect(page.locator("#job-form")).to_contain_text("Enter the job title.")
    assert_accessible(page)
    page.get_by_label("Job title").fill("Frontend Engineer")
    page.get_by_label("Company name").fill("Acme <Web>")
    page.get_by_label("Coding language").select_option("JAVASCRIPT")
    page.get_by_label("Domain").fill("Web Platforms")
    page.get_by_label("Job description").fill("Build the UI.\nKeep it accessible.")
    page.get_by_role("button", name="Create job").click()
    expect(page.get_by_role("heading", name="Frontend Engineer")).to_be_visible()
    expect(page.get_by_text("Job “Frontend Engineer” created.")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("Coding languageJavaScript")
    expect(page.locator("dl.facts")).to_contain_text("Acme <Web>")
    assert_accessible(page)
    page.get_by_role("link", name="Back to the jobs").click()
    expect(page.locator("#job-list")).to_contain_text("Frontend Engineer")
    assert_accessible(page)

    # Others already applied, so the live search has something to narrow.
    job = db.session.scalar(select(Job).where(Job.job_title == "Frontend Engineer"))
    for name, email in (("Ben Stone", "ben@example.com"), ("Cy Lee", "cy@example.com")):
        make_candidate(job, name, email)

    # The recruiter adds a candidate.
    page.context.clear_cookies()
    browser_login(page, live_server, RECRUITER_EMAIL)
    page.get_by_role("link", name="Candidates", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="New candidate").click()
    page.get_by_label("Full name").fill("Asha Rao")
    page.get_by_label("E-mail").fill("not-an-email")
    page.get_by_label("Job", exact=True).select_option(label="Frontend Engineer · Acme <Web>")
    page.get_by_role("button", name="Add candidate").click()
    expect(page.locator("#candidate-form")).to_contain_text("is not a valid e-mail address")
    assert_accessible(page)
    page.get_by_label("E-mail").fill("Asha.Rao@Example.com")
    page.get_by_label("Work experience (years)").fill("5")
    page.get_by_role("button", name="Add candidate").click()
    expect(page.get_by_role("heading", name="Asha Rao")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("asha.rao@example.com")
    expect(page.get_by_role("link", name="Book interview")).to_have_attribute(
        "href", re.compile(r"/interviews/book\?candidate_id=")
    )

    # A real PDF: its text shows up on the page.
    resume = page.locator("#resume")
    resume.get_by_label("Resume file (PDF, DOCX or TXT)").set_input_files(
        {"name": "asha.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("Asha Rao", "Senior JavaScript developer")}
    )
    resume.get_by_role("button", name="Upload the resume").click()
    expect(page.locator("#resume-text")).to_contain_text("Senior JavaScript developer")
    expect(resume.get_by_role("link", name="Download asha.pdf")).to_be_visible()
    assert_accessible(page)

    # An executable dressed as a PDF is refused, and the PDF's text stays.
    resume.get_by_label("Resume file (PDF, DOCX or TXT)").set_input_files(
        {"name": "cv.pdf", "mimeType": "application/pdf", "buffer": EXECUTABLE}
    )
    resume.get_by_role("button", name="Replace the resume").click()
    expect(resume).to_contain_text("This is not really a PDF: its content is a program (an executable).")
    expect(page.locator("#resume-text")).to_contain_text("Senior JavaScript developer")

    # A real DOCX replaces it.
    resume.get_by_label("Resume file (PDF, DOCX or TXT)").set_input_files(
        {"name": "asha.docx", "mimeType": DOCX_TYPE, "buffer": docx_bytes("Asha Rao", "React, TypeScript, <Accessibility>")}
    )
    resume.get_by_role("button", name="Replace the resume").click()
    expect(page.locator("#resume-text")).to_have_text("Asha Rao\nReact, TypeScript, <Accessibility>")
    expect(resume.get_by_role("link", name="Download asha.docx")).to_be_visible()
    page.reload()
    expect(page.locator("#resume-text")).to_contain_text("React, TypeScript")
    assert_accessible(page)

    # Live search narrows the list as the recruiter types, without a page reload.
    page.get_by_role("link", name="Back to the candidates").click()
    rows = page.locator("#candidate-list tbody tr")
    expect(rows).to_have_count(3)
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Search candidates").fill("asha")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Asha Rao")
    assert page.evaluate("window.stillTheSamePage === true")
    assert "q=asha" in page.url
    page.get_by_label("Status").select_option("hired")
    expect(page.locator("#candidate-list")).to_contain_text("No candidates match these filters.")
    assert page.evaluate("window.stillTheSamePage === true")
    assert_accessible(page)
    assert page.console_errors == []
