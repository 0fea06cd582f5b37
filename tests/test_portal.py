"""The candidate portal over HTTP: window states, 404s, rate limit, /ai/start, answers and their faults."""

import dataclasses
import errno
import io
import json
import threading
from datetime import timedelta
from uuid import uuid4

import pytest

from app import create_app
from models import (
    AuditEvent,
    CandidateStatus,
    InterviewAnswer,
    InterviewSession,
    InterviewStatus,
    OutboxEmail,
    SessionStatus,
    db,
)
from services import booking, portal, storage, timeutil
from services.interviewer import audio as recordings
from services.interviewer import errors as interview_errors
from services.interviewer import session_flow
from tests.conftest import CSRFClient, free_port
from tests.portal_support import book_session, driver_trace, hx, open_window, stage_view
from tests.support import BOTH_DATABASES

CLIENT_A, CLIENT_B = "tab-a-0000000001", "tab-b-0000000002"


def start(client, session, client_id=CLIENT_A, **form):
    return client.post(
        "/interview/start", data={"session_key": session.session_key, "client_id": client_id, **form}, headers=hx()
    )


def answer(client, session, question, text="An answer.", client_id=CLIENT_A, **form):
    data = {"session_key": session.session_key, "question_id": str(question.id), "text": text, "client_id": client_id, **form}
    return client.post("/interview/answer", data=data, headers=hx(), content_type="multipart/form-data")


def current(session):
    db.session.refresh(session)
    return session_flow.current_question(session)


def test_a_link_is_issued_for_the_first_time_once(app, admin, clock):
    """The API's first create_interview_session is told apart by the session's link_issued_at."""
    session = book_session()
    assert portal.issue_link(session.interview, actor=admin) is True
    assert portal.issue_link(session.interview, actor=admin) is False
    assert db.session.get(InterviewSession, session.id).link_issued_at == timeutil.now()
    issued = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "interview.session_issued")).all()
    assert [event.actor_id for event in issued] == [admin.id]


# --- window ------------------------------------------------------------------------------------


def test_countdown_page_shows_job_company_and_times(client, clock):
    session = book_session(minutes_ahead=120)
    response = client.get(f"/?session_key={session.session_key}")
    assert response.status_code == 200
    html = response.text
    assert 'data-portal-state="countdown"' in html
    assert "Backend Engineer at Acme" in html
    assert "Tuesday 15 January 2030, 12:00 IST" in html  # 10:00 IST + 2 h
    assert f'data-local-time="{session.scheduled_at.isoformat()}"' in html
    assert 'data-seconds-left="7170"' in html  # opens 30 s early
    assert "Asha Rao" in html and "recruiter@example.com" not in html
    assert "<script>" not in html and 'style="' not in html


def test_portal_times_stay_in_the_display_zone_for_a_signed_in_recruiter(recruiter_client, recruiter, clock):
    """The page labels the time IST; a recruiter's own zone (or a ?tz=) must not leak into it."""
    recruiter.timezone = "America/New_York"
    db.session.commit()
    session = book_session(minutes_ahead=120)
    html = recruiter_client.get(f"/?session_key={session.session_key}&tz=Europe/London").text
    assert "Time (Asia/Kolkata)" in html
    assert "Tuesday 15 January 2030, 12:00 IST" in html
    assert "EST" not in html and "GMT" not in html


def test_a_recruiter_opening_a_candidate_link_keeps_their_own_messages(recruiter_client, clock):
    session = book_session(minutes_ahead=120)
    with recruiter_client.session_transaction() as cookie_session:
        cookie_session["_flashes"] = [("success", "Interview booked for Asha.")]
    assert "Interview booked for Asha." not in recruiter_client.get(f"/?session_key={session.session_key}").text
    assert "Interview booked for Asha." in recruiter_client.get("/dashboard").text


@pytest.mark.parametrize("path", ["/", "/interview/"])
def test_both_portal_urls_open_the_session(client, clock, path):
    session = book_session()
    assert client.get(f"{path}?session_key={session.session_key}").status_code == 200


