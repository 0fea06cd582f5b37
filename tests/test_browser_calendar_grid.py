"""The week's time grid in Chromium: blocks as tall as their slots, side by side when they overlap,
the now-line on today, the agenda on a phone, and a click on empty time opening a prefilled form."""

from datetime import UTC, datetime

from playwright.sync_api import expect

from services import timeutil
from tests.booking_support import make_job, make_slot
from tests.conftest import RECRUITER_EMAIL
from tests.support import assert_accessible, browser_login

IST = timeutil.zone("Asia/Kolkata")


def ist(day, hour, minute=0):
    return datetime(2030, 1, day, hour, minute, tzinfo=IST).astimezone(UTC)


def box(locator):
    return locator.bounding_box()


def test_week_grid_places_slots_and_opens_a_prefilled_form(clock, live_server, browser_page, recruiter, app):
    job, other = make_job("Platform Engineer"), make_job("Designer")
    make_slot(job, ist(16, 9), minutes=60)
    make_slot(other, ist(16, 9, 30))
    make_slot(job, ist(16, 14))
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    browser_login(page, live_server, RECRUITER_EMAIL)
    page.goto(f"{live_server}/slots/?date=2030-01-16")

    hour, half, later = (box(page.locator("a.slot", has_text=text)) for text in ("09:00–10:00", "09:30–10:00", "14:00–14:30"))
    assert abs(hour["height"] - 2 * later["height"]) <= 3  # an hour is twice a half hour (less the gaps)
    assert half["x"] > hour["x"] + hour["width"] / 2 and abs(half["width"] - hour["width"]) <= 2  # side by side
    assert abs((half["y"] - hour["y"]) - later["height"]) <= 3  # 09:30 sits half an hour lower
    now_line = box(page.locator(".now-line"))
    tuesday = box(page.locator("section.today"))
    assert tuesday["x"] <= now_line["x"] < tuesday["x"] + tuesday["width"]
    expect(page.locator(".job-legend")).to_contain_text("Designer")
    assert_accessible(page)

    page.get_by_role("link", name="New slot on Thursday 17 Jan at 11:00").click()
    expect(page.get_by_role("heading", name="New slot")).to_be_visible()
    expect(page.get_by_label("Date", exact=True)).to_have_value("2030-01-17")
    expect(page.get_by_label("Start time", exact=True)).to_have_value("11:00")
    expect(page.get_by_label("End time", exact=True)).to_have_value("11:30")
    page.get_by_label("Job").select_option(label="Platform Engineer · Acme")
    page.get_by_role("button", name="Create slot").click()
    expect(page.get_by_text("Slot created for Thu 17 Jan 2030, 11:00 IST.")).to_be_visible()

    # A phone keeps the agenda: days with slots as blocks, no hour grid, no empty-time links.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/slots/?date=2030-01-16")
    expect(page.locator(".hour-labels")).to_be_hidden()
    expect(page.locator("a.new-at").first).to_be_hidden()
    expect(page.get_by_role("heading", name="Wednesday 16 Jan")).to_be_visible()
    expect(page.get_by_role("heading", name="Monday 14 Jan")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
