"""Seeded demo data and the list of every page, shared by `make screenshots` and the layout test.

`seed()` builds on `flask init-demo` (an admin, a job, a week of slots) and adds what shows the
pages at their worst: an 80-character job title at a 200-character company, long candidate
names, a booked interview, a taken and reviewed one, a session whose window is open. The clock
is pinned (services.timeutil.set_now) so every run renders the same pages.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import Candidate, Domain, InterviewSession, InterviewSlot, Job, Resume, User, db
from services import booking, review, scheduling, timeutil
from services.interviewer import session_flow

PINNED_NOW = datetime(2030, 1, 15, 4, 30, tzinfo=UTC)  # 10:00 IST on a Tuesday
LONG_TITLE = "Principal Machine Learning Platform Engineer, Real-Time Fraud Detection Services"  # 80 characters
LONG_COMPANY = (
    "Very Long Name International Holdings Private Limited, Consolidated Subsidiaries for Financial "
    "Technology, Risk Analytics, Payments Infrastructure and Customer Experience Across All South Asia Pvt Ltd"
)  # 200 characters
LONG_PERSON = "Maximiliana Alexandrovna Bartholomew-Featherstonehaugh de la Cruz-Villanueva Okonkwo"[:80]
RESUME = "Backend developer, 6 years of Python, Flask and PostgreSQL; machine learning with scikit-learn; Docker on AWS."
CLIENT_ID = "demo-screenshot-tab-01"


@dataclass
class Demo:
    """What seed() made: the admin's password and the ids the page list needs."""

    password: str
    ids: dict = field(default_factory=dict)


@dataclass
class Page:
    """A page to visit: a name for its screenshot, its URL, and optional steps in the browser.

    `clock` moves the server's clock before the visit (portal windows); `action(page)` runs after
    loading (opening a dialog, starting an interview); `anonymous` pages are visited signed out;
    `status` is the HTTP status the page answers with (error pages are pages too).
    """

    name: str
    path: str
    clock: datetime | None = None
    action: object = None
    anonymous: bool = False
    status: int = 200


def _resume(name):
    return Resume(
        original_filename=f"{name.split()[0].lower()}-cv.txt",
        stored_name=f"demo-{name.split()[0].lower()}.txt",
        content_type="text/plain",
        size_bytes=len(RESUME),
        sha256="0" * 64,
        parsed_text=RESUME,
    )


def _slot(job, start_at, kind="technical", capacity=2):
    slot = InterviewSlot(
        job=job,
        start_at=start_at,
        end_at=start_at + timedelta(minutes=job.duration_minutes),
        ai_interview_type=kind,
        max_candidates=capacity,
    )
    db.session.add(slot)
    return slot


def _take(session, at):
    """Answer every question of `session` at `at` (the clock pinned there meanwhile)."""
    timeutil.set_now(at)
    session_flow.start_interview(session, at, client_id=CLIENT_ID)
    for question in list(session.questions):
        at += timedelta(seconds=75)
        timeutil.set_now(at)
        code = (
            "def median(values):\n    ordered = sorted(values)\n    return ordered[len(ordered) // 2]\n"
            if question.kind == "coding"
            else ""
        )
        session_flow.submit_answer(
            session,
            question_id=question.id,
            text=f"My approach to question {question.position + 1}: "
            "start from the data, measure, then pick the simplest model that works.",
            code=code,
            client_id=CLIENT_ID,
            now=at,
        )