def test_without_a_key_the_start_page_redirects(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_a_page_view_loads_the_session_only_when_showing_it_changes_something(app, clock):
    countdown = book_session(minutes_ahead=120)
    summary = portal.session_for_view(countdown.session_key, timeutil.now())
    assert isinstance(summary, portal.SessionSummary)  # a read-only copy, no ORM entity
    assert (summary.session_key, summary.job_title, summary.status) == (countdown.session_key, "Backend Engineer", "scheduled")
    assert not hasattr(summary, "resume_text") and not hasattr(summary, "active_client_id")
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.status = "expired"

    late = book_session(minutes_ahead=5, name="Ravi Kumar")
    timeutil.set_now(late.scheduled_at + timedelta(minutes=11))
    assert isinstance(portal.session_for_view(late.session_key, timeutil.now()), InterviewSession)  # an expiry to record
    assert portal.session_for_view(countdown.session_key, timeutil.now()).status == "scheduled"  # its window is open now

    started = book_session(minutes_ahead=1, name="Meera Das")
    open_window(started)
    session_flow.start_interview(started, timeutil.now())
    assert isinstance(portal.session_for_view(started.session_key, timeutil.now()), InterviewSession)  # time limits to enforce
    assert portal.session_for_view("x" * 43, timeutil.now()) is None
    assert portal.session_for_view("<bad key>", timeutil.now()) is None


@BOTH_DATABASES
def test_a_countdown_view_is_one_select_outside_any_transaction(client, clock, backend, tmp_path):
    """What reaches the database driver, traced below SQLAlchemy (the view bypasses Core's events)."""
    session = book_session(minutes_ahead=120)
    with driver_trace(backend, tmp_path / "driver.trace") as traced:
        for path in ("/", "/interview/stage"):
            assert client.get(path, query_string={"session_key": session.session_key}).status_code == 200
    trace = traced[0]
    if backend == "postgresql":
        assert trace.round_trips == 2  # one round trip per view
    assert len(trace.statements) == 2, trace.statements
    for statement in trace.statements:
        columns = statement.split(" FROM ")[0]
        assert columns.startswith("SELECT") and "job_description" not in columns and "resume_text" not in columns
    assert trace.transactions == []  # no transaction around them


@BOTH_DATABASES
def test_unknown_and_malformed_keys_get_the_same_404(client, clock, backend):
    book_session()
    bodies = set()
    for key in ["x" * 43, "short", "../../etc/passwd", "<script>", "", "a" * 200]:
        response = client.get("/", query_string={"session_key": key})
        assert response.status_code == 404
        assert "Set-Cookie" not in response.headers  # nothing per-visitor (no session, no CSRF token)
        bodies.add(response.text)
    assert len(bodies) == 1


def test_key_guessing_is_rate_limited_but_real_keys_are_not(app_config, clock):
    app_config["PORTAL_LOOKUP_LIMIT"] = "5/minute"
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
        session = book_session()
        client = app.test_client()
        for _ in range(8):  # the candidate's own page never uses the budget
            assert client.get(f"/?session_key={session.session_key}").status_code == 200
        codes = [client.get(f"/?session_key=guess{n:040d}").status_code for n in range(7)]
        assert codes[:5] == [404] * 5 and codes[5:] == [429, 429]
        refused = client.post("/ai/start", json={"session_key": "guess" + "0" * 40})
        assert refused.status_code == 429 and refused.json["error"].startswith("Too many requests")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        # Past the budget, the address is refused even a real key: a guess cannot be told from a hit.
        assert client.get(f"/?session_key={session.session_key}").status_code == 429
        assert client.get("/").status_code == 302  # the bare start page looks nothing up
        db.session.remove()


def test_key_guessing_is_still_limited_while_redis_is_down(app_config, clock, caplog):
    app_config.update(
        PORTAL_LOOKUP_LIMIT="3/minute", RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0"
    )  # nothing listens
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
        session = book_session()
        client = app.test_client()
        assert client.get(f"/?session_key={session.session_key}").status_code == 200
        codes = [client.get(f"/?session_key=guess{n:040d}").status_code for n in range(5)]
        assert codes == [404, 404, 404, 429, 429]  # counted in this process's memory meanwhile
        assert "Rate-limit storage unreachable" in caplog.text
        db.session.remove()


@BOTH_DATABASES
def test_window_boundaries(app, clock, backend):
    session = book_session(minutes_ahead=60)
    start_at = session.scheduled_at
    assert portal.portal_state(session, start_at - timedelta(seconds=31)) == portal.COUNTDOWN
    assert portal.portal_state(session, start_at - timedelta(seconds=30)) == portal.INTERVIEW
    assert portal.portal_state(session, start_at + timedelta(minutes=10)) == portal.INTERVIEW
    assert session.status == SessionStatus.SCHEDULED
    assert portal.portal_state(session, start_at + timedelta(minutes=10, seconds=1)) == portal.EXPIRED
    assert session.status == SessionStatus.EXPIRED
    assert session.interview.status == InterviewStatus.EXPIRED


@BOTH_DATABASES
def test_expired_page_marks_session_and_interview(client, clock, backend):
    session = book_session(minutes_ahead=5)
    clock.set(session.scheduled_at + timedelta(minutes=11))
    response = client.get(f"/?session_key={session.session_key}")
    assert response.status_code == 200
    assert 'data-portal-state="expired"' in response.text
    assert "reply to the invitation e-mail" in response.text
    db.session.expire_all()
    assert session.status == "expired" and session.interview.status == "expired"
    # A no-show holds no booking any more: the candidate can be booked again.
    assert session.interview.candidate.status == "new"


def test_started_interview_continues_past_the_window(client, clock):
    session = book_session()
    open_window(session)
    start(client, session)
    clock.advance(timedelta(minutes=11))
    html = client.get(f"/?session_key={session.session_key}").text
    assert 'data-portal-state="interview"' in html


def test_cancelled_page(client, clock):
    session = book_session()
    booking.cancel_interview(session.interview)
    html = client.get(f"/?session_key={session.session_key}").text
    assert 'data-portal-state="cancelled"' in html and "was cancelled" in html


def test_stage_fragment_for_htmx_and_resync(client, clock):
    session = book_session()
    response = client.get(f"/interview/stage?session_key={session.session_key}", headers=hx())
    assert "<html" not in response.text and stage_view(response.text) == ("countdown", "countdown")
    assert "HX-Request" in response.headers["Vary"]
    open_window(session)
    response = client.get(f"/interview/stage?session_key={session.session_key}", headers=hx())
    assert stage_view(response.text) == ("interview", "precheck")
    assert "Start the interview" in response.text and "Test my microphone" in response.text


# --- /ai/start ----------------------------------------------------------------------------------


def test_ai_start_refuses_outside_the_window(client, clock):
    session = book_session()
    response = client.post("/ai/start", json={"session_key": session.session_key}, csrf=False)
    assert response.status_code == 403
    assert response.json["state"] == "countdown" and "not opened yet" in response.json["error"]
    assert db.session.scalar(db.select(db.func.count()).select_from(InterviewAnswer)) == 0
    clock.set(session.scheduled_at + timedelta(minutes=11))
    response = client.post("/ai/start", json={"session_key": session.session_key}, csrf=False)
    assert response.status_code == 410 and response.json["state"] == "expired"


@BOTH_DATABASES
def test_ai_start_returns_first_question_and_is_idempotent(client, clock, backend):
    session = book_session()
    open_window(session)
    first = client.post("/ai/start", json={"session_key": session.session_key}, csrf=False)
    assert first.status_code == 200
    body = first.json
    assert {"question", "index", "total", "time_limit", "type"} <= body.keys()
    assert body["index"] == 0 and body["type"] == "intro" and 6 <= body["total"] <= 10
    clock.advance(timedelta(seconds=20))
    again = client.post("/ai/start", data={"session_key": session.session_key}, csrf=False)
    assert again.json["question_id"] == body["question_id"]
    assert again.json["seconds_left"] == body["time_limit"] - 20
    db.session.refresh(session)
    assert session.status == "in_progress" and session.interview.status == "in_progress"
    assert len(session.questions) == body["total"]


@pytest.mark.parametrize("payload, status", [({}, 400), ({"session_key": "nope" * 12}, 404), ({"session_key": 7}, 400)])
def test_ai_start_bad_input(client, clock, payload, status):
    response = client.post("/ai/start", json=payload, csrf=False)
    assert response.status_code == status
    assert "error" in response.json


# --- /ai/answer ---------------------------------------------------------------------------------


def ai_answer(client, session, question_id, **fields):
    return client.post(
        "/ai/answer", json={"session_key": session.session_key, "question_id": str(question_id), **fields}, csrf=False
    )


@BOTH_DATABASES
def test_a_whole_interview_through_the_json_api(client, clock, backend):
    session = book_session()
    open_window(session)
    question = client.post("/ai/start", json={"session_key": session.session_key}, csrf=False).json
    for number in range(1, question["total"] + 1):
        assert question["number"] == number
        clock.advance(timedelta(seconds=30))
        fields = {"code": "print('hi')\n", "text": "Notes."} if question["type"] == "coding" else {"text": f"Answer {number}."}
        response = ai_answer(client, session, question["question_id"], **fields)
        assert response.status_code == 200 and response.json["saved"] is True
        question = response.json
    assert question == {"saved": True, "status": "completed"}
    db.session.refresh(session)
    assert session.status == "completed" and session.interview.status == "completed"
    assert [q.answer.text for q in session.questions if q.kind != "coding"][0] == "Answer 1."
    # A client that lost the last response may send it again: a no-op, not an error.
    last = session.questions[-1]
    repeat = ai_answer(client, session, last.id, text=last.answer.text, code=last.answer.code)
    assert repeat.status_code == 200 and repeat.json == {"saved": False, "status": "completed"}


def test_json_answers_are_checked_like_the_portal_s(client, clock):
    session = book_session()
    assert ai_answer(client, session, uuid4()).status_code == 403  # the countdown cannot be skipped
    open_window(session)
    first = client.post("/ai/start", json={"session_key": session.session_key, "client_id": CLIENT_A}, csrf=False).json
    db.session.refresh(session)
    second = session.questions[1]

    missing = client.post("/ai/answer", json={"session_key": session.session_key}, csrf=False)
    assert missing.status_code == 400 and "question_id" in missing.json["fields"]
    not_text = ai_answer(client, session, first["question_id"], text=["a"], client_id=CLIENT_A)
    assert not_text.status_code == 400 and not_text.json["fields"] == {"text": "Must be a string."}
    early = ai_answer(client, session, second.id, text="Too soon.", client_id=CLIENT_A)
    assert early.status_code == 409 and early.json["code"] == "not_current"
    other_tab = ai_answer(client, session, first["question_id"], text="Hi.", client_id=CLIENT_B)
    assert other_tab.status_code == 409 and other_tab.json["code"] == "taken_over"
    too_long = ai_answer(client, session, first["question_id"], text="x" * 10_001, client_id=CLIENT_A)
    assert too_long.status_code == 413 and too_long.json["code"] == "too_large"
    assert current(session).position == 0 and current(session).answer is None

    clock.advance(timedelta(seconds=first["time_limit"] + session_flow.SUBMIT_GRACE_SECONDS + 1))
    late = ai_answer(client, session, first["question_id"], text="Late.", client_id=CLIENT_A)
    assert late.status_code == 409 and late.json["code"] == "time_up"
    assert current(session).position == 1


def test_a_voice_answer_through_the_api_needs_consent_given_at_start(client, clock):
    session = book_session()
    open_window(session)
    voice = b"OggS\x00\x02 a voice answer"

    def post_voice(question_id):
        data = {
            "session_key": session.session_key,
            "question_id": question_id,
            "audio": (io.BytesIO(voice), "a.ogg", "audio/ogg"),
        }
        return client.post("/ai/answer", data=data, content_type="multipart/form-data", csrf=False)

    first = client.post("/ai/start", json={"session_key": session.session_key}, csrf=False).json
    refused = post_voice(first["question_id"])
    assert refused.status_code == 400 and "consent" in refused.json["error"]
    client.post("/ai/start", json={"session_key": session.session_key, "audio_consent": True}, csrf=False)
    assert post_voice(first["question_id"]).json["saved"] is True
    db.session.refresh(session)
    stored = session.questions[0].answer
    assert (recordings.audio_folder() / stored.audio_stored_name).read_bytes() == voice


def test_a_voice_answer_on_a_full_disk_leaves_no_partial_file_and_can_be_sent_again(client, clock, monkeypatch):
    session = book_session()
    open_window(session)
    first = client.post("/ai/start", json={"session_key": session.session_key, "audio_consent": True}, csrf=False).json
    written = []

    def short_write(fd):  # the disk fills up after part of the recording was written
        written.extend(p for p in recordings.audio_folder().iterdir())
        raise OSError(errno.ENOSPC, "No space left on device")

    def post_voice():
        data = {
            "session_key": session.session_key,
            "question_id": first["question_id"],
            "audio": (io.BytesIO(b"OggS\x00\x02 voice"), "a.ogg", "audio/ogg"),
        }
        return client.post("/ai/answer", data=data, content_type="multipart/form-data", csrf=False)

    monkeypatch.setattr(storage.os, "fsync", short_write)
    refused = post_voice()
    assert refused.status_code == 507 and refused.json["code"] == "storage"
    assert (
        refused.json["error"]
        == "Your recording could not be saved: Storage is full; try again later. Your answer was not submitted."
    )
    assert written and list(recordings.audio_folder().iterdir()) == []  # the partial file was there, and is gone
    assert current(session).position == 0 and current(session).answer is None
    monkeypatch.undo()
    assert post_voice().json["saved"] is True and len(list(recordings.audio_folder().iterdir())) == 1


# --- answers ------------------------------------------------------------------------------------


@BOTH_DATABASES
def test_answer_flow_to_completion_notifies_recruiter(client, clock, recruiter, backend):
    session = book_session(actor=recruiter)
    open_window(session)
    response = start(client, session)
    assert stage_view(response.text) == ("interview", "question")
    total = len(current(session).session.questions)
    for number in range(total):
        question = current(session)
        assert f"Question {number + 1} of {total}" in client.get(f"/?session_key={session.session_key}").text
        clock.advance(timedelta(seconds=30))
        response = answer(
            client, session, question, text=f"Answer {number}", code="print(1)\n" if question.kind == "coding" else ""
        )
        assert response.status_code == 200
        assert json.loads(response.headers["HX-Trigger"]) == {"answer-saved": {"question_id": str(question.id)}}
    assert stage_view(response.text) == ("completed", "completed")
    db.session.refresh(session)
    assert session.status == "completed" and session.ended_at == clock.now()
    assert session.interview.status == "completed"
    assert session.interview.candidate.status == CandidateStatus.INTERVIEWED
    answers = db.session.scalars(db.select(InterviewAnswer).order_by(InterviewAnswer.submitted_at)).all()
    assert [a.text for a in answers] == [f"Answer {n}" for n in range(total)]
    assert all(a.seconds_taken == 30 for a in answers)
    mail = db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.kind == "completed")).one()
    assert mail.to_email == recruiter.email and "Asha Rao" in mail.subject
    assert 'data-portal-state="completed"' in client.get(f"/?session_key={session.session_key}").text


