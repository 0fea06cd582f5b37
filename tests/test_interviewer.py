"""The interviewer without HTTP: keyword analysis, the offline plan, coverage, the LLM provider and its fall-back."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import create_engine, text

from models import CodingLanguage, InterviewSession
from services import timeutil
from services.interviewer import audio as recordings
from services.interviewer import keywords, llm, question_bank, session_flow
from tests.conftest import serving
from tests.portal_support import book_session, open_window

JOB = "Job title: Senior Data Engineer\nWe need Python, PostgreSQL and Docker; REST APIs; machine learning a plus."
RESUME = "Data engineer, 7 years. Python, pandas, SQL, Kafka and AWS."


@pytest.fixture(autouse=True)
def app_context(app):
    """plan_questions reads the LLM settings from the app's config."""
    return app


def make_session(key="k" * 43, language="PYTHON", kind="technical", job=JOB, resume=RESUME):
    """An unsaved session snapshot (the plan needs no database)."""
    return InterviewSession(
        session_key=key,
        job_title="Data Engineer",
        company_name="Acme",
        job_description=job,
        resume_text=resume,
        coding_language=language,
        interview_type=kind,
        keyword_analysis={"CODING_LANG": language},
    )


def test_keyword_analysis_finds_skills_language_and_level():
    analysis = keywords.analyse_keywords(JOB, RESUME, "PYTHON")
    assert analysis["CODING_LANG"] == "PYTHON" and analysis["coding_language"] == "PYTHON"
    assert {"python", "sql", "devops", "apis", "machine_learning"} <= set(analysis["job_skills"])
    assert {"python", "sql", "system_design", "devops"} <= set(analysis["resume_skills"])
    assert "python" in analysis["matched_skills"]
    assert analysis["experience_years"] == 7 and analysis["difficulty"] == 3  # "Senior"
    assert "postgresql" in analysis["keywords"] and "the" not in analysis["keywords"]


def test_c_sharp_and_dotnet_are_recognised():
    assert "csharp" in keywords.analyse_keywords("We use C# on .NET 8.", "", "CSHARP")["job_skills"]


@pytest.mark.parametrize("language", list(CodingLanguage))
def test_plan_has_6_to_10_questions_and_a_coding_task_in_the_jobs_language(language):
    session = make_session(language=language)
    analysis, plan = llm.plan_questions(session)
    assert 6 <= len(plan) <= 10
    assert plan[0]["kind"] == "intro" and plan[-1]["kind"] == "closing"
    coding = [q for q in plan if q["kind"] == "coding"]
    assert len(coding) >= 1
    tasks = {t["id"] for t in question_bank.load_bank()["coding"]["languages"][language]}
    assert all(q["source"] in tasks and q["starter_code"] for q in coding)
    assert any(q["kind"] == "behavioural" for q in plan)
    assert all(q["expected_points"] and q["time_limit_seconds"] > 0 for q in plan)
    assert analysis["provider"] == "offline"
    assert len({q["source"] for q in plan}) == len(plan)  # no question twice


def test_coding_interviews_have_more_coding_tasks():
    plan = question_bank.offline_plan(make_session(kind="coding"), keywords.analyse_keywords(JOB, RESUME, "PYTHON"))
    assert sum(q["kind"] == "coding" for q in plan) >= 3 and len(plan) <= 10


def test_plan_is_deterministic_per_session_key():
    first = llm.plan_questions(make_session(key="a" * 43))[1]
    assert llm.plan_questions(make_session(key="a" * 43))[1] == first
    others = {tuple(q["source"] for q in llm.plan_questions(make_session(key=c * 43))[1]) for c in "bcdefgh"}
    assert len(others) > 1  # different candidates do not all get the same interview


def test_plan_adapts_questions_to_the_job_and_resume():
    plan = llm.plan_questions(make_session())[1]
    assert plan[0]["kind"] == "intro" and "the Data Engineer role" in plan[0]["text"]  # every opening names the role
    technical = [q for q in plan if q["kind"] == "technical"]
    assert technical[0]["text"].startswith("Your resume mentions")
    assert not any("{" in q["text"] for q in plan)


def test_plan_without_resume_or_skills_still_works():
    analysis, plan = llm.plan_questions(make_session(job="", resume=""))
    assert analysis["job_skills"] == [] and 6 <= len(plan) <= 10
    assert any(q["source"].startswith("py-") for q in plan if q["kind"] == "technical")


@pytest.mark.parametrize(
    "answer, matched",
    [
        (
            "Use the global interpreter lock knowledge: only one thread runs bytecode; threads help I/O, multiprocessing for CPU work.",
            4,
        ),
        ("I would rather talk about something else.", 0),
        ("", 0),
    ],
)
def test_keyword_coverage(answer, matched):
    points = ["global interpreter lock", "one thread runs bytecode", "threads for I/O", "multiprocessing for CPU"]
    coverage = keywords.keyword_coverage(points, answer)
    assert len(coverage["matched"]) == matched
    assert len(coverage["matched"]) + len(coverage["missing"]) == 4
    assert coverage["ratio"] == round(matched / 4, 2)


# --- the optional LLM provider, against a local fake server -------------------------------------


