"""The API against its OpenAPI description: coverage of the routes, fuzzing, reachable error codes."""

import io
import os
import re
import shutil
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings, strategies

from app import create_app
from blueprints.api.openapi import openapi_document
from models import Interview, Job, Role, db
from services import accounts, jobs, scheduling, timeutil
from tests.booking_support import make_candidate, make_job, make_slot
from tests.conftest import ADMIN_EMAIL, CHEAP_HASH, CLOCK_START, PASSWORD, RECRUITER_EMAIL

T0 = datetime(2030, 1, 16, 9, 0, tzinfo=UTC)  # the day after the pinned clock
# Pages under /api/ that are not part of the JSON API.
NOT_JSON_API = {"/api/docs"}
METHODS = ("get", "post", "put", "patch", "delete")
SPEC = openapi_document()


def described_operations():
    return {(method.upper(), path) for path, item in SPEC["paths"].items() for method in METHODS if method in item}


def test_every_api_route_is_described(app):
    served = set()
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/") or rule.rule.startswith("/ai/")) or rule.rule in NOT_JSON_API:
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        served |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served - described_operations() == set(), "routes missing from blueprints/api/openapi.py"
    assert described_operations() - served == set(), "described operations that no route serves"


def test_description_is_served_and_documented_for_people(clock, client, auth):
    assert client.get("/api/openapi.json").json["openapi"] == "3.1.0"
    assert client.get("/api/docs").status_code == 302  # the page is for signed-in users
    assert auth.login(RECRUITER_EMAIL).status_code == 302
    page = client.get("/api/docs").get_data(as_text=True)
    assert "POST /api/interviews/schedules/book_interview/" in page


# --- fuzzing ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, sqlite_template):
    """One SQLite file with the rows every test here starts from, built once for the module (each
    test gets a copy, see `sqlite_start`): a job with a booked slot, a cancelled booking, a slot
    with seats, a candidate with a pending interview and a scheduling invitation, an admin and a
    recruiter with API tokens. Booking them anew took most of each of ~140 tests' time."""
    from services import booking

    path = tmp_path_factory.mktemp("contract") / "seeded.db"
    shutil.copyfile(sqlite_template, path)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "test", **CHEAP_HASH})
    with timeutil.pinned(CLOCK_START), app.app_context():
        admin = accounts.create_user(ADMIN_EMAIL, PASSWORD, Role.ADMIN, "Ada Admin")
        recruiter = accounts.create_user(RECRUITER_EMAIL, PASSWORD, Role.RECRUITER, "Rita Recruiter")
        db.session.commit()
        admin_token, recruiter_token = accounts.create_token(admin), accounts.create_token(recruiter)
        db.session.commit()
        job = make_job()
        slot = make_slot(job, T0, capacity=1)
        other = make_slot(job, T0.replace(hour=12), capacity=1)
        make_slot(job, T0.replace(hour=11), capacity=3)
        interview = booking.book_interview(make_candidate(job, "Asha Rao"), slot)
        cancelled = booking.book_interview(make_candidate(job, "Ravi Kumar"), other)
        booking.cancel_interview(cancelled)
        waiting = make_candidate(job, "Meera Das")
        pending = Interview(candidate=waiting, job=job)
        db.session.add(pending)
        db.session.commit()
        invitation, _ = scheduling.invite(waiting)
        seed_rows = SimpleNamespace(
            path=path,
            admin_headers={"Authorization": f"Token {admin_token}"},
            recruiter_headers={"Authorization": f"Token {recruiter_token}"},
            job_id=job.id,
            interview_id=interview.id,
            ids={
                "slot_id": str(slot.id),
                "interview_id": str(interview.id),
                "job_id": str(job.id),
                "candidate_id": str(waiting.id),
                "invitation_id": str(invitation.id),
            },
            booked_candidate_id=str(interview.candidate_id),
            cancelled_interview_id=str(cancelled.id),
            session_key=interview.session_key,
            cancelled_session_key=cancelled.session_key,
            pending_interview_id=str(pending.id),
        )
        db.session.remove()
        db.engine.dispose()  # the last connection closing checkpoints the WAL into the file
    return seed_rows