def test_answer_to_a_question_that_is_not_current(client, clock):
    session = book_session()
    open_window(session)
    start(client, session)
    later = session.questions[2]
    response = answer(client, session, later)
    assert "That is not the current question." in response.text
    assert later.answer is None and current(session).position == 0


def test_answer_after_the_time_limit_is_refused_and_the_question_closes(client, clock):
    session = book_session()
    open_window(session)
    start(client, session)
    question = current(session)
    clock.advance(timedelta(seconds=question.time_limit_seconds + session_flow.SUBMIT_GRACE_SECONDS + 1))
    response = answer(client, session, question, text="too late")
    assert "Time ran out" in response.text
    db.session.refresh(question)
    assert question.answer.timed_out and question.answer.text == ""
    assert current(session).position == 1


def test_answer_within_the_grace_after_the_limit_counts(client, clock):
    session = book_session()
    open_window(session)
    start(client, session)
    question = current(session)
    clock.advance(timedelta(seconds=question.time_limit_seconds + 5))
    answer(client, session, question, text="just in time")
    db.session.refresh(question)
    assert question.answer.text == "just in time" and not question.answer.timed_out


def test_time_limit_keeps_running_across_reloads(client, clock):
    session = book_session()
    open_window(session)
    start(client, session)
    clock.advance(timedelta(seconds=50))
    html = client.get(f"/?session_key={session.session_key}").text
    assert f'data-seconds-left="{current(session).time_limit_seconds - 50}"' in html


