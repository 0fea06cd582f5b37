"""A candidate schedules themselves on a 390 px phone: the e-mailed link, a zone switch, a time,
the confirmation, the portal link; later a reschedule and a cancel from the manage link. A second
candidate joins the waitlist and is e-mailed when that seat frees. axe-core on every page."""

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from models import OutboxEmail, db
from services import booking, scheduling
from tests.booking_support import make_candidate, make_job, make_slot
from tests.support import assert_accessible

TOMORROW = datetime(2030, 1, 16, 4, 30, tzinfo=UTC)  # 10:00 IST; the pinned clock is a day earlier
PHONE = {"width": 390, "height": 844}


def emailed_link(to_email, kind):
    """The scheduling link in the newest e-mail of `kind` to `to_email`, read from the outbox."""
    body = db.session.scalars(
        select(OutboxEmail.body_text)
        .where(OutboxEmail.to_email == to_email, OutboxEmail.kind == kind)
        .order_by(OutboxEmail.created_at.desc())
    ).first()
    return re.search(r"http://\S+/schedule/[A-Za-z0-9_-]+", body).group(0)


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_a_candidate_books_moves_and_cancels_and_the_waitlist_is_told(clock, live_server, browser_page, recruiter, app):
    job = make_job("Data Scientist")
    first = make_slot(job, TOMORROW)
    second = make_slot(job, TOMORROW + timedelta(days=1, hours=2))  # Thursday 12:00 IST
    asha, ben, cy = (make_candidate(job, name) for name in ("Asha Rao", "Ben Okafor", "Cy Third"))
    scheduling.invite(asha, actor=recruiter)
    page = browser_page
    page.set_viewport_size(PHONE)

    # The link from the e-mail; the times in New York, with IST beside them.
    page.goto(emailed_link("asha@example.com", "scheduling_invitation"))
    expect(page.get_by_role("heading", name="Data Scientist")).to_be_visible()
    page.wait_for_load_state("networkidle")  # schedule.js may first switch to this browser's zone
    page.get_by_label("Times shown in").select_option("America/New_York")
    expect(page.locator(".time-button").first).to_contain_text("23:30")  # 10:00 IST is 23:30 the evening before
    expect(page.locator(".time-button").first).to_contain_text("10:00 IST")
    assert "tz=America%2FNew_York" in page.url or "tz=America/New_York" in page.url
    fits_the_phone(page)
    assert_accessible(page)

    # Pick, confirm, booked: the portal link and the calendar file.
    page.locator(".time-button").first.click()
    expect(page.get_by_role("heading", name="Confirm your time")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm this time").click()
    expect(page.get_by_role("heading", name="You're booked")).to_be_visible()
    expect(page.get_by_role("link", name="Open your interview page")).to_have_attribute("href", re.compile(r"session_key="))
    expect(page.get_by_role("link", name="Add to calendar (.ics)")).to_be_visible()
    fits_the_phone(page)
    assert_accessible(page)
    manage_url = page.url.split("?")[0]

    # Later: move it to Thursday from the manage link.
    page.goto(manage_url)
    page.get_by_role("link", name="Reschedule").click()
    expect(page.get_by_role("heading", name="Pick a new time")).to_be_visible()
    assert_accessible(page)
    expect(page.locator(".day-button")).to_have_count(1)  # Wednesday's only seat is the one being moved
    expect(page.get_by_role("heading", name=re.compile("Thursday 17 January"))).to_be_visible()
    page.locator(".time-button").first.click()
    page.get_by_role("button", name="Move my interview to this time").click()
    expect(page.get_by_role("heading", name="Your interview has moved")).to_be_visible()
    expect(page.locator("[data-booking]")).to_contain_text("Thursday 17 January 2030")

    # Every seat taken: a second candidate finds no time and joins the waitlist.
    booking.book_interview(cy, first)
    scheduling.invite(ben, actor=recruiter)
    page.goto(emailed_link("ben@example.com", "scheduling_invitation"))
    expect(page.get_by_text("There are no open times right now.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_text("You are on the waitlist.")).to_be_visible()

    # The first candidate cancels, with a reason; the seat frees and the waitlist is e-mailed.
    page.goto(manage_url)
    page.get_by_role("link", name="Cancel the interview").click()
    expect(page.get_by_role("heading", name="Cancel your interview?")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Reason (optional)").fill("I took another offer")
    page.get_by_role("button", name="Cancel the interview").click()
    expect(page.get_by_role("heading", name="You cancelled your interview")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(type(second), second.id).current_bookings == 0

    page.goto(emailed_link("ben@example.com", "waitlist_opening"))
    page.wait_for_load_state("networkidle")
    expect(page.locator(".time-button")).to_have_count(1)
    page.locator(".time-button").first.click()
    page.get_by_role("button", name="Confirm this time").click()
    expect(page.get_by_role("heading", name="You're booked")).to_be_visible()
    assert page.console_errors == []