@pytest.fixture
def sqlite_start(seeded):
    """This module's tests start from a copy of the seeded rows."""
    return seeded.path


@pytest.fixture
def fuzz_target(app, clock, live_server, seeded):
    """The live app with the seeded rows, whose ids the fuzzer can hit."""
    ids = {
        **seeded.ids,
        "candidate_id": seeded.booked_candidate_id,
        "session_key": seeded.session_key,  # /ai/ calls get past the 404 into the window's rules
    }
    return live_server, seeded.admin_headers, ids


# Schema-valid bodies may still break a rule the schema can't express (a slot in the past, an end
# before the start); the API answers those with a documented 400/409, so that check is off.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))  # per operation; raise it for a deeper run
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20300116"))  # the same cases on every run; change it to explore others
BUSINESS_RULE_REJECTIONS = [schemathesis.checks.positive_data_acceptance]
FUZZ_SCHEMA = schemathesis.openapi.from_dict(SPEC)
OPERATIONS = {result.ok().label: result.ok() for result in FUZZ_SCHEMA.get_all_operations()}


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_api_fuzz(label, fuzz_target):
    """No 5xx, every answer matches its description (status, content type, body)."""
    base_url, headers, ids = fuzz_target

    # A fixed seed (not hash()-derived, which differs between runs), so a failure can be rerun.
    @seed(FUZZ_SEED)
    @given(case=OPERATIONS[label].as_strategy(), use_real_ids=strategies.booleans())
    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def call(case, use_real_ids):
        # About half the cases use ids that exist, so the fuzzer gets past the 404s into the real logic.
        if use_real_ids:
            for name in case.path_parameters or {}:
                case.path_parameters[name] = ids.get(name, case.path_parameters[name])
            if isinstance(case.body, dict):
                for name in ids.keys() & case.body.keys():
                    case.body[name] = ids[name]
        case.call_and_validate(base_url=base_url, headers=headers, excluded_checks=BUSINESS_RULE_REJECTIONS)

    call()


# --- every documented error code has a request that produces it --------------------------------


@pytest.fixture
def scenario(app, clock, client, seeded):
    """Rows and requests that provoke each documented error of each operation."""
    return {
        "client": client,
        "headers": seeded.admin_headers,
        "recruiter_headers": seeded.recruiter_headers,
        "ids": dict(seeded.ids),
        "cancelled_interview_id": seeded.cancelled_interview_id,
        "session_key": seeded.session_key,
        "cancelled_session_key": seeded.cancelled_session_key,
        "interview": db.session.get(Interview, seeded.interview_id),
        "pending_interview_id": seeded.pending_interview_id,
        "job": db.session.get(Job, seeded.job_id),
    }


def ai_start_request(code, s):
    """The candidate portal's /ai/start: the session key is its credential, the window its rule."""
    if code == 429:
        s["client"].application.config["PORTAL_LOOKUP_LIMIT"] = "1/minute"
        s["client"].post("/ai/start", json={"session_key": "unknown-key-" + "x" * 32})
    bodies = {
        400: {},
        403: {"session_key": s["session_key"]},  # still counting down
        404: {"session_key": "unknown-key-" + "x" * 32},
        409: {"session_key": s["session_key"]},  # completed by PREPARE_CONFLICT
        410: {"session_key": s["cancelled_session_key"]},
        429: {"session_key": "unknown-key-" + "x" * 32},
    }
    return "/ai/start", {"json": bodies[code]}