def test_answer_after_completion(client, clock):
    session = book_session()
    open_window(session)
    start(client, session)
    for question in list(session.questions):
        answer(client, session, question, text="done")
    response = answer(client, session, session.questions[-1], text="something else")
    assert stage_view(response.text)[0] == "completed"
    assert "already answered" in response.text or "already finished" in response.text
    assert session.questions[-1].answer.text == "done"
    with pytest.raises(interview_errors.AlreadyFinished):
        session_flow.start_interview(session, clock.now())


def test_answer_for_another_session(client, clock):
    mine = book_session(name="Asha Rao")
    other = book_session(name="Ben Other", job=mine.interview.job)
    open_window(mine)
    start(client, mine)
    start(client, other)
    response = answer(client, mine, other.questions[0], text="wrong session")
    assert "not part of this interview" in response.text
    assert other.questions[0].answer is None and mine.questions[0].answer is None


@BOTH_DATABASES
def test_resubmitting_the_same_answer_is_idempotent(client, clock, backend):
    session = book_session()
    open_window(session)
    start(client, session)
    question = current(session)
    answer(client, session, question, text="Same words")
    response = answer(client, session, question, text="Same words")
    assert "not the current question" not in response.text and "already answered" not in response.text
    assert db.session.scalar(db.select(db.func.count()).select_from(InterviewAnswer)) == 1
    assert current(session).position == 1
    response = answer(client, session, question, text="Different words")
    assert "already answered" in response.text


