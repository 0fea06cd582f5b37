"""A big interview day: 1,000 sessions in one hour against gunicorn (4 workers) on PostgreSQL.

500 candidates are in their join window: starting, heart-beating every 15 s and answering; 500
wait for theirs, their countdown pages resyncing every 30 s. wrk (bench/interview_day.lua) drives
them in those proportions (per minute 2,000 heartbeats, 1,000 resyncs, 250 answers, 50 starts) as
fast as the server answers, in alternating rounds with the bare `return "ok"` route (each loaded
run between two bare runs, against their mean), and reports the medians of the rounds' ratios
(with the lowest and highest):

- the saturated mix's req/s ÷ the bare route's (target >= 0.2), its errors (0) and its p95;
- what a heartbeat that changes nothing costs ÷ what a bare request costs, both loaded alone:
  bare req/s ÷ heartbeat req/s (target <= 1.5).

The bare route is loaded through the same script (its "bare" mode), so both sides of each ratio
pay the same client costs on this machine's two cores.

Every response is checked as the candidate's page would read it (a heartbeat that changes
nothing is a 204, an answer brings the next question, ...); anything else counts as an error.
Question time limits are set to an hour, so no question runs out during the run (a heartbeat
would then rightly change something).

    .venv/bin/python bench/interview_day.py [--rounds 5] [--seconds 3] [--connections 16]
"""

import argparse
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from support import ROOT, app_config, gunicorn, result, scratch_postgres  # noqa: I001  (puts the repo on sys.path)

from app import create_app
from models import (
    Candidate,
    CandidateStatus,
    Interview,
    InterviewQuestion,
    InterviewSession,
    InterviewSlot,
    InterviewStatus,
    InterviewType,
    Job,
    SessionStatus,
    db,
)
from services import timeutil
from services.interviewer import llm

MIX_TARGET, HEARTBEAT_TARGET = 0.2, 1.5
OPEN, WAITING, PRESTARTED = 500, 500, 400  # sessions in their window, waiting for it; of the open, started before the run
SCRIPT = ROOT / "bench/interview_day.lua"
RESUME = "Backend developer, 6 years of Python, Flask, SQL and PostgreSQL; REST APIs; Docker; pytest."


def seed(database_url):
    """1,000 sessions in one hour: 500 whose window opened two minutes ago (400 of them started),
    500 later in the hour. Written as booking and starting write them, in bulk (booking 1,000
    interviews one by one would take a minute and a half)."""
    app = create_app(app_config(database_url))
    with app.app_context():
        db.create_all()
        job = Job(
            job_title="Backend Engineer",
            company_name="Bench",
            job_description="Python, SQL, REST APIs, Docker and testing.",
            coding_language="PYTHON",
        )
        now = timeutil.now()
        open_slot = InterviewSlot(
            job=job, start_at=now - timedelta(minutes=2), end_at=now + timedelta(minutes=28), max_candidates=OPEN
        )
        later = [
            InterviewSlot(
                job=job,
                start_at=now + timedelta(minutes=10 + 5 * n),
                end_at=now + timedelta(minutes=40 + 5 * n),
                max_candidates=WAITING // 10,
            )
            for n in range(10)
        ]
        sessions = []
        for n in range(OPEN + WAITING):
            slot = open_slot if n < OPEN else later[(n - OPEN) % len(later)]
            candidate = Candidate(
                job=job, full_name=f"Candidate {n}", email=f"candidate{n}@example.com", status=CandidateStatus.SCHEDULED
            )
            key = secrets.token_urlsafe(32)
            interview = Interview(
                candidate=candidate,
                job=job,
                slot=slot,
                status=InterviewStatus.SCHEDULED,
                started_at=slot.start_at,
                ended_at=slot.end_at,
                session_key=key,
            )
            sessions.append(
                InterviewSession(
                    interview=interview,
                    session_key=key,
                    candidate_name=candidate.full_name,
                    candidate_email=candidate.email,
                    job_title=job.job_title,
                    company_name=job.company_name,
                    job_description=job.job_description,
                    resume_text=RESUME,
                    coding_language=job.coding_language,
                    interview_type=InterviewType.TECHNICAL,
                    duration_minutes=30,
                    scheduled_at=slot.start_at,
                    status=SessionStatus.SCHEDULED,
                    keyword_analysis={},
                )
            )
        for session in sessions[:PRESTARTED]:  # what start_interview writes, but the audit event
            session.keyword_analysis, plan = llm.plan_questions(session)
            session.questions = [InterviewQuestion(position=position, **item) for position, item in enumerate(plan)]
            session.status, session.interview.status = SessionStatus.IN_PROGRESS, InterviewStatus.IN_PROGRESS
            session.started_at = session.question_started_at = now
            session.current_question_index, session.active_client_id = 0, f"tab-{session.session_key[:16]}"
        db.session.add_all([job, open_slot, *later, *sessions])
        db.session.commit()
        db.engine.dispose()
    return app