def ai_answer_request(code, s):
    """The candidate's /ai/answer: the key, then the window, then the current question decide."""
    unknown_key = "unknown-key-" + "x" * 32
    if code == 429:
        s["client"].application.config["PORTAL_LOOKUP_LIMIT"] = "1/minute"
        s["client"].post("/ai/answer", json={"session_key": unknown_key, "question_id": str(uuid.uuid4())})
    if code in (409, 413):  # they need a started interview
        session = s["interview"].session
        timeutil.set_now(session.scheduled_at)
        s["client"].post("/ai/start", json={"session_key": s["session_key"]})
        db.session.refresh(session)
        second, first = session.questions[1], session.questions[0]
    bodies = {
        400: lambda: {"session_key": s["session_key"]},
        403: lambda: {"session_key": s["session_key"], "question_id": str(uuid.uuid4())},  # still counting down
        404: lambda: {"session_key": unknown_key, "question_id": str(uuid.uuid4())},
        409: lambda: {"session_key": s["session_key"], "question_id": str(second.id), "text": "Too soon."},
        410: lambda: {"session_key": s["cancelled_session_key"], "question_id": str(uuid.uuid4())},
        413: lambda: {"session_key": s["session_key"], "question_id": str(first.id), "text": "x" * 10_001},
        429: lambda: {"session_key": unknown_key, "question_id": str(uuid.uuid4())},
    }
    return "/ai/answer", {"json": bodies[code]()}


def declared_fields(method, path):
    """The fields a JSON body of `method path` may carry: its schema refuses any other."""
    body = SPEC["paths"][path][method.lower()].get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = body.get("schema", {})
    if "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return set(schema.get("properties", {}))


def request_for(method, path, code, s):
    """(path, kwargs) for a request to `method path` that should answer `code`."""
    if path == "/ai/start":
        return ai_start_request(code, s)
    if path == "/ai/answer":
        return ai_answer_request(code, s)
    ids = dict(s["ids"])
    body, headers = {}, s["headers"]
    if code == 401:
        headers = {"Authorization": "Token not-a-token"}
    elif code == 403:
        headers = s["recruiter_headers"]
    elif code == 404:
        ids = {name: str(uuid.uuid4()) for name in ids}
        body = {
            name: ids[name]
            for name in ("interview_id", "slot_id", "candidate_id", "job_id")
            if name in declared_fields(method, path)
        }
        if path == "/api/interviews/slots/":
            return path + f"?job_id={ids['job_id']}", {"headers": headers}
    elif code == 400:
        if method == "GET":
            return path + "?status=nonsense&page=0", {"headers": headers}
        body = {
            "max_candidates": 0,
            "job_id": ids["job_id"],
            "candidate_id": str(s["ids"]["candidate_id"]),
            "email": "not-an-email",
            "coding_language": "KLINGON",
        }
        if path == "/api/interviews/":
            body["job_id"] = str(make_job("Another").id)
        if path == "/api/interviews/schedules/create_interview_session/":
            body = {"interview_id": s["pending_interview_id"]}  # not booked into a slot yet
        if path == "/api/scheduling-invitations/":
            body["expires_at"] = "not a time"
    elif code == 409:
        body = CONFLICTS[(method, path)](s)
    elif code == 410:  # the scheduling invitations of an archived job
        jobs.remove_job(s["job"])
        body = {"job_id": ids["job_id"], "candidate_id": ids["candidate_id"], "candidate_ids": [ids["candidate_id"]]}
        body = {name: value for name, value in body.items() if name in declared_fields(method, path)}
    elif code == 413:
        oversize = io.BytesIO(b"x" * (s["client"].application.config["RESUME_MAX_BYTES"] + 1))
        return path.format(**ids), {"headers": headers, "data": {"file": (oversize, "cv.txt")}}
    url = path.format(**ids)
    return url, {"headers": headers, "json": body}