def _through_commit(statements):
    """The statements of a request up to its (first) COMMIT, and the ones after it."""
    ends = [n for n, statement in enumerate(statements) if statement.strip() == "COMMIT"]
    return statements[: ends[0] + 1], statements[ends[0] + 1 :]


@BOTH_DATABASES
def test_a_stored_answer_is_eight_statements_and_a_repeat_six(client, clock, backend, tmp_path):
    """Session by key; BEGIN, the interview and session locks, the plan re-read under them in one
    SELECT, the session's move on, the answer, COMMIT. Then the next question is shown from what
    the commit wrote, with no statement at all (the audio consent is a column of the session)."""
    session = book_session()
    open_window(session)
    start(client, session)
    question = current(session)  # its key and id stay readable while the trace detaches them
    with driver_trace(backend, tmp_path / "answer.trace") as traced:
        assert stage_view(answer(client, session, question).text) == ("interview", "question")
    # psycopg opens the transaction before the first statement, Python's sqlite3 before the first write.
    opening = ["BEGIN", "SELECT"] if backend == "postgresql" else ["SELECT", "BEGIN"]
    stored, shown = _through_commit(traced[0].statements)
    assert [statement.split()[0] for statement in stored] == [
        *opening,
        "UPDATE",
        "UPDATE",
        "SELECT",
        "UPDATE",
        "INSERT",
        "COMMIT",
    ], stored
    assert [statement.split()[0] for statement in shown if statement.split()[0] not in ("BEGIN", "ROLLBACK")] == [], shown
    with driver_trace(backend, tmp_path / "repeat.trace") as traced:
        assert "already answered" not in answer(client, session, question).text
    repeated, _ = _through_commit(traced[0].statements)
    assert [statement.split()[0] for statement in repeated] == [*opening, "UPDATE", "UPDATE", "SELECT", "COMMIT"], repeated
    assert db.session.scalar(db.select(db.func.count()).select_from(InterviewAnswer)) == 1


