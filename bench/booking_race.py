"""Race benchmark: N concurrent bookings of different candidates into one slot of capacity C.

PostgreSQL: a scratch database served by gunicorn with 4 workers; SQLite: a threaded server in
this process. Each request is the API's book endpoint. Expected: exactly C succeed, N - C get
409, 0 errors, and the slot's seat count is C.

    .venv/bin/python bench/booking_race.py [--requests 200] [--capacity 5] [--pg-url URL] [--skip-pg]
"""
import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from models import Candidate, Interview, InterviewSlot, Job, Role, db  # noqa: E402
from services import accounts, timeutil  # noqa: E402


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(app, requests, capacity):
    """An admin token, a job, `requests` candidates with PENDING interviews, one slot. Returns ids."""
    with app.app_context():
        db.create_all()
        admin = accounts.create_user(f"bench-{secrets.token_hex(3)}@example.com", secrets.token_urlsafe(16), Role.ADMIN)
        db.session.flush()
        token = accounts.create_token(admin, "bench")
        job = Job(job_title="Race Engineer", company_name="Bench")
        start = timeutil.now() + timedelta(days=2)
        slot = InterviewSlot(job=job, start_at=start, end_at=start + timedelta(minutes=30), max_candidates=capacity)
        db.session.add_all([job, slot])
        interviews = []
        for n in range(requests):
            candidate = Candidate(job=job, full_name=f"Racer {n}", email=f"racer{n}@example.com")
            interviews.append(Interview(candidate=candidate, job=job))
        db.session.add_all(interviews)
        db.session.commit()
        return token, str(slot.id), [str(i.id) for i in interviews]


def fire(base_url, token, slot_id, interview_ids, threads=50):
    """All bookings at once (released together by a barrier); returns a Counter of outcomes."""
    barrier = threading.Barrier(min(threads, len(interview_ids)))

    def book(interview_id):
        body = json.dumps({"interview_id": interview_id, "booking_notes": "race"}).encode()
        request = urllib.request.Request(
            f"{base_url}/api/interviews/slots/{slot_id}/book_slot/",
            data=body,
            method="POST",
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return "connection error"

    with ThreadPoolExecutor(threads) as pool:
        return Counter(pool.map(book, interview_ids))


def seats(app, slot_id):
    with app.app_context():
        slot = db.session.get(InterviewSlot, __import__("uuid").UUID(slot_id))
        active = db.session.query(Interview).filter(Interview.slot_id == slot.id, Interview.status == "scheduled").count()
        return slot.current_bookings, active


def report(label, outcomes, seat_count, active, requests, capacity, elapsed):
    succeeded, refused = outcomes.get(201, 0), outcomes.get(409, 0)
    errors = sum(count for code, count in outcomes.items() if code not in (201, 409))
    ok = (succeeded, refused, errors, seat_count, active) == (capacity, requests - capacity, 0, capacity, capacity)
    print(
        f"{label}: succeeded={succeeded} 409={refused} errors={errors} seat_count={seat_count} "
        f"active_interviews={active} time={elapsed:.2f}s -> {'PASS' if ok else 'FAIL'}"
    )
    if errors:
        print(f"  other outcomes: {dict((k, v) for k, v in outcomes.items() if k not in (201, 409))}")
    return ok


def run_sqlite(requests, capacity):
    """Threads against a threaded HTTP server over one SQLite file."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/race.db",
            "SECRET_KEY": "bench",
            "MAIL_SERVER": None,
            "OUTBOX_IN_PROCESS": False,
            "RATELIMIT_ENABLED": False,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 60, "max_overflow": 10},
        })
        token, slot_id, interview_ids = seed(app, requests, capacity)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        started = time.perf_counter()
        try:
            outcomes = fire(f"http://127.0.0.1:{server.server_port}", token, slot_id, interview_ids)
        finally:
            server.shutdown()
        elapsed = time.perf_counter() - started
        seat_count, active = seats(app, slot_id)
        with app.app_context():
            db.engine.dispose()
        return report("SQLite (threads)", outcomes, seat_count, active, requests, capacity, elapsed)


def run_postgres(base_url, requests, capacity, workers):
    """Gunicorn with `workers` processes against a scratch PostgreSQL database."""
    name = f"bench_race_{secrets.token_hex(4)}"
    admin_engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    server = None
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "MAIL_SERVER": None})
        token, slot_id, interview_ids = seed(app, requests, capacity)
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret",
            "BACKEND_URL": f"http://127.0.0.1:{port}",
            "OUTBOX_IN_PROCESS": "false",
            "MAIL_SERVER": "",
            "EMAIL_HOST": "",
        }
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"],
            cwd=ROOT,
            env=env,
        )
        wait_until_up(f"http://127.0.0.1:{port}", token)
        started = time.perf_counter()
        outcomes = fire(f"http://127.0.0.1:{port}", token, slot_id, interview_ids)
        elapsed = time.perf_counter() - started
        seat_count, active = seats(app, slot_id)
        with app.app_context():
            db.engine.dispose()
        return report(f"PostgreSQL (gunicorn, {workers} workers)", outcomes, seat_count, active, requests, capacity, elapsed)
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


def wait_until_up(base_url, token, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(f"{base_url}/api/", headers={"Authorization": f"Token {token}"})
            with urllib.request.urlopen(request, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    results = [run_sqlite(args.requests, args.capacity)]
    if not args.skip_pg:
        results.append(run_postgres(args.pg_url, args.requests, args.capacity, args.workers))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
