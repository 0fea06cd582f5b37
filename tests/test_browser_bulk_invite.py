"""In the browser: a recruiter ticks candidates in the list, picks the job, confirms in the dialog
("Invite 2 candidates and e-mail them?") and reads the summary; then everyone matching a search,
without JavaScript the same question as a page. axe-core on the list and the dialog."""

from playwright.sync_api import expect
from sqlalchemy import func, select

from models import OutboxEmail, db
from tests.booking_support import make_candidate, make_job
from tests.conftest import RECRUITER_EMAIL
from tests.support import assert_accessible, browser_login


def invitation_emails():
    return db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.kind == "scheduling_invitation"))


def test_bulk_invitations_from_the_candidate_list(live_server, browser_page, recruiter, app):
    job = make_job("Data Scientist")
    for name in ("Asha Rao", "Ben Rao", "Cy Third", "Dev Rao"):
        make_candidate(job, name)
    page = browser_page
    browser_login(page, live_server, RECRUITER_EMAIL)
    page.goto(f"{live_server}/candidates/")
    page.get_by_label("Select Asha Rao").check()
    page.get_by_label("Select Ben Rao").check()
    page.get_by_label("Job to invite to").select_option(label="Data Scientist · Acme")
    assert_accessible(page)
    page.get_by_role("button", name="Invite…").click()

    dialog = page.get_by_role("dialog", name="Invite 2 candidates and e-mail them?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Not now")).to_be_focused()  # the safe choice
    assert_accessible(page)
    dialog.get_by_role("button", name="Not now").click()
    expect(dialog).to_be_hidden()
    assert invitation_emails() == 0
    page.get_by_role("button", name="Invite…").click()
    page.get_by_role("dialog").get_by_role("button", name="Invite and e-mail").click()
    expect(page.get_by_text("Invited 2 candidates to pick a time.")).to_be_visible()
    assert invitation_emails() == 2

    # Everyone matching a search: the two already invited are skipped, with the reason.
    page.get_by_label("Search candidates").fill("rao")
    expect(page.locator("#candidate-list")).to_contain_text("3 candidates matching “rao”")
    page.get_by_label("Select everyone on this page").check()  # the box shows in swapped-in lists too
    expect(page.get_by_label("Select Dev Rao")).to_be_checked()
    page.get_by_label("Select everyone on this page").uncheck()
    expect(page.get_by_label("Select Asha Rao")).not_to_be_checked()
    page.get_by_label("Everyone matching these filters (3)").check()
    page.get_by_label("Job to invite to").select_option(label="Data Scientist · Acme")
    page.get_by_role("button", name="Invite…").click()
    page.get_by_role("dialog", name="Invite 3 candidates and e-mail them?").get_by_role(
        "button", name="Invite and e-mail"
    ).click()
    expect(page.get_by_text("Invited 1 candidate to pick a time.")).to_be_visible()
    expect(page.get_by_text("Skipped 2: 2 already invited, link not used yet.")).to_be_visible()
    assert invitation_emails() == 3
    assert page.console_errors == []


def test_without_javascript_the_question_is_a_page(live_server, browser, recruiter, app):
    job = make_job("Data Scientist")
    make_candidate(job, "Asha Rao")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    browser_login(page, live_server, RECRUITER_EMAIL)
    page.goto(f"{live_server}/candidates/")
    expect(page.get_by_label("Select everyone on this page")).to_be_hidden()  # it needs JavaScript
    page.get_by_label("Select Asha Rao").check()
    page.get_by_label("Job to invite to").select_option(label="Data Scientist · Acme")
    page.get_by_role("button", name="Invite…").click()
    expect(page.get_by_role("heading", name="Invite 1 candidate and e-mail them?")).to_be_visible()
    page.get_by_role("button", name="Invite and e-mail").click()
    expect(page.get_by_text("Invited 1 candidate to pick a time.")).to_be_visible()
    assert invitation_emails() == 1
    context.close()
