"""A security sweep over `app.url_map`: a new route is covered without anyone adding a test for it.

Each check enumerates the routes; the small allowlists below say which routes are public or
CSRF-exempt and why, and a test fails when a list names a route that no longer exists.
"""

import re
import uuid
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from models import ApiToken, Candidate, Job, db
from services import accounts, booking, candidates, jobs
from tests.booking_support import make_slot
from tests.conftest import ADMIN_EMAIL, RECRUITER_EMAIL
from tests.support import browser_login

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
T0 = datetime(2030, 1, 16, 9, 0, tzinfo=UTC)

# Reachable without signing in, and why.
PUBLIC = {
    "static": "stylesheets, scripts, icons",
    "auth.login": "the sign-in form",
    "auth.login_code": "sign-in's second step; only a browser that just passed the password step gets past it",
    "auth.forgot_password": "asks for a reset link; the same answer whether or not the address has an account",
    "auth.reset_password": "the e-mailed reset link; its unguessable single-use token is the credential",
    "portal.index": "the candidate portal; the unguessable session key is the credential",
    "portal.stage": "the candidate portal's state fragment (session key)",
    "portal.start": "the candidate starts their interview (session key)",
    "portal.answer": "the candidate answers (session key)",
    "portal.ai_start": "the interviewer API for the candidate's page (session key)",
    "portal.ai_answer": "the interviewer API: answers (session key)",
    "portal.retake": "a missed interview's new scheduling link (session key)",
    "schedule.show": "the candidate's scheduling link; its unguessable token is the credential",
    "schedule.book": "the candidate books from their link (token)",
    "schedule.reschedule": "the candidate moves their booking (token)",
    "schedule.cancel": "the candidate cancels their booking (token)",
    "schedule.join_waitlist": "the candidate joins the waitlist (token)",
    "schedule.calendar_file": "the booked interview's .ics (token)",
    "api.openapi_json": "the API description holds no data",
    "brand.logo": "the organisation's logo, shown on candidates' pages and in e-mails",
    "brand.stylesheet": "the organisation's accent colour as CSS, for candidates' pages",
}
# State-changing routes that take no CSRF token, and why.
CSRF_EXEMPT = {
    "api.": "token authentication; no cookie ever authorises an API call",
    "portal.ai_start": "JSON for scripts and the portal; authorised by the session key in the body, not a cookie",
    "portal.ai_answer": "JSON for scripts; authorised by the session key in the body, not a cookie",
}
PAYLOAD = "<script>alert('xss')</script><img src=x onerror=alert(1)>"
ESCAPED = "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;"
SQL_SHAPED = "Robert'); DROP TABLE candidates; --"


def rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def is_json_api(rule):
    return rule.rule.startswith("/api/") and rule.endpoint != "api.docs"


def is_public(endpoint):
    return endpoint in PUBLIC


def is_csrf_exempt(endpoint):
    return any(endpoint == name or (name.endswith(".") and endpoint.startswith(name)) for name in CSRF_EXEMPT)


def url_of(rule, ids):
    """The rule's URL with real ids where the test has them, random UUIDs otherwise."""

    def value(match):
        name = match.group(1)
        return str(ids.get(name, uuid.uuid4()))

    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", value, rule.rule)


def test_allowlists_name_real_routes(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(PUBLIC) - endpoints == set()
    assert {name for name in CSRF_EXEMPT if not name.endswith(".")} - endpoints == set()


def test_state_changing_routes_need_a_csrf_token_and_refuse_get(app, admin_client):
    checked = 0
    methods_by_path = {}
    for rule in rules(app):
        methods_by_path.setdefault(rule.rule, set()).update(rule.methods)
    for rule in rules(app):
        for method in sorted(rule.methods & STATE_CHANGING):
            if is_csrf_exempt(rule.endpoint):
                continue
            response = admin_client.open(url_of(rule, {}), method=method, csrf=False)
            assert response.status_code == 400, f"{method} {rule.rule} without a CSRF token answered {response.status_code}"
            checked += 1
        if rule.methods & STATE_CHANGING and "GET" not in methods_by_path[rule.rule]:
            assert admin_client.get(url_of(rule, {})).status_code == 405, f"GET {rule.rule} should be refused"
    assert checked >= 20  # the sweep really walked the app


def test_anonymous_users_are_sent_to_sign_in(app, client):
    checked = 0
    for rule in rules(app):
        if is_public(rule.endpoint):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url_of(rule, {}), method=method)
            if is_json_api(rule):
                assert response.status_code == 401 and response.json["error"], f"{method} {rule.rule}"
            else:
                assert response.status_code == 302 and "/login" in response.location, (
                    f"{method} {rule.rule} → {response.status_code}"
                )
            checked += 1
    assert checked >= 40


