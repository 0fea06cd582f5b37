"""The one input layer (blueprints/input_guard.py, services/validation.text_problem, timeutil.parse_zone).

Table-driven over every JSON endpoint found in `app.url_map`: a new /api/ or /ai/ route is covered
without anyone adding it here.
"""

import re
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models import ApiToken, Candidate, InterviewSchedule, db
from services import booking, timeutil
from services.validation import text_problem
from tests.booking_support import make_candidate, make_job, make_slot
from tests.support import BOTH_DATABASES

T0 = datetime(2030, 1, 16, 9, 0, tzinfo=UTC)
BODY_METHODS = {"POST", "PUT", "PATCH"}
DEEP = "[" * 50_000 + "]" * 50_000
DEEP_OBJECT = '{"a":' * 50_000 + "1" + "}" * 50_000
NUL_BODY = '{"full_name": "Asha\\u0000", "text": "x", "booking_notes": "ok"}'
SURROGATE_BODY = '{"text": "\\ud800", "booking_notes": "\\udfff"}'
BAD_BODIES = {
    "50,000-deep array": DEEP,
    "50,000-deep object": DEEP_OBJECT,
    "33 levels": '{"a":' * 33 + "1" + "}" * 33,
    "array": "[]",
    "string": '"x"',
    "number": "1",
    "null": "null",
    "NUL in a string": NUL_BODY,
    "lone surrogate": SURROGATE_BODY,
    "not JSON": "{nope",
}


def json_body_routes(app):
    """(method, rule) for every POST/PUT/PATCH under /api/ and /ai/."""
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/api/", "/ai/"))
        for method in rule.methods & BODY_METHODS
    )


@pytest.fixture
def rows(app, clock):
    """A booked interview, so the routes' ids are real and a body reaches past the 404s."""
    job = make_job()
    slot = make_slot(job, T0, capacity=2)
    interview = booking.book_interview(make_candidate(job), slot)
    return {"job_id": job.id, "slot_id": slot.id, "interview_id": interview.id, "candidate_id": interview.candidate_id}


def url_for_rule(rule, ids):
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(ids.get(m.group(1), uuid.uuid4())), rule)


def send(client, method, url, raw, headers):
    return client.open(url, method=method, data=raw.encode("utf-8"), content_type="application/json", headers=headers)


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_every_json_endpoint_answers_bad_bodies_with_a_400(app, client, api_headers, rows, case):
    routes = json_body_routes(app)
    assert len(routes) >= 15  # the walk really found the API
    for method, rule in routes:
        response = send(client, method, url_for_rule(rule, rows), BAD_BODIES[case], api_headers)
        assert response.status_code == 400, f"{method} {rule} {case}: {response.status_code}"
        assert response.is_json and response.json["error"], f"{method} {rule}"


def test_refusals_say_what_is_wrong(app, client, api_headers, rows):
    deep = send(client, "POST", "/api/jobs/", DEEP, api_headers).json
    assert deep["error"] == "The body is not valid JSON: nested more than 32 levels deep."
    assert send(client, "POST", "/ai/start", "[1]", {}).json["error"] == "Send a JSON object ({…}) as the body."
    nul = send(client, "POST", "/api/candidates/", NUL_BODY, api_headers).json
    assert nul == {
        "error": "The field “full_name” must not contain NUL characters.",
        "fields": {"full_name": "This field must not contain NUL characters."},
    }
    surrogate = send(client, "POST", "/ai/answer", '{"session_key": "k", "answer": {"text": ["\\ud800"]}}', {}).json
    assert surrogate["fields"] == {
        "answer.text[0]": "This field must not contain unpaired surrogates (\\ud800-\\udfff); send valid Unicode text."
    }


def test_cancel_endpoints_still_take_no_body_or_an_object(app, client, api_headers, rows):
    url = f"/api/interviews/{rows['interview_id']}/cancel/"
    assert client.post(url, data=b"[]", content_type="application/json", headers=api_headers).status_code == 400
    assert client.post(url, headers=api_headers).status_code == 200  # no body at all is fine


def test_thirty_two_levels_are_fine(app, client, api_headers):
    body = '{"job_title": "T", "company_name": "C", "x":' + "[" * 31 + "]" * 31 + "}"
    response = send(client, "POST", "/api/jobs/", body, api_headers)
    # Parsed, not refused for its depth: the job's schema then refuses the field it does not declare.
    assert response.status_code == 400 and response.json["fields"] == {"x": "This field is not accepted here."}