@BOTH_DATABASES
def test_a_start_plans_under_the_lock_in_ten_statements(client, clock, backend, tmp_path):
    """Session by key; BEGIN, the locks, the session re-read with its interview and planning texts
    in one SELECT; one flush (audit event, interview, session, the questions); COMMIT. The first
    question is then shown from what the commit wrote, with no statement at all."""
    session = book_session()
    open_window(session)
    with driver_trace(backend, tmp_path / "start.trace") as traced:
        assert stage_view(start(client, session).text) == ("interview", "question")
    started, shown = _through_commit(traced[0].statements)
    assert sorted(statement.split()[0] for statement in started) == sorted(
        ["BEGIN", "SELECT", "UPDATE", "UPDATE", "SELECT", "INSERT", "UPDATE", "UPDATE", "INSERT", "COMMIT"]
    ), started
    assert [statement.split()[0] for statement in shown if statement.split()[0] not in ("BEGIN", "ROLLBACK")] == [], shown
    session = db.session.get(InterviewSession, session.id)
    assert session.status == "in_progress" and len(session.questions) >= 6 and session.keyword_analysis["provider"] == "offline"
    assert session.interview.status == InterviewStatus.IN_PROGRESS


@pytest.mark.parametrize("field, size", [("text", session_flow.ANSWER_MAX_CHARS + 1), ("code", session_flow.CODE_MAX_CHARS + 1)])
def test_oversize_text_is_refused(client, clock, field, size):
    session = book_session()
    open_window(session)
    start(client, session)
    question = current(session)
    form = {"text": "x" * size} if field == "text" else {"text": "", "code": "x" * size}
    response = answer(client, session, question, **form)
    assert "too long" in response.text
    assert question.answer is None and current(session).position == 0


