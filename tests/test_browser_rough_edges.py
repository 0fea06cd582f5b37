"""Rough edges in Chromium: countdown wording, question timer warnings, the empty-answer
confirmation, and an expired sign-in during an htmx submit."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from models import InterviewSession, db
from services import timeutil
from services.interviewer import session_flow
from tests.conftest import PASSWORD, RECRUITER_EMAIL
from tests.portal_support import book_session
from tests.support import browser_login


def portal_url(live_server, session):
    return f"{live_server}/?session_key={session.session_key}"


def test_countdown_says_days_and_hours_far_away_and_counts_seconds_near(clock, app, live_server, browser_page):
    session = book_session(minutes_ahead=5 * 24 * 60 + 61)  # 5 days, 1 h and a minute (opens 30 s early)
    page = browser_page
    page.goto(portal_url(live_server, session))
    expect(page.locator("[data-countdown-value]")).to_have_text("5 days, 1 h")
    expect(page.locator("[data-countdown-announce]")).to_have_text("The interview opens in 5 days, 1 h.")

    clock.set(session.scheduled_at - timedelta(hours=3, minutes=12, seconds=50))
    page.reload()
    expect(page.locator("[data-countdown-value]")).to_have_text(re.compile(r"^3 h 12 min$"))

    clock.set(session.scheduled_at - timedelta(minutes=4, seconds=45))
    page.reload()
    expect(page.locator("[data-countdown-value]")).to_have_text(re.compile(r"^4:1[0-9]$"))
    assert page.console_errors == []


def start_first_question(clock, live_server, page):
    """A started interview's first question on the page; returns its session."""
    session = book_session(minutes_ahead=3)
    clock.set(session.scheduled_at)
    page.goto(portal_url(live_server, session))
    page.get_by_role("button", name="Start the interview").click()
    expect(page.locator(".progress")).to_contain_text("Question 1 of")
    return session


def seconds_left(session):
    """What the server gives the shown question at the frozen clock."""
    db.session.expire_all()
    return session_flow.question_view(db.session.get(InterviewSession, session.id), timeutil.now())["seconds_left"]


def test_question_timer_warns_at_60_and_10_seconds(clock, app, live_server, browser_page):
    page = browser_page
    session = start_first_question(clock, live_server, page)
    timer, announce = page.locator(".timer"), page.locator("[data-timer-announce]")
    expect(timer).not_to_have_class(re.compile("timer-warning"))

    clock.advance(timedelta(seconds=seconds_left(session) - 55))
    page.reload()
    expect(timer).to_have_class(re.compile(r"\btimer-warning\b"))
    expect(announce).to_have_text("1 minute left for this question.")
    expect(announce).to_have_attribute("aria-live", "polite")

    clock.advance(timedelta(seconds=seconds_left(session) - 8))
    page.reload()
    expect(timer).to_have_class(re.compile(r"\btimer-urgent\b"))
    expect(announce).to_have_text("10 seconds left for this question. Your answer is submitted when the time is up.")
    assert page.console_errors == []


def test_an_empty_answer_asks_first(clock, app, live_server, browser_page):
    page = browser_page
    start_first_question(clock, live_server, page)
    page.get_by_role("button", name="Submit answer").click()
    dialog = page.get_by_role("dialog", name="Submit an empty answer?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Keep answering")).to_be_focused()
    dialog.get_by_role("button", name="Keep answering").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".progress")).to_contain_text("Question 1 of")

    page.get_by_role("button", name="Submit answer").click()
    dialog.get_by_role("button", name="Submit an empty answer").click()
    expect(page.locator(".progress")).to_contain_text("Question 2 of")

    page.get_by_label("Your answer").fill("Something.")  # typed: no question asked
    page.get_by_role("button", name=re.compile("^Submit")).click()
    expect(page.locator(".progress")).to_contain_text("Question 3 of")
    assert page.console_errors == []


def test_expired_sign_in_during_an_htmx_submit_keeps_what_was_typed(app, live_server, browser_page, recruiter):
    page = browser_page
    browser_login(page, live_server, RECRUITER_EMAIL)
    page.goto(f"{live_server}/candidates/new")
    page.get_by_label("Full name").fill("Kept Kumar")
    page.get_by_label("E-mail").fill("kept@example.com")
    page.context.clear_cookies()  # the session is gone (expired, or cookies cleared)
    page.get_by_role("button", name="Add candidate").click()

    dialog = page.get_by_role("dialog", name="Your session ended — sign in again")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("Full name")).to_have_value("Kept Kumar")  # nothing swapped away
    dialog.get_by_role("link", name="Sign in again").click()

    page.get_by_label("Email").fill(RECRUITER_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/candidates/new")
    expect(page.get_by_text("We filled in what you typed")).to_be_visible()
    expect(page.get_by_label("Full name")).to_have_value("Kept Kumar")
    expect(page.get_by_label("E-mail")).to_have_value("kept@example.com")
    # htmx logs the 401 it was meant to get; nothing else went wrong.
    assert page.console_errors == []  # the 401 is an expected answer (base.html's responseHandling), not an error


def test_cancelling_a_slot_asks_in_a_dialog_with_the_safe_choice_focused(clock, app, live_server, browser_page, recruiter):
    from services import booking
    from tests.booking_support import make_candidate, make_job, make_slot

    job = make_job()
    slot = make_slot(job, timeutil.now() + timedelta(days=2), capacity=2)
    for name in ("Asha Rao", "Ben Second"):
        booking.book_interview(make_candidate(job, name), slot)
    page = browser_page
    browser_login(page, live_server, RECRUITER_EMAIL)
    page.goto(f"{live_server}/slots/{slot.id}/")
    page.get_by_role("link", name="Cancel this slot…").click()
    dialog = page.get_by_role("dialog", name="Cancel this slot, its 2 interviews, and e-mail 2 candidates?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Keep the slot")).to_be_focused()
    dialog.get_by_role("button", name="Keep the slot").click()
    expect(dialog).to_be_hidden()
    assert page.url == f"{live_server}/slots/{slot.id}/"  # the link's confirm page was not opened

    page.get_by_role("link", name="Cancel this slot…").click()
    dialog.get_by_role("button", name="Cancel and e-mail 2 candidates").click()
    expect(page.get_by_text("Slot cancelled; 2 booked interview(s) cancelled and the candidates told.")).to_be_visible()
    assert page.console_errors == []
