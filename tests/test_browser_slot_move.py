"""A recruiter moves a booked slot in the browser: the confirmation step, its focus, the move."""

import re
from datetime import UTC, datetime

from playwright.sync_api import expect

from services import booking
from tests.booking_support import make_candidate, make_job, make_slot
from tests.conftest import RECRUITER_EMAIL
from tests.support import assert_accessible, browser_login


def test_recruiter_moves_a_booked_slot(clock, live_server, browser_page, recruiter, app):
    job = make_job()
    slot = make_slot(job, datetime(2030, 1, 16, 9, 0, tzinfo=UTC), capacity=3)  # Wed 16 Jan, 14:30 IST
    for name in ("Asha Rao", "Ravi Kumar"):
        booking.book_interview(make_candidate(job, name), slot)
    page = browser_page
    browser_login(page, live_server, RECRUITER_EMAIL)

    page.goto(f"{live_server}/slots/{slot.id}/")
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_text("Changing the date or times moves the 2 booked interviews too")).to_be_visible()
    page.get_by_label("Date", exact=True).fill("2030-01-21")
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End time").fill("10:30")
    page.get_by_role("button", name="Save").click()

    question = page.get_by_role("alertdialog", name="Move 2 interviews to Mon 21 Jan 10:00 IST and e-mail 2 candidates?")
    expect(question).to_be_visible()
    expect(question.get_by_role("link", name="Keep the current time")).to_be_focused()
    assert_accessible(page)
    question.get_by_role("button", name="Move and e-mail").click()

    expect(page.get_by_text("Slot updated: Mon 21 Jan 2030, 10:00 IST; 2 candidates e-mailed the new time.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Slot: Mon 21 Jan 2030, 10:00"))).to_be_visible()
    expect(page.get_by_text("(2/3 seats taken)")).to_be_visible()
    assert page.console_errors == []
