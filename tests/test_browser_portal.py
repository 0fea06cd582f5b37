"""The candidate's portal in Chromium, with the server's clock moved by the test instead of sleeping."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from models import InterviewSession, db
from services.interviewer import audio as recordings
from tests.conftest import RECRUITER_EMAIL
from tests.portal_support import book_session
from tests.support import assert_accessible, browser_login


def portal_url(live_server, session):
    return f"{live_server}/?session_key={session.session_key}"


def test_countdown_flips_to_the_interview_without_a_reload(clock, app, live_server, browser_page):
    app.config["PORTAL_RESYNC_SECONDS"] = 1
    session = book_session(minutes_ahead=2)
    page = browser_page
    page.goto(portal_url(live_server, session))
    main = page.locator("main")
    expect(main).to_have_attribute("data-portal-state", "countdown")
    expect(page.get_by_role("heading", name="Your interview for Backend Engineer at Acme")).to_be_visible()
    expect(page.get_by_text("Tuesday 15 January 2030, 10:02 IST")).to_be_visible()
    expect(page.locator("[data-local-time]")).to_contain_text("your browser's time zone")
    expect(page.locator("[data-countdown-value]")).to_have_text(re.compile(r"^1:[0-9]{2}$"))
    expect(page.locator("[data-countdown-announce]")).to_have_text("The interview opens in about 2 minutes.")
    expect(page.locator('[data-check="storage"] .check-result')).to_have_text("OK")
    assert_accessible(page)
    page.evaluate("window.__same_page = true")

    clock.advance(timedelta(minutes=1, seconds=31))  # the window opens 30 s early
    expect(main).to_have_attribute("data-portal-state", "interview", timeout=8000)
    expect(page.get_by_role("button", name="Start the interview")).to_be_visible()
    assert page.evaluate("window.__same_page") is True  # no reload happened
    assert_accessible(page)
    assert page.console_errors == []


def test_a_session_11_minutes_late_shows_expired(clock, app, live_server, browser_page):
    session = book_session(minutes_ahead=5)
    clock.set(session.scheduled_at + timedelta(minutes=11))
    page = browser_page
    page.goto(portal_url(live_server, session))
    expect(page.locator("main")).to_have_attribute("data-portal-state", "expired")
    expect(page.get_by_role("heading", name="This interview link has expired")).to_be_visible()
    assert_accessible(page)
    db.session.expire_all()
    assert db.session.get(InterviewSession, session.id).status == "expired"


def test_full_interview_with_a_reload_then_the_review(clock, app, live_server, browser_page, recruiter):
    session = book_session(minutes_ahead=3, actor=recruiter)
    clock.set(session.scheduled_at)
    page = browser_page
    page.goto(portal_url(live_server, session))
    expect(page.locator("main")).to_have_attribute("data-portal-state", "interview")
    page.get_by_role("button", name="Start the interview").click()
    progress = page.locator(".progress")
    expect(progress).to_contain_text("Question 1 of")
    total = int(re.search(r"of (\d+)", progress.inner_text()).group(1))
    assert_accessible(page)

    answers = {}
    reloaded = coded = False
    for number in range(1, total + 1):
        expect(progress).to_contain_text(f"Question {number} of {total}")
        clock.advance(timedelta(seconds=20))
        if page.locator("[data-code-editor]").count():
            editor = page.get_by_label("Your Python code")
            editor.click()
            page.keyboard.press("Control+End")
            page.keyboard.type("\n# my solution\nresult = [1, 2]")
            page.keyboard.press("Tab")
            expect(page.locator("[data-code-view] .token.comment")).to_have_text("# my solution")
            assert "result = [1, 2]    " in editor.input_value()
            assert_accessible(page)
            text = "Used a dict for O(1) lookups."
            page.get_by_label("Notes on your approach (optional)").fill(text)
            coded = True
        else:
            text = f"My answer number {number} <b>bold?</b>"
            page.get_by_label("Your answer").fill(text)
        if number == 3 and not reloaded:
            # A reload mid-question: same question, the typed draft is still there.
            page.reload()
            expect(progress).to_contain_text(f"Question 3 of {total}")
            expect(page.get_by_label("Your answer")).to_have_value(text)
            reloaded = True
        answers[number] = text
        button = "Submit and finish" if number == total else "Submit answer"
        page.get_by_role("button", name=button).click()
    expect(page.locator("main")).to_have_attribute("data-portal-state", "completed")
    expect(page.get_by_role("heading", name="Thank you, your interview is complete")).to_be_visible()
    assert_accessible(page)
    assert reloaded and coded
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('interview-draft:')).length") == 0
    assert page.console_errors == []

    # The recruiter reads every answer on the review page.
    staff = page.context.browser.new_context().new_page()
    browser_login(staff, live_server, RECRUITER_EMAIL)
    staff.goto(f"{live_server}/interviews/{session.interview_id}")
    staff.get_by_role("link", name="Review the answers").click()
    expect(staff.get_by_role("heading", name="Review: Asha Rao")).to_be_visible()
    for text in answers.values():
        expect(staff.locator(".answer-text", has_text=text)).to_have_count(1)
    expect(staff.locator("pre.review-code .token.comment")).to_have_text("# my solution")
    assert_accessible(staff)
    staff.get_by_label("Decision", exact=True).select_option("advance")
    staff.get_by_label("Recruiter notes").fill("Solid.")
    staff.get_by_role("button", name="Save decision").click()
    expect(staff.get_by_text("Decision saved; the candidate's status is updated.")).to_be_visible()


def test_typing_into_a_question_before_its_swap_settles_is_kept(clock, app, live_server, browser_page):
    session = book_session(minutes_ahead=3)
    clock.set(session.scheduled_at)
    page = browser_page
    page.goto(portal_url(live_server, session))
    page.get_by_role("button", name="Start the interview").click()
    progress = page.locator(".progress")
    expect(progress).to_contain_text("Question 1 of")
    # Widen htmx's settle delay (20 ms by default) so the next question is on the page, and typed
    # into, well before htmx:load runs the page's setup for it.
    page.evaluate("htmx.config.defaultSettleDelay = 3000")
    page.get_by_label("Your answer").fill("First.")
    page.get_by_role("button", name="Submit answer").click()
    expect(progress).to_contain_text("Question 2 of")
    page.get_by_label("Your answer").fill("Typed at once.")
    page.reload()
    expect(progress).to_contain_text("Question 2 of")
    expect(page.get_by_label("Your answer")).to_have_value("Typed at once.")


def test_second_tab_takes_over(clock, app, live_server, browser_page):
    app.config["PORTAL_HEARTBEAT_SECONDS"] = 1
    session = book_session(minutes_ahead=3)
    clock.set(session.scheduled_at)
    first = browser_page
    first.goto(portal_url(live_server, session))
    first.get_by_role("button", name="Start the interview").click()
    expect(first.locator(".progress")).to_contain_text("Question 1 of")
    second = first.context.new_page()
    second.goto(portal_url(live_server, session))
    expect(second.locator(".progress")).to_contain_text("Question 1 of")
    expect(first.get_by_role("heading", name="Your interview is open in another tab")).to_be_visible(timeout=8000)
    first.get_by_role("button", name="Continue in this tab").click()
    expect(first.locator(".progress")).to_contain_text("Question 1 of")


def test_voice_answer_recorded_in_the_browser_and_played_in_the_review(clock, app, live_server, browser_page, recruiter):
    """Chromium's fake microphone feeds MediaRecorder: a real WebM recording is uploaded and played back."""
    session = book_session(minutes_ahead=3, actor=recruiter)
    clock.set(session.scheduled_at)
    page = browser_page
    page.goto(portal_url(live_server, session))
    page.get_by_label("I agree that voice answers I choose to record are stored").check()
    page.get_by_role("button", name="Start the interview").click()
    expect(page.locator(".progress")).to_contain_text("Question 1 of")
    question_text = page.locator(".question-text").inner_text()

    # Read aloud: the question's text goes to the browser's speech synthesis in en-IN. The page's
    # speak() is observed (and still called), since a headless browser has no speaker to listen to.
    page.evaluate("""() => {
        window.spoken = [];
        const speak = speechSynthesis.speak.bind(speechSynthesis);
        speechSynthesis.speak = (utterance) => { window.spoken.push([utterance.text, utterance.lang]); speak(utterance); };
    }""")
    page.get_by_role("button", name="Read the question aloud").click()
    assert page.evaluate("window.spoken") == [[question_text, "en-IN"]]

    page.get_by_role("button", name="Record a voice answer").click()
    expect(page.locator("[data-record-status]")).to_have_text("Recording…")
    page.wait_for_timeout(1500)  # a recording needs real time: the browser's clock, not the server's
    page.get_by_role("button", name="Stop recording").click()
    expect(page.locator("[data-record-status]")).to_have_text("Recording ready; it is sent with your answer.")
    expect(page.locator("[data-record-preview]")).to_be_visible()
    page.get_by_role("button", name="Submit answer").click()
    expect(page.locator(".progress")).to_contain_text("Question 2 of")
    assert page.console_errors == []

    db.session.expire_all()
    answer = db.session.get(InterviewSession, session.id).questions[0].answer
    assert answer.audio_content_type == "audio/webm" and answer.text == ""
    recording = (recordings.audio_folder() / answer.audio_stored_name).read_bytes()
    assert recording.startswith(b"\x1aE\xdf\xa3") and len(recording) > 2000

    # The recruiter's review plays it: the browser decodes the stored file.
    staff = page.context.browser.new_context().new_page()
    browser_login(staff, live_server, RECRUITER_EMAIL)
    staff.goto(f"{live_server}/interviews/{session.interview_id}/review")
    player = staff.get_by_label("Voice answer to question 1")
    loaded = player.evaluate("""(audio) => new Promise((resolve) => {
        audio.addEventListener("loadedmetadata", () => resolve("loaded"));
        audio.addEventListener("error", () => resolve(`error ${audio.error && audio.error.code}`));
        audio.preload = "metadata";
        audio.load();
    })""")
    assert loaded == "loaded"
    served = staff.request.get(live_server + player.get_attribute("src"))
    assert served.headers["content-type"] == "audio/webm" and served.body() == recording