def seed(app):
    """Fill the app's (empty) database with the demo; returns a Demo. Leaves the clock pinned."""
    timeutil.set_now(PINNED_NOW)
    output = app.test_cli_runner().invoke(args=["init-demo"]).output
    password = next(line for line in output.splitlines() if line.startswith("Password: ")).split(": ", 1)[1]
    admin = db.session.scalar(select(User))
    demo_job = db.session.scalar(select(Job))
    tz = timeutil.zone()
    today = timeutil.to_zone(PINNED_NOW, tz).date()

    long_job = Job(
        job_title=LONG_TITLE,
        company_name=LONG_COMPANY,
        coding_language="CSHARP",
        duration_minutes=45,
        domain=Domain(name="Financial technology and payments"),
        job_description="Design streaming feature pipelines in C# and SQL; ship models behind low-latency APIs.\n" * 6,
    )
    db.session.add(long_job)
    people = [
        Candidate(
            full_name="Asha Rao",
            email="asha.rao@example.com",
            phone="+91 98765 43210",
            job=demo_job,
            resume=_resume("Asha Rao"),
            work_experience=6,
        ),
        Candidate(full_name="Ben Okafor", email="ben.okafor@example.com", job=demo_job, status="interviewed"),
        Candidate(full_name="Chen Wei", email="chen.wei@example.com", job=demo_job, status="hired"),
        Candidate(full_name="Dana Iyer", email="dana.iyer@example.com", job=demo_job, resume=_resume("Dana Iyer")),
        Candidate(full_name="Farah Khan", email="farah.khan@example.com", job=demo_job, resume=_resume("Farah Khan")),
        Candidate(
            full_name=LONG_PERSON,
            email="maximiliana.alexandrovna.bartholomew-featherstonehaugh@example-very-long-domain.co.in",
            job=long_job,
            status="rejected",
            phone="+44 20 7946 0958",
        ),
    ]
    db.session.add_all(people)
    for offset, hour in ((1, 9), (2, 11), (3, 15)):
        _slot(
            long_job,
            timeutil.combine_local(today + timedelta(days=offset), datetime.min.time().replace(hour=hour), tz),
            kind="coding",
        )
    db.session.commit()

    demo_slots = list(
        db.session.scalars(select(InterviewSlot).where(InterviewSlot.job_id == demo_job.id).order_by(InterviewSlot.start_at))
    )
    booked = booking.book_interview(
        people[0], demo_slots[0], actor=admin, notes="Prefers mornings; send the calendar invite to her work address."
    )
    long_slot = db.session.scalar(
        select(InterviewSlot).where(InterviewSlot.job_id == long_job.id).order_by(InterviewSlot.start_at)
    )
    booking.book_interview(people[5], long_slot, actor=admin)

    # A taken and reviewed interview, two days ago.
    past_start = PINNED_NOW - timedelta(days=2)
    timeutil.set_now(past_start - timedelta(hours=1))
    past_slot = _slot(demo_job, past_start)
    db.session.commit()
    taken = booking.book_interview(people[3], past_slot, actor=admin)
    _take(db.session.get(InterviewSession, taken.session.id), past_start)
    timeutil.set_now(PINNED_NOW)
    db.session.refresh(taken)
    review.record_decision(taken, "advance", "Clear reasoning on the modelling question; solid Python.", admin)

    # A session whose window the page list opens (the portal's start and question pages).
    open_slot = _slot(demo_job, PINNED_NOW + timedelta(hours=3), capacity=1)
    db.session.commit()
    opening = booking.book_interview(people[4], open_slot, actor=admin)
    db.session.commit()
    links = _scheduling_links(admin, demo_job, people[0])
    return Demo(
        password,
        {
            **links,
            "job": demo_job.id,
            "long_job": long_job.id,
            "candidate": people[0].id,
            "long_candidate": people[5].id,
            "free_candidate": people[1].id,
            "slot": demo_slots[0].id,
            "free_slot": demo_slots[3].id,
            "long_slot": long_slot.id,
            "interview": booked.id,
            "taken": taken.id,
            "today": today.isoformat(),
            "countdown_key": booked.session.session_key,
            "open_key": opening.session.session_key,
            "open_at": opening.session.scheduled_at,
        },
    )


def _token(link):
    return link.rsplit("/", 1)[1]


def _scheduling_links(admin, demo_job, booked_candidate):
    """Scheduling links: one to pick from, one booked from its link, one with nothing to pick (the
    waitlist), and one for a candidate a recruiter booked (the candidate page lists it)."""
    picker = Candidate(full_name="Gita Menon", email="gita.menon@example.com", job=demo_job)
    self_booker = Candidate(full_name="Hari Prasad", email="hari.prasad@example.com", job=demo_job)
    quiet_job = Job(job_title="Data Engineer", company_name="Acme Analytics", duration_minutes=45)
    waiter = Candidate(full_name="Ira Das", email="ira.das@example.com", job=quiet_job)
    db.session.add_all([picker, self_booker, quiet_job, waiter])
    db.session.commit()
    pick_invitation, pick_link = scheduling.invite(picker, actor=admin)
    booked_invitation, booked_link = scheduling.invite(self_booker, actor=admin)
    first_open = scheduling.offered_days(demo_job, timeutil.zone(), timeutil.now())[0].slots[0]
    scheduling.book(booked_invitation, str(first_open.id))
    _, waitlist_link = scheduling.invite(waiter, actor=admin)
    scheduling.invite(booked_candidate, actor=admin)
    offered = scheduling.offered_days(demo_job, timeutil.zone(), timeutil.now())[0].slots[0]
    return {
        "pick_token": _token(pick_link),
        "booked_token": _token(booked_link),
        "waitlist_token": _token(waitlist_link),
        "offered_slot": offered.id,
    }