def test_audio_answer_needs_consent_and_respects_the_cap(app, client, clock):
    app.config["AUDIO_MAX_BYTES"] = 1000
    session = book_session()
    open_window(session)
    start(client, session)
    question = current(session)
    response = answer(client, session, question, audio=(io.BytesIO(b"x" * 100), "a.webm", "audio/webm"))
    assert "consent" in response.text and question.answer is None
    start(client, session, audio_consent="yes")
    assert db.session.get(InterviewSession, session.id).audio_consent_at == timeutil.now()
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "session.audio_consent")) is not None  # history
    response = answer(client, session, question, audio=(io.BytesIO(b"\x1aE\xdf\xa3" + b"x" * 997), "a.webm", "audio/webm"))
    assert "recording is too large" in response.text and question.answer is None
    response = answer(client, session, question, audio=(io.BytesIO(b"<html>"), "a.html", "text/html"))
    assert "not an audio file" in response.text and question.answer is None
    # A declared audio type must match the bytes: a page or an Ogg file labelled WebM is refused.
    for data in (b"<html><script>alert(1)</script>", b"OggS\x00\x02 voice"):
        response = answer(client, session, question, audio=(io.BytesIO(data), "a.webm", "audio/webm"))
        assert "not the audio it claims to be" in response.text and question.answer is None
    folder = recordings.audio_folder()
    assert not folder.exists() or not any(folder.iterdir())  # nothing refused was written
    answer(client, session, question, text="", audio=(io.BytesIO(b"\x1aE\xdf\xa3 voice"), "a.webm", "audio/webm"))
    db.session.refresh(question)
    stored = recordings.audio_folder() / question.answer.audio_stored_name
    assert stored.read_bytes() == b"\x1aE\xdf\xa3 voice" and question.answer.audio_content_type == "audio/webm"