@BOTH_DATABASES
@pytest.mark.parametrize(
    "method, url, body",
    [
        ("POST", "/api/candidates/", NUL_BODY),
        (
            "POST",
            "/api/interviews/slots/{slot_id}/book_slot/",
            '{"interview_id": "{interview_id}", "booking_notes": "a\\u0000b"}',
        ),
        ("POST", "/ai/answer", '{"session_key": "k\\u0000", "question_id": "x", "text": "a\\u0000"}'),
    ],
)
def test_nul_in_json_never_reaches_the_database(app, backend, client, api_headers, rows, method, url, body):
    body = body.replace("{interview_id}", str(rows["interview_id"]))
    response = send(client, method, url.format(**rows), body, api_headers)
    assert response.status_code == 400 and "NUL" in response.json["error"]
    assert db.session.scalar(select(func.count(Candidate.id))) == 1
    assert db.session.scalars(select(InterviewSchedule.booking_notes)).all() == [""]


@BOTH_DATABASES
def test_nul_in_query_arguments_and_forms_is_a_400_naming_the_field(app, backend, rows, client, api_headers, auth, admin):
    search = client.get("/api/candidates/?search=a%00b", headers=api_headers)
    assert search.status_code == 400 and search.json["fields"] == {"search": "This field must not contain NUL characters."}
    auth.login()
    page = client.get("/candidates/?q=%00")
    assert page.status_code == 400 and "The field “q” must not contain NUL characters." in page.text
    token = client.post("/account/tokens", data={"token-name": "laptop\x00"})
    assert token.status_code == 400 and "The field “token-name” must not contain NUL characters." in token.text
    assert db.session.scalar(select(func.count(ApiToken.id))) == 1  # only the fixture's
    review = client.post(f"/interviews/{rows['interview_id']}/review", data={"decision": "advance", "review_notes": "good\x00"})
    assert review.status_code == 400 and "review_notes" in review.text


def test_text_problem_names_nul_and_lone_surrogates():
    assert text_problem("Asha Rao, नमस्ते 😀") is None
    assert text_problem("a\x00") == "must not contain NUL characters."
    assert text_problem("\ud800").startswith("must not contain unpaired surrogates")


# --- zones and paging ------------------------------------------------------------------------

BAD_ZONES = ["", " ", "x" * 300, "Mars/Olympus", "Asia", "../etc/passwd", "/etc/passwd", "Asia/Kolkata/"]


@pytest.mark.parametrize("name", BAD_ZONES)
def test_parse_zone_refuses_blank_long_and_unknown_names(name):
    with pytest.raises(timeutil.TimeInputError):
        timeutil.parse_zone(name)


def test_parse_zone_accepts_iana_names():
    assert timeutil.parse_zone(" America/New_York ").key == "America/New_York"
    assert timeutil.parse_zone("UTC").key == "UTC"


@pytest.mark.parametrize("name", BAD_ZONES)
def test_zone_query_arguments_fall_back_to_the_display_zone(app, rows, client, api_headers, recruiter_client, name):
    listed = client.get("/api/interviews/slots/", query_string={"timezone": name}, headers=api_headers)
    assert listed.status_code == 200 and listed.json["results"][0]["timezone"] == "Asia/Kolkata"
    one = client.get(f"/api/interviews/slots/{rows['slot_id']}/", query_string={"timezone": name}, headers=api_headers)
    assert one.status_code == 200 and one.json["timezone"] == "Asia/Kolkata"
    for page in ("/slots/", "/interviews/dashboard"):
        assert recruiter_client.get(page, query_string={"tz": name}).status_code == 200


@pytest.mark.parametrize("name", BAD_ZONES)
def test_a_slot_timezone_field_that_is_no_zone_is_a_400(app, client, api_headers, rows, name):
    body = {
        "job_id": str(rows["job_id"]),
        "interview_date": "2030-02-01",
        "start_time": "10:00",
        "end_time": "10:30",
        "timezone": name,
    }
    response = client.post("/api/interviews/slots/", json=body, headers=api_headers)
    assert response.status_code == 400 and "timezone" in response.json["fields"], response.json


@pytest.mark.parametrize(
    "query", ["page=%20", "page=abc", "page=0", "page=-1", "page_size=abc", "page_size=0", "page=99999999999"]
)
def test_bad_paging_arguments_are_a_400(app, client, api_headers, query):
    for url in ("/api/jobs/", "/api/candidates/"):
        response = client.get(f"{url}?{query}", headers=api_headers)
        assert response.status_code in (200, 400) and response.is_json, f"{url}?{query}"
        if query != "page=%20":
            assert response.status_code == 400 and response.json["error"] == "Invalid paging arguments."


def test_blank_page_means_the_first_and_huge_page_sizes_are_clamped(app, client, api_headers):
    for index in range(3):
        make_job(f"Role {index}")
    assert client.get("/api/jobs/?page=%20", headers=api_headers).json["page"] == 1
    assert len(client.get("/api/jobs/?page_size=1000", headers=api_headers).json["results"]) == 3


def test_next_links_come_from_backend_url_not_the_host_header(app, client, api_headers):
    for index in range(3):
        make_job(f"Role {index}")
    response = client.get("/api/jobs/?page_size=1&search=Role", headers={**api_headers, "Host": "evil.example"})
    assert response.json["next"] == "http://testserver.local/api/jobs/?page_size=1&search=Role&page=2"
