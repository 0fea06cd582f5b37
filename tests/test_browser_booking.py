"""A recruiter's week in the browser: a pattern of slots, bookings until full, a refusal, reschedule, cancel."""

import re

from playwright.sync_api import expect

from tests.booking_support import make_candidate, make_job
from tests.conftest import RECRUITER_EMAIL
from tests.support import assert_accessible, browser_login


def choose_candidate(dialog, typed, option):
    """Type into the dialog's candidate typeahead and click the suggestion called `option`."""
    dialog.get_by_role("combobox", name="Candidate").press_sequentially(typed, delay=30)
    dialog.get_by_role("option", name=option).click()
    expect(dialog.get_by_role("listbox", name="Matching candidates")).to_be_hidden()


def test_recruiter_books_a_week(clock, live_server, browser_page, recruiter, app):
    job = make_job("Platform Engineer")
    for name, email in (("Ana First", "ana@example.com"), ("Ben Second", "ben@example.com"), ("Cy Third", "cy@example.com")):
        make_candidate(job, name, email)
    page = browser_page
    browser_login(page, live_server, RECRUITER_EMAIL)

    # A week of 2-seat slots from a pattern (Mon–Fri at 10:00 IST), with a live preview.
    page.goto(f"{live_server}/slots/pattern")
    page.get_by_label("Job").select_option(label="Platform Engineer · Acme")
    page.get_by_label("First day").fill("2030-01-21")
    page.get_by_label("Last day").fill("2030-01-25")
    page.get_by_label("Start times").fill("10:00")
    page.get_by_label("Capacity (candidates per slot)").fill("2")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#pattern-preview")).to_contain_text("5 slots will be created for Platform Engineer")
    page.get_by_role("button", name="Create slots").click()
    expect(page.get_by_text("Created 5 slots.")).to_be_visible()
    calendar = page.locator("#calendar")
    expect(calendar.locator("a.slot-available")).to_have_count(5)
    assert_accessible(page)

    # Month view through htmx, then back to the week.
    page.get_by_role("link", name="Month").click()
    expect(page.get_by_role("heading", name=re.compile("January 2030"))).to_be_visible()
    assert "view=month" in page.url
    page.get_by_role("link", name="Week").click()
    expect(calendar.locator("a.slot")).to_have_count(5)

    # Monday's slot: book the first candidate through the dialog.
    calendar.locator("a.slot").first.click()
    expect(page.get_by_role("heading", name=re.compile("Slot: Mon 21 Jan 2030, 10:00"))).to_be_visible()
    page.get_by_role("link", name="Book a candidate").click()
    dialog = page.locator("#booking-dialog")
    expect(dialog).to_be_visible()
    assert_accessible(page)
    # The typeahead: a few letters, the arrow key, Enter (which chooses, not submits).
    candidate = dialog.get_by_role("combobox", name="Candidate")
    candidate.press_sequentially("ana f", delay=30)
    options = dialog.get_by_role("listbox", name="Matching candidates")
    expect(options.get_by_role("option")).to_have_count(1)
    expect(candidate).to_have_attribute("aria-expanded", "true")
    candidate.press("ArrowDown")
    expect(options.get_by_role("option", name="Ana First ana@example.com")).to_have_attribute("aria-selected", "true")
    candidate.press("Enter")
    expect(candidate).to_have_value("Ana First <ana@example.com>")
    expect(options).to_be_hidden()
    assert_accessible(page)
    dialog.get_by_label("Booking notes (optional)").fill("First of the week")
    dialog.get_by_role("button", name="Book").click()
    expect(dialog.get_by_role("heading", name="Interview booked")).to_be_visible()
    link = dialog.locator("#booked-link").inner_text()
    assert link.startswith(f"{live_server}/?session_key=")
    expect(dialog).to_contain_text("SMTP not configured; the invitation waits in the outbox.")
    assert_accessible(page)
    dialog.get_by_role("button", name="Done").click()
    expect(page.get_by_text("(1/2 seats taken)")).to_be_visible()

    # A second tab opens the dialog for the third candidate while the slot still has a seat.
    stale = page.context.new_page()
    stale.goto(page.url)
    stale.get_by_role("link", name="Book a candidate").click()
    choose_candidate(stale.locator("#booking-dialog"), "Cy", "Cy Third cy@example.com")

    page.get_by_role("link", name="Book a candidate").click()
    # A name that matches nobody says so; a click on the right one chooses it.
    booking_dialog = page.locator("#booking-dialog")
    booking_dialog.get_by_role("combobox", name="Candidate").press_sequentially("zz", delay=30)
    expect(booking_dialog.get_by_role("option")).to_have_text(
        "No candidate for this job matches “zz”, or they are booked here already"
    )
    booking_dialog.get_by_role("combobox", name="Candidate").fill("")
    choose_candidate(booking_dialog, "ben@", "Ben Second ben@example.com")
    page.locator("#booking-dialog").get_by_role("button", name="Book").click()
    expect(page.locator("#booking-dialog").get_by_role("heading", name="Interview booked")).to_be_visible()
    page.locator("#booking-dialog").get_by_role("button", name="Done").click()
    expect(page.get_by_text("(2/2 seats taken)")).to_be_visible()
    expect(page.locator("#slot-panel .badge-full")).to_have_text("Full")

    # The stale tab's booking is refused with a clear message.
    stale.locator("#booking-dialog").get_by_role("button", name="Book").click()
    expect(stale.locator("#booking-error")).to_have_text("This slot is full.")
    stale.close()

    # Reschedule Ana to Tuesday: same link, new time.
    page.get_by_role("link", name="Open interview of Ana First").click()
    page.get_by_role("link", name="Reschedule").click()
    reschedule = page.locator("#reschedule-dialog")
    reschedule.get_by_label("New slot").select_option(index=1)
    reschedule.get_by_role("button", name="Reschedule").click()
    expect(page.get_by_text(re.compile("Rescheduled to Tue 22 Jan 2030, 10:00 IST"))).to_be_visible()
    expect(page.locator("#interview-link")).to_have_text(link)

    # Cancel Ben; Monday's slot has both seats free again.
    page.goto(f"{live_server}/interviews/dashboard")
    page.get_by_role("link", name="Ben Second").click()
    page.get_by_role("link", name="Cancel the interview…").click()
    confirm = page.get_by_role("dialog", name="Cancel this interview and e-mail Ben Second?")
    expect(confirm.get_by_role("button", name="Keep the interview")).to_be_focused()
    confirm.get_by_label("Reason for cancelling (optional)").fill("Withdrew")
    confirm.get_by_role("button", name="Cancel and e-mail the candidate").click()
    expect(page.get_by_text("Interview cancelled; the seat is free again and the candidate is told.")).to_be_visible()
    page.goto(f"{live_server}/slots/?date=2030-01-21")
    calendar.locator("a.slot").first.click()
    expect(page.get_by_text("(0/2 seats taken)")).to_be_visible()
    expect(page.get_by_role("link", name="Book a candidate")).to_be_visible()
    assert page.console_errors == []

    # The link from the confirmation opens (the portal's state page belongs to the portal).
    response = page.goto(link)
    assert response.status != 404
