"""Race benchmark: N concurrent bookings of different candidates into one slot of capacity C.

PostgreSQL: a scratch database served by gunicorn with 4 workers; SQLite: a threaded server in
this process. Each request is the API's book endpoint. Expected: exactly C succeed, N - C get
409, 0 errors, and the slot's seat count is C.

    .venv/bin/python bench/booking_race.py [--requests 200] [--capacity 5] [--skip-pg]
    (PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL, else the local server)
"""

import argparse
import contextlib
import json
import secrets
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from support import app_config, gunicorn, result, scratch_postgres  # noqa: I001  (puts the repo on sys.path)
from werkzeug.serving import make_server

from app import create_app
from models import Candidate, Interview, InterviewSlot, Job, Role, db
from services import accounts, timeutil


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
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=30)
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
        slot = db.session.get(InterviewSlot, uuid.UUID(slot_id))
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
    return result(
        f"booking race {label}: {requests} requests into {capacity} seats (booked/409/errors/seats)",
        f"{succeeded}/{refused}/{errors}/{seat_count}",
        f"{capacity}/{requests - capacity}/0/{capacity}",
        ok,
    )


def run_sqlite(requests, capacity):
    """Threads against a threaded HTTP server over one SQLite file."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(app_config(f"sqlite:///{tmp}/race.db", SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 60, "max_overflow": 10}))
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


def run_postgres(requests, capacity, workers):
    """Gunicorn with `workers` processes against a scratch PostgreSQL database."""
    with scratch_postgres() as url:
        app = create_app(app_config(url))
        token, slot_id, interview_ids = seed(app, requests, capacity)
        with gunicorn(url, workers=workers) as base_url:
            started = time.perf_counter()
            outcomes = fire(base_url, token, slot_id, interview_ids)
            elapsed = time.perf_counter() - started
        seat_count, active = seats(app, slot_id)
        with app.app_context():
            db.engine.dispose()
        return report(f"PostgreSQL (gunicorn, {workers} workers)", outcomes, seat_count, active, requests, capacity, elapsed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    results = [run_sqlite(args.requests, args.capacity)]
    if not args.skip_pg:
        results.append(run_postgres(args.requests, args.capacity, args.workers))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