def _open_booking_dialog(page):
    page.get_by_role("link", name="Book a candidate").click()
    page.locator("#booking-dialog").wait_for(state="visible")


def _type_a_candidate(page):
    """The booking dialog with its typeahead open on a few letters, the first match active."""
    _open_booking_dialog(page)
    page.get_by_role("combobox", name="Candidate").press_sequentially("an", delay=30)
    page.get_by_role("listbox", name="Matching candidates").get_by_role("option").first.wait_for(state="visible")
    page.get_by_role("combobox", name="Candidate").press("ArrowDown")


def _book_an_unknown_email(page):
    """The booking dialog answering 422 for an e-mail no candidate of the job has."""
    _open_booking_dialog(page)
    page.get_by_role("combobox", name="Candidate").fill("nobody@example.com")
    page.get_by_role("button", name="Book", exact=True).click()
    page.locator("#candidate-error").wait_for(state="visible")


def _pick_a_time(page):
    page.locator("a.time-button").first.click()
    page.get_by_role("heading", name="Confirm the time").wait_for(state="visible")


def _submit_empty_job(page):
    page.get_by_role("button", name="Create job").click()
    page.locator(".error-summary").wait_for(state="visible")


def _ask_to_move(page):
    page.fill("#start_time", "15:00")
    page.fill("#end_time", "15:30")
    page.get_by_role("button", name="Save").click()
    page.locator("dialog.confirm-move").wait_for(state="visible")


def _open_menu(page):
    page.locator("details[data-nav-menu]").evaluate("menu => { menu.open = true; }")


def _start_interview(page):
    page.get_by_role("button", name="Start the interview").click()
    page.locator("[data-question]").wait_for(state="visible")


def _open_confirm_dialog(name):
    """An action that clicks the confirmation link called `name` and waits for its dialog."""

    def action(page):
        page.get_by_role("link", name=name).click()
        page.locator("dialog[open]").wait_for(state="visible")

    return action


def _book_on_the_page(page):
    _pick_a_time(page)
    page.get_by_role("button", name="Book", exact=True).click()
    page.get_by_role("heading", name="Interview booked").wait_for(state="visible")


def _submit_empty_answer(page):
    """On the first question (started here unless portal-question started it): submit nothing, to be asked."""
    start = page.get_by_role("button", name="Start the interview")
    if start.is_visible():
        _start_interview(page)
    page.get_by_role("button", name="Submit answer").click()
    page.locator("dialog[data-empty-answer]").wait_for(state="visible")