def test_recruiters_get_403_on_admin_routes(app, client, auth, recruiter):
    admin_only = [rule for rule in rules(app) if getattr(app.view_functions[rule.endpoint], "admin_only", False)]
    assert {
        "auth.users",
        "auth.toggle_user",
        "auth.change_role",
        "auth.send_reset",
        "auth.disable_user_two_factor",
        "auth.require_two_factor",
        "jobs.create",
        "jobs.edit",
    } <= {rule.endpoint for rule in admin_only}
    auth.login(RECRUITER_EMAIL)
    for rule in admin_only:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert client.open(url_of(rule, {}), method=method).status_code == 403, f"{method} {rule.rule}"


@pytest.fixture
def hostile_data(app, clock, admin, recruiter):
    """Every user-typed text field holds markup; returns the ids the routes take."""
    job = jobs.create_job(
        {
            "job_title": PAYLOAD,
            "company_name": PAYLOAD,
            "job_description": PAYLOAD,
            "coding_language": "PYTHON",
            "domain": PAYLOAD,
            "tech_stack_details": PAYLOAD,
            "duration_minutes": 30,
        },
        actor=admin,
    )
    candidate = candidates.create_candidate(
        {
            "full_name": PAYLOAD,
            "email": "hostile@example.com",
            "phone": "+91 98765 43210",
            "job_id": str(job.id),
            "domain": PAYLOAD,
        },
        actor=recruiter,
    )
    slot = make_slot(job, T0, capacity=2)
    interview = booking.book_interview(candidate, slot, actor=recruiter, notes=PAYLOAD)
    admin.full_name = PAYLOAD
    accounts.create_token(recruiter, PAYLOAD)
    db.session.commit()
    return {
        "job_id": job.id,
        "candidate_id": candidate.id,
        "slot_id": slot.id,
        "interview_id": interview.id,
        "user_id": recruiter.id,
        "token_id": db.session.scalars(db.select(ApiToken.id)).first(),
        "session_key": interview.session_key,
    }


def visited_pages(app, client, ids):
    """Every GET page of the app with real ids: (url, response)."""
    for rule in rules(app):
        if "GET" not in rule.methods or is_json_api(rule):
            continue
        url = url_of(rule, ids)
        if rule.endpoint.startswith("portal."):
            url += f"?session_key={ids['session_key']}"
        yield url, client.get(url)


def test_markup_is_escaped_and_headers_are_set_on_every_page(app, client, auth, hostile_data):
    auth.login(ADMIN_EMAIL)
    shown_on = []
    for url, response in visited_pages(app, client, hostile_data):
        assert response.status_code < 500, url
        if response.mimetype != "text/html":
            continue
        body = response.get_data(as_text=True)
        assert PAYLOAD not in body and "<img src=x" not in body, f"unescaped markup on {url}"
        for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
            assert header in response.headers, f"{header} missing on {url}"
        if ESCAPED in body:
            shown_on.append(url)
    # The sweep saw the payload on the pages that show these records.
    for record in ("job_id", "candidate_id", "slot_id", "interview_id"):
        assert any(str(hostile_data[record]) in url for url in shown_on), f"no page showed the {record} record"


def test_no_script_runs_from_stored_markup_in_a_browser(app, live_server, browser_page, hostile_data):
    page = browser_page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    browser_login(page, live_server, ADMIN_EMAIL)
    for path in (
        "/jobs/",
        f"/jobs/{hostile_data['job_id']}",
        "/candidates/",
        f"/candidates/{hostile_data['candidate_id']}",
        "/slots/?date=2030-01-16",
        f"/slots/{hostile_data['slot_id']}/",
        f"/interviews/{hostile_data['interview_id']}",
        "/interviews/dashboard",
        "/account/",
        f"/?session_key={hostile_data['session_key']}",
    ):
        page.goto(live_server + path)
        expect(page.locator("main")).to_be_visible()
    assert dialogs == []
    assert page.console_errors == []


def test_sql_shaped_input_round_trips_as_data(app, client, api_headers):
    job = client.post(
        "/api/jobs/",
        json={"job_title": SQL_SHAPED, "company_name": "Acme' OR '1'='1", "job_description": "x"},
        headers=api_headers,
    ).json
    created = client.post(
        "/api/candidates/", json={"full_name": SQL_SHAPED, "email": "bobby@example.com", "job_id": job["id"]}, headers=api_headers
    )
    assert created.status_code == 201, created.json
    assert client.get(f"/api/candidates/{created.json['id']}/", headers=api_headers).json["full_name"] == SQL_SHAPED
    assert db.session.get(Job, uuid.UUID(job["id"])).company_name == "Acme' OR '1'='1"
    assert db.session.scalar(db.select(db.func.count()).select_from(Candidate)) == 1
    found = client.get("/api/candidates/", query_string={"search": "' OR '1'='1"}, headers=api_headers).json
    assert found["count"] == 0


def test_session_keys_carry_at_least_128_bits(app, clock, hostile_data):
    key = hostile_data["session_key"]
    # token_urlsafe: 6 bits per character.
    assert len(key) * 6 >= 128 and re.fullmatch(r"[A-Za-z0-9_-]+", key)