def test_request_larger_than_the_upload_cap_gets_413(app, client, clock):
    session = book_session()
    open_window(session)
    start(client, session)
    big = io.BytesIO(b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    response = answer(client, session, current(session), audio=(big, "a.webm", "audio/webm"))
    assert response.status_code == 413
    assert current(session).answer is None


@BOTH_DATABASES
def test_two_tabs_the_later_takes_over(client, clock, backend):
    session = book_session()
    open_window(session)
    start(client, session, client_id=CLIENT_A)
    start(client, session, client_id=CLIENT_B)
    question = current(session)
    response = answer(client, session, question, client_id=CLIENT_A)
    assert stage_view(response.text) == ("interview", "taken_over")
    assert "open in another tab" in response.text and question.answer is None
    heartbeat = client.get(
        "/interview/stage",
        query_string={"session_key": session.session_key, "question_id": str(question.id), "client_id": CLIENT_A},
        headers=hx(),
    )
    assert stage_view(heartbeat.text) == ("interview", "taken_over")
    heartbeat = client.get(
        "/interview/stage",
        query_string={"session_key": session.session_key, "question_id": str(question.id), "client_id": CLIENT_B},
        headers=hx(),
    )
    assert heartbeat.status_code == 204
    answer(client, session, question, client_id=CLIENT_B)
    assert question.answer is not None
    # "Continue in this tab" takes it back.
    start(client, session, client_id=CLIENT_A)
    assert stage_view(answer(client, session, current(session), client_id=CLIENT_B).text) == ("interview", "taken_over")


def heartbeat(client, session_key, question_id, client_id=CLIENT_A):
    query = {"session_key": session_key, "question_id": str(question_id), "client_id": client_id}
    return client.get("/interview/stage", query_string=query, headers=hx())


@BOTH_DATABASES
def test_a_heartbeat_that_changes_nothing_is_one_select_outside_any_transaction(client, clock, backend, tmp_path):
    session = book_session()
    open_window(session)
    start(client, session)
    key, question_id = session.session_key, current(session).id
    with driver_trace(backend, tmp_path / "driver.trace") as traced:
        assert heartbeat(client, key, question_id).status_code == 204
    trace = traced[0]
    assert len(trace.statements) == 1, trace.statements
    columns = trace.statements[0].split(" FROM ")[0]
    assert columns.startswith("SELECT") and "job_description" not in columns and "interview_questions.text" not in columns
    assert trace.transactions == []
    if backend == "postgresql":
        assert trace.round_trips == 1


@BOTH_DATABASES
def test_heartbeat_moves_on_when_the_question_timed_out(client, clock, backend):
    session = book_session()
    open_window(session)
    start(client, session)
    question = current(session)
    clock.advance(timedelta(seconds=question.time_limit_seconds + session_flow.SUBMIT_GRACE_SECONDS - 1))
    assert heartbeat(client, session.session_key, question.id).status_code == 204  # the last second of the grace
    assert db.session.scalar(db.select(db.func.count(InterviewAnswer.id))) == 0
    clock.advance(timedelta(seconds=1))
    response = heartbeat(client, session.session_key, question.id)
    assert response.status_code == 200 and "Question 2 of" in response.text
    assert db.session.scalars(db.select(InterviewAnswer.timed_out)).all() == [True]
    assert current(session).position == 1


@BOTH_DATABASES
def test_a_heartbeat_from_a_question_no_longer_current_gets_the_current_stage(client, clock, backend):
    session = book_session()
    open_window(session)
    start(client, session)
    first = current(session)
    answer(client, session, first)
    response = heartbeat(client, session.session_key, first.id)
    assert (
        response.status_code == 200
        and stage_view(response.text) == ("interview", "question")
        and "Question 2 of" in response.text
    )
    for question in list(session.questions)[1:]:
        answer(client, session, question)
    response = heartbeat(client, session.session_key, question.id)
    assert response.status_code == 200 and stage_view(response.text) == ("completed", "completed")
    assert heartbeat(client, "x" * 43, first.id).status_code == 404


def test_server_restart_mid_interview_resumes(app_config, clock):
    first_app = create_app(app_config)
    first_app.test_client_class = CSRFClient
    with first_app.app_context():
        db.create_all()
        session = book_session()
        key = session.session_key
        open_window(session)
        client = first_app.test_client()
        start(client, session)
        answer(client, session, current(session), text="before the restart")
        second_id = str(current(session).id)
        db.session.remove()
        db.engine.dispose()
    clock.advance(timedelta(seconds=40))
    second_app = create_app(app_config)
    with second_app.app_context():
        html = second_app.test_client().get(f"/?session_key={key}").text
        assert "Question 2 of" in html and second_id in html
        session = db.session.scalars(db.select(InterviewSession).where(InterviewSession.session_key == key)).one()
        assert f'data-seconds-left="{current(session).time_limit_seconds - 40}"' in html
        db.session.remove()


def test_non_htmx_posts_redirect_back_to_the_portal(client, clock):
    session = book_session()
    open_window(session)
    response = client.post("/interview/start", data={"session_key": session.session_key, "client_id": CLIENT_A})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/?session_key={session.session_key}")
    response = client.post(
        "/interview/answer",
        data={"session_key": session.session_key, "question_id": str(current(session).id), "text": "hi", "client_id": CLIENT_A},
    )
    assert response.status_code == 303
    assert session.questions[0].answer.text == "hi"


def test_portal_posts_need_csrf(client, clock):
    session = book_session()
    open_window(session)
    response = client.post("/interview/start", data={"session_key": session.session_key}, headers=hx(), csrf=False)
    assert response.status_code == 400


def _at_once(app, count, call):
    """`count` threads, each with its own test client, calling `call(client)` at the same moment."""
    barrier = threading.Barrier(count, timeout=30)
    answers = [None] * count

    def run(index):
        client = app.test_client()
        barrier.wait()
        response = call(client)
        answers[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


@BOTH_DATABASES
def test_simultaneous_starts_open_one_interview(app, clock, backend):
    session = book_session()
    open_window(session)
    key, session_id = session.session_key, session.id
    db.session.remove()
    answers = _at_once(app, 10, lambda client: client.post("/ai/start", json={"session_key": key}))
    assert [status for status, _ in answers] == [200] * 10, answers
    assert len({body["question_id"] for _, body in answers}) == 1
    session = db.session.get(InterviewSession, session_id)
    assert session.status == "in_progress" and session.interview.status == "in_progress"
    assert len(session.questions) == answers[0][1]["total"]
    started = db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action == "interview.started")
    assert db.session.scalar(started) == 1


@BOTH_DATABASES
def test_simultaneous_answers_to_one_question_store_one(app, clock, backend):
    session = book_session()
    open_window(session)
    start = session_flow.start_interview(session, clock.now())
    key, question_id, session_id = start.session_key, str(session_flow.current_question(start).id), start.id
    db.session.remove()
    body = {"session_key": key, "question_id": question_id, "text": "The same words"}
    answers = _at_once(app, 20, lambda client: client.post("/ai/answer", json=body))
    assert {status for status, _ in answers} == {200}, answers
    assert sorted(reply["saved"] for _, reply in answers) == [False] * 19 + [True]
    assert {reply["index"] for _, reply in answers} == {1}
    stored = db.select(db.func.count()).select_from(InterviewAnswer).where(InterviewAnswer.session_id == session_id)
    assert db.session.scalar(stored) == 1