def pages(demo):
    """Every page of the product, in an order that keeps the clock moves last."""
    ids = demo.ids
    return [
        Page("login", "/login", anonymous=True),
        Page("password-forgot", "/password/forgot", anonymous=True),
        Page("password-reset-invalid", "/password/reset/not-a-real-link", anonymous=True, status=410),
        Page("error-404", "/no-such-page", anonymous=True, status=404),
        Page("portal-unknown-link", "/?session_key=" + "x" * 43, anonymous=True, status=404),
        Page("schedule-pick", f"/schedule/{ids['pick_token']}", anonymous=True),
        Page("schedule-pick-new-york", f"/schedule/{ids['pick_token']}?tz=America/New_York", anonymous=True),
        Page("schedule-confirm", f"/schedule/{ids['pick_token']}?slot_id={ids['offered_slot']}", anonymous=True),
        Page("schedule-manage", f"/schedule/{ids['booked_token']}", anonymous=True),
        Page("schedule-reschedule", f"/schedule/{ids['booked_token']}/reschedule", anonymous=True),
        Page("schedule-cancel", f"/schedule/{ids['booked_token']}/cancel", anonymous=True),
        Page("schedule-waitlist", f"/schedule/{ids['waitlist_token']}", anonymous=True),
        Page("schedule-invalid-link", "/schedule/" + "x" * 43, anonymous=True, status=404),
        Page("dashboard", "/interviews/dashboard"),
        Page("menu-open", "/interviews/dashboard", action=_open_menu),
        Page("calendar-week", f"/slots/?date={ids['today']}"),
        Page("calendar-month", f"/slots/?view=month&date={ids['today']}"),
        Page("calendar-long-job", f"/slots/?job={ids['long_job']}&date={ids['today']}"),
        Page("slot", f"/slots/{ids['slot']}/"),
        Page("slot-long-job", f"/slots/{ids['long_slot']}/"),
        Page("slot-booking-dialog", f"/slots/{ids['free_slot']}/", action=_open_booking_dialog),
        Page("slot-booking-typeahead", f"/slots/{ids['free_slot']}/", action=_type_a_candidate),
        Page("slot-booking-unknown", f"/slots/{ids['free_slot']}/", action=_book_an_unknown_email),
        Page("slot-cancel-dialog", f"/slots/{ids['slot']}/", action=_open_confirm_dialog("Cancel this slot…")),
        Page("slot-cancel-confirm", f"/slots/{ids['slot']}/cancel"),
        Page("slot-new", "/slots/new"),
        Page("slot-edit", f"/slots/{ids['slot']}/edit"),
        Page("slot-move-confirm", f"/slots/{ids['slot']}/edit", action=_ask_to_move),
        Page("slot-pattern", "/slots/pattern"),
        Page("interview", f"/interviews/{ids['interview']}"),
        Page("interview-book", f"/interviews/book?candidate_id={ids['free_candidate']}"),
        Page("interview-book-confirm", f"/interviews/book?candidate_id={ids['free_candidate']}", action=_pick_a_time),
        Page("interview-cancel-dialog", f"/interviews/{ids['interview']}", action=_open_confirm_dialog("Cancel the interview…")),
        Page("interview-cancel-confirm", f"/interviews/{ids['interview']}/cancel"),
        Page("interview-reschedule", f"/interviews/{ids['interview']}/reschedule"),
        Page("interview-review", f"/interviews/{ids['taken']}/review"),
        Page("candidates", "/candidates/"),
        Page("candidate", f"/candidates/{ids['candidate']}"),
        Page("candidate-long", f"/candidates/{ids['long_candidate']}"),
        Page("candidate-invite-dialog", f"/candidates/{ids['candidate']}", action=_open_confirm_dialog("Invite to pick a time…")),
        Page("candidate-invite-confirm", f"/candidates/{ids['candidate']}/invite"),
        Page("candidate-new", "/candidates/new"),
        Page("candidate-edit", f"/candidates/{ids['long_candidate']}/edit"),
        Page("jobs", "/jobs/"),
        Page("job", f"/jobs/{ids['job']}"),
        Page("job-long", f"/jobs/{ids['long_job']}"),
        Page("job-remove-confirm", f"/jobs/{ids['job']}/remove"),
        Page("job-new", "/jobs/new"),
        Page("job-new-errors", "/jobs/new", action=_submit_empty_job),
        Page("job-edit", f"/jobs/{ids['long_job']}/edit"),
        Page("users", "/users/"),
        Page("branding", "/settings/branding"),
        Page("account", "/account/"),
        Page("account-two-factor", "/account/two-factor"),
        Page("api-docs", "/api/docs"),
        Page("interview-book-done", f"/interviews/book?candidate_id={ids['free_candidate']}", action=_book_on_the_page),
        Page("portal-countdown", f"/?session_key={ids['countdown_key']}"),
        Page("portal-precheck", f"/?session_key={ids['open_key']}", clock=ids["open_at"]),
        Page("portal-question", f"/?session_key={ids['open_key']}", clock=ids["open_at"], action=_start_interview),
        Page("portal-empty-answer", f"/?session_key={ids['open_key']}", clock=ids["open_at"], action=_submit_empty_answer),
    ]


def fetched_pages(client, demo):
    """(page, response) for every page through a Flask test client: signed-out pages first, then
    signed in as the demo admin, each at its clock; the response's status is checked."""
    signed_in = False
    for item in sorted(pages(demo), key=lambda p: not p.anonymous):
        if not item.anonymous and not signed_in:
            client.post("/login", data={"email": "admin@example.com", "password": demo.password})
            signed_in = True
        timeutil.set_now(item.clock or PINNED_NOW)
        response = client.get(item.path)
        assert response.status_code == item.status, item.name
        yield item, response