def write_state(app, path):
    """The state file for the Lua script, read from the database as the round starts."""
    with app.app_context():
        db.session.execute(update(InterviewQuestion).values(time_limit_seconds=3600))
        db.session.commit()
        now = timeutil.now()
        lines = []
        sessions = db.session.execute(
            select(
                InterviewSession.session_key,
                InterviewSession.status,
                InterviewSession.scheduled_at,
                InterviewSession.active_client_id,
                InterviewQuestion.id,
            )
            .outerjoin(
                InterviewQuestion,
                (InterviewQuestion.session_id == InterviewSession.id)
                & (InterviewQuestion.position == InterviewSession.current_question_index),
            )
            .order_by(InterviewSession.session_key)
        )
        for key, status, scheduled_at, client_id, question_id in sessions:
            if status == SessionStatus.IN_PROGRESS and question_id is not None:
                lines.append(f"P {key} {question_id} {client_id}")
            elif status == SessionStatus.SCHEDULED:
                lines.append(
                    f"W {key}" if scheduled_at - timedelta(seconds=app.config["EARLY_JOIN_SECONDS"]) > now else f"S {key}"
                )
        db.session.remove()
        db.engine.dispose()
    path.write_text("\n".join(lines) + "\n")


def wrk(url, seconds, connections, *script_args):
    """(req/s, errors, p95 ms) of one wrk run of interview_day.lua (STATE_FILE, MODE)."""
    command = [
        "wrk",
        "-t",
        str(connections),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        url,
        "--",
        *map(str, script_args),
        str(connections),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", output))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"^ERRORS (\d+)", output, re.M))
    p95 = re.search(r"^P95_US (\d+)", output, re.M)
    for line in re.findall(r"^FIRST_ERROR .*", output, re.M):
        print(line, flush=True)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), errors, int(p95.group(1)) / 1000 if p95 else None


def spread(values):
    return f"median {statistics.median(values):.2f}, lowest {min(values):.2f}, highest {max(values):.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=3, help="per load and round")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk; `make bench` does it)")
    mix_ratios, heartbeat_costs, p95s, errors = [], [], [], 0
    with scratch_postgres() as database_url, tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        app = seed(database_url)
        print(f"seeded {OPEN + WAITING} sessions in {time.monotonic() - started:.0f} s", flush=True)
        state = Path(tmp) / "state.txt"
        with gunicorn(database_url, workers=4, app_spec="bench.support:app_with_ok_route()") as base_url:
            write_state(app, state)
            wrk(base_url, 1, args.connections, state, "heartbeat")  # warm-up: imports, templates, pools

            def run(mode):
                nonlocal errors
                write_state(app, state)
                rate, run_errors, p95 = wrk(base_url, args.seconds, args.connections, state, mode)
                errors += run_errors
                return rate, run_errors, p95

            # Bare, mix, bare, heartbeats, bare, ...: each loaded side against the mean of the bare
            # runs just before and after it, which cancels the machine's drift across the pair.
            bare_before = run("bare")[0]
            for _ in range(args.rounds):
                mix, mix_errors, p95 = run("mix")
                bare_between = run("bare")[0]
                heartbeat, heartbeat_errors, _ = run("heartbeat")
                bare_after = run("bare")[0]
                mix_bare, heartbeat_bare = (bare_before + bare_between) / 2, (bare_between + bare_after) / 2
                mix_ratios.append(mix / mix_bare)
                heartbeat_costs.append(heartbeat_bare / heartbeat)
                p95s.append(p95)
                print(
                    f"mix {mix:.0f} req/s vs bare {mix_bare:.0f} (ratio {mix / mix_bare:.2f}, p95 {p95:.0f} ms); heartbeats "
                    f"{heartbeat:.0f} req/s vs bare {heartbeat_bare:.0f} (cost {heartbeat_bare / heartbeat:.2f}x); errors {mix_errors + heartbeat_errors}",
                    flush=True,
                )
                bare_before = bare_after
    mix_ratio, heartbeat_cost = statistics.median(mix_ratios), statistics.median(heartbeat_costs)
    print(f"saturated mix / bare: {spread(mix_ratios)} (target >= {MIX_TARGET})")
    print(f"heartbeat cost / bare: {spread(heartbeat_costs)} (target <= {HEARTBEAT_TARGET})")
    passed = [
        result(
            "interview day: saturated mix req/s / bare req/s (median)",
            round(mix_ratio, 2),
            f">= {MIX_TARGET}",
            mix_ratio >= MIX_TARGET,
        ),
        result(
            "interview day: no-change heartbeat cost / bare (median)",
            round(heartbeat_cost, 2),
            f"<= {HEARTBEAT_TARGET}",
            heartbeat_cost <= HEARTBEAT_TARGET,
        ),
        result("interview day: errors", errors, 0, errors == 0),
        result("interview day: saturated mix p95 (ms, median)", round(statistics.median(p95s)), "reported", True),
    ]
    return 0 if all(passed) else 1


if __name__ == "__main__":
    sys.exit(main())