class FakeLLM(BaseHTTPRequestHandler):
    reply = None  # (status, body), or a callable giving (status, body)
    requests = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeLLM.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if callable(FakeLLM.reply):  # a probe run while the app waits, then its answer
            status, payload = FakeLLM.reply()
        else:
            status, payload = FakeLLM.reply
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_llm(app):
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), FakeLLM)) as server:
        FakeLLM.requests = []
        app.config.update(
            LLM_API_BASE=f"http://127.0.0.1:{server.server_port}/v1",
            LLM_API_KEY="sk-test",
            LLM_MODEL="tiny-model",
            LLM_TIMEOUT_SECONDS=1,
        )
        yield FakeLLM


def chat_reply(questions):
    content = "```json\n" + json.dumps({"questions": questions}) + "\n```"
    return 200, {"choices": [{"message": {"role": "assistant", "content": content}}]}


LLM_QUESTIONS = (
    [{"kind": "intro", "text": "Tell us about yourself.", "expected_points": ["background"], "time_limit_seconds": 120}]
    + [
        {"kind": "technical", "text": f"Technical question {n}?", "expected_points": ["point"], "time_limit_seconds": 180}
        for n in range(4)
    ]
    + [
        {
            "kind": "coding",
            "text": "Reverse a list.",
            "expected_points": ["slicing"],
            "time_limit_seconds": 600,
            "starter_code": "def rev(xs):\n    pass\n",
        }
    ]
    + [{"kind": "closing", "text": "Anything else?", "expected_points": [], "time_limit_seconds": 5}]
)


def test_llm_plan_is_used_when_the_provider_answers(fake_llm):
    fake_llm.reply = chat_reply(LLM_QUESTIONS)
    analysis, plan = llm.plan_questions(make_session())
    assert analysis["provider"] == "llm"
    assert [q["text"] for q in plan] == [q["text"] for q in LLM_QUESTIONS]
    assert all(q["source"] == "llm" for q in plan)
    assert plan[-1]["time_limit_seconds"] == 60  # clamped to a sane minimum
    request = fake_llm.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "tiny-model"
    assert "Python" in request["body"]["messages"][1]["content"]


@pytest.mark.parametrize(
    "reply",
    [
        (500, {"error": "overloaded"}),
        (200, {"choices": [{"message": {"content": "not json at all"}}]}),
        (200, {"unexpected": True}),
        chat_reply([q for q in LLM_QUESTIONS if q["kind"] != "coding"]),  # no coding task
        chat_reply(LLM_QUESTIONS[:3]),  # too few
        chat_reply([{**q, "kind": "quiz"} for q in LLM_QUESTIONS]),
    ],
    ids=["http-500", "not-json", "no-choices", "no-coding", "too-few", "bad-kind"],
)
def test_llm_failures_fall_back_to_the_bank(fake_llm, reply):
    fake_llm.reply = reply
    analysis, plan = llm.plan_questions(make_session())
    assert analysis["provider"] == "offline"
    assert plan == question_bank.offline_plan(make_session(), analysis)


def test_a_provider_slower_than_the_timeout_is_not_waited_for(app, fake_llm):
    app.config["LLM_TIMEOUT_SECONDS"] = 0.3  # the test waits this long once
    gave_up = threading.Event()

    def late_good_reply():
        gave_up.wait(10)  # held until the app has given up; 10 s is far past LLM_TIMEOUT_SECONDS
        return chat_reply(LLM_QUESTIONS)

    fake_llm.reply = late_good_reply
    analysis, plan = llm.plan_questions(make_session())
    gave_up.set()
    assert analysis["provider"] == "offline"  # had it waited, the good plan would have been used
    assert plan == question_bank.offline_plan(make_session(), analysis)


def test_unreachable_provider_falls_back(app):
    app.config.update(LLM_API_BASE="http://127.0.0.1:9/v1", LLM_MODEL="m", LLM_TIMEOUT_SECONDS=1)
    assert llm.plan_questions(make_session())[0]["provider"] == "offline"


@pytest.mark.parametrize("backend", ["postgresql"])
def test_no_transaction_or_lock_is_held_while_the_provider_thinks(fake_llm, clock, backend, database_url):
    """A slow LLM must not keep the session row locked or a database connection in a transaction."""
    session = book_session()
    open_window(session)
    session_id, probe_engine, seen = session.id, create_engine(database_url), {}

    def probe():
        """Runs in the fake provider while the app waits for it."""
        try:
            with probe_engine.connect() as conn:
                conn.execute(text("SELECT id FROM interview_sessions WHERE id = :id FOR UPDATE NOWAIT"), {"id": session_id})
                seen["idle_in_transaction"] = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'"
                    )
                ).scalar()
                conn.rollback()
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            seen["error"] = repr(exc)
        return chat_reply(LLM_QUESTIONS)

    fake_llm.reply = probe
    session_flow.start_interview(session, timeutil.now())
    probe_engine.dispose()
    assert seen == {"idle_in_transaction": 0}
    assert session.status == "in_progress" and session.questions[0].text == LLM_QUESTIONS[0]["text"]


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x1aE\xdf\xa3\x9fB\x86\x81\x01", "audio/webm"),
        (b"OggS\x00\x02\x00\x00", "audio/ogg"),
        (b"\x00\x00\x00\x1cftypM4A ", "audio/mp4"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "audio/wav"),
        (b"ID3\x04\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64", "audio/mpeg"),
        (b"<html><script>", None),
        (b"%PDF-1.7", None),
        (b"RIFF\x24\x08\x00\x00AVI ", None),
        (b"\xff", None),
    ],
)
def test_recordings_are_recognised_by_their_bytes(data, kind):
    assert recordings.sniff_audio(data) == kind