CONFLICTS = {
    # A second slot on top of the booked one, for the same job.
    ("POST", "/api/interviews/slots/"): lambda s: {
        "job_id": s["ids"]["job_id"],
        "interview_date": "2030-01-16",
        "start_time": "14:30",
        "end_time": "15:00",
    },
    ("PUT", "/api/interviews/slots/{slot_id}/"): lambda s: {"max_candidates": 1},
    ("PATCH", "/api/interviews/slots/{slot_id}/"): lambda s: {"max_candidates": 1},
    ("POST", "/api/interviews/slots/{slot_id}/cancel/"): lambda s: {},
    ("POST", "/api/interviews/slots/{slot_id}/book_slot/"): lambda s: {"interview_id": s["ids"]["interview_id"]},
    ("POST", "/api/interviews/schedules/book_interview/"): lambda s: {
        "interview_id": s["ids"]["interview_id"],
        "slot_id": s["ids"]["slot_id"],
    },
    ("POST", "/api/interviews/{interview_id}/reschedule/"): lambda s: {"slot_id": s["ids"]["slot_id"]},
    ("POST", "/api/interviews/{interview_id}/cancel/"): lambda s: {},
    # A second interview for the candidate who is already booked.
    ("POST", "/api/interviews/"): lambda s: {"candidate_id": str(s["interview"].candidate_id), "job_id": s["ids"]["job_id"]},
    ("POST", "/api/interviews/schedules/create_interview_session/"): lambda s: {"interview_id": s["cancelled_interview_id"]},
    # Revoked first (PREPARE_CONFLICT): neither a second revoke nor a resend is possible.
    ("POST", "/api/scheduling-invitations/{invitation_id}/revoke/"): lambda s: {},
    ("POST", "/api/scheduling-invitations/{invitation_id}/resend/"): lambda s: {},
}
PREPARE_CONFLICT = {
    ("POST", "/ai/start"): lambda s: (
        setattr(s["interview"].session, "status", "completed"),
        db.session.commit(),
    ),
    # These conflicts need the row in a state first: a cancelled slot, an interview cancelled.
    ("POST", "/api/interviews/slots/{slot_id}/cancel/"): lambda s: s["client"].post(
        f"/api/interviews/slots/{s['ids']['slot_id']}/cancel/", headers=s["headers"]
    ),
    ("POST", "/api/interviews/{interview_id}/cancel/"): lambda s: s["client"].post(
        f"/api/interviews/{s['ids']['interview_id']}/cancel/", headers=s["headers"]
    ),
    ("PUT", "/api/interviews/slots/{slot_id}/"): lambda s: s["client"].post(
        f"/api/interviews/slots/{s['ids']['slot_id']}/cancel/", headers=s["headers"]
    ),
    ("PATCH", "/api/interviews/slots/{slot_id}/"): lambda s: s["client"].post(
        f"/api/interviews/slots/{s['ids']['slot_id']}/cancel/", headers=s["headers"]
    ),
    **{
        ("POST", f"/api/scheduling-invitations/{{invitation_id}}/{action}/"): lambda s: s["client"].post(
            f"/api/scheduling-invitations/{s['ids']['invitation_id']}/revoke/", headers=s["headers"]
        )
        for action in ("revoke", "resend")
    },
}

DOCUMENTED_ERRORS = sorted(
    (method.upper(), path, int(code))
    for path, item in SPEC["paths"].items()
    for method in METHODS
    if method in item
    for code in item[method]["responses"]
    if code.startswith("4")
)


@pytest.mark.parametrize(("method", "path", "code"), DOCUMENTED_ERRORS, ids=[f"{m} {p} {c}" for m, p, c in DOCUMENTED_ERRORS])
def test_documented_error_is_reachable(scenario, method, path, code):
    if code == 409:
        PREPARE_CONFLICT.get((method, path), lambda s: None)(scenario)
    url, kwargs = request_for(method, path, code, scenario)
    response = scenario["client"].open(url, method=method, **kwargs)
    assert response.status_code == code, response.get_data(as_text=True)
    assert response.is_json and isinstance(response.json["error"], str)
