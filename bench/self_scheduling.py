"""Self-scheduling benchmarks: a race for one slot through candidates' links, and the picker's cost.

1. Race: N candidates, each with their own scheduling invitation, open their link and pick the
   same slot of capacity C at once, through `/schedule/<token>` on gunicorn (4 workers) over a
   scratch PostgreSQL database. Expected: exactly C booked, N - C told the time was taken (the
   picker again, 422 like every refused form), 0 errors, and the slot's seat count C.
2. Picker: the booking page of a job with 1,000 open slots against one with 10, in this process
   on PostgreSQL: SQL statements per page equal, median render time ≤ 2× (interleaved rounds).

    .venv/bin/python bench/self_scheduling.py [--requests 200] [--capacity 5] [--rounds 15]
    (PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL, else the local server)
"""

import argparse
import contextlib
import re
import statistics
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests
from sqlalchemy import event, func, select
from support import app_config, gunicorn, result, scratch_postgres  # noqa: I001  (puts the repo on sys.path)

from app import create_app
from models import Candidate, Interview, InterviewSlot, Job, db
from services import scheduling, timeutil

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TAKEN = "That time was just taken"


def _job(title):
    job = Job(job_title=title, company_name="Bench")
    db.session.add(job)
    db.session.flush()
    return job


def _slots(job, count, capacity):
    """`count` slots spread over the days the job's rules offer (past the notice, inside the horizon)."""
    first = timeutil.now() + timedelta(hours=job.min_notice_hours + 1)
    span_minutes = (job.booking_horizon_days * 24 - job.min_notice_hours - 2) * 60
    step = span_minutes // count
    slots = [
        InterviewSlot(
            job=job,
            start_at=first + timedelta(minutes=n * step),
            end_at=first + timedelta(minutes=n * step + 30),
            max_candidates=capacity,
        )
        for n in range(count)
    ]
    db.session.add_all(slots)
    db.session.flush()
    return slots


def _invited(job, count):
    """`count` candidates of `job`, each invited; returns their raw link tokens."""
    candidates = [Candidate(job=job, full_name=f"Picker {n}", email=f"picker{n}@example.com") for n in range(count)]
    db.session.add_all(candidates)
    db.session.commit()
    return [scheduling.invite(candidate)[1].rsplit("/", 1)[1] for candidate in candidates]


def seed_race(app, candidates, capacity):
    with app.app_context():
        db.create_all()
        job = _job("Race Engineer")
        slot = _slots(job, 1, capacity)[0]
        slot_id = str(slot.id)
        db.session.commit()
        return slot_id, _invited(job, candidates)


def pick(base_url, token, slot_id, barrier):
    """One candidate: open the link (cookie + CSRF token), wait for everyone, book the slot."""
    with requests.Session() as browser:
        try:
            page = browser.get(f"{base_url}/schedule/{token}", params={"slot_id": slot_id}, timeout=60)  # the confirm step
            csrf = CSRF_FIELD.search(page.text)
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=60)
            form = {"slot_id": slot_id, "csrf_token": csrf.group(1) if csrf else ""}
            answer = browser.post(f"{base_url}/schedule/{token}/book", data=form, allow_redirects=False, timeout=60)
        except requests.RequestException:
            return "connection error"
    if answer.status_code == 302 and "done=booked" in answer.headers.get("Location", ""):
        return "booked"
    if answer.status_code == 422 and TAKEN in answer.text:
        return "taken"
    return f"HTTP {answer.status_code}"


def seats(app, slot_id):
    with app.app_context():
        slot = db.session.get(InterviewSlot, uuid.UUID(slot_id))
        booked = db.session.scalar(
            select(func.count()).select_from(Interview).where(Interview.slot_id == slot.id, Interview.status == "scheduled")
        )
        return slot.current_bookings, booked


def run_race(candidates, capacity, workers):
    with scratch_postgres() as url:
        app = create_app(app_config(url))
        slot_id, tokens = seed_race(app, candidates, capacity)
        with gunicorn(url, workers=workers) as base_url:
            barrier = threading.Barrier(len(tokens))
            started = time.perf_counter()
            with ThreadPoolExecutor(len(tokens)) as pool:
                outcomes = Counter(pool.map(lambda token: pick(base_url, token, slot_id, barrier), tokens))
            elapsed = time.perf_counter() - started
        seat_count, booked_rows = seats(app, slot_id)
        with app.app_context():
            db.engine.dispose()
    booked, taken = outcomes.get("booked", 0), outcomes.get("taken", 0)
    errors = candidates - booked - taken
    ok = (booked, taken, errors, seat_count, booked_rows) == (capacity, candidates - capacity, 0, capacity, capacity)
    print(
        f"race: booked={booked} taken={taken} errors={errors} seat_count={seat_count} "
        f"booked_rows={booked_rows} time={elapsed:.2f}s -> {'PASS' if ok else 'FAIL'}"
    )
    if errors:
        print(f"  other outcomes: {dict((k, v) for k, v in outcomes.items() if k not in ('booked', 'taken'))}")
    return result(
        f"self-scheduling race: {candidates} links into {capacity} seats, gunicorn {workers} workers (booked/taken/errors/seats)",
        f"{booked}/{taken}/{errors}/{seat_count}",
        f"{capacity}/{candidates - capacity}/0/{capacity}",
        ok,
    )


def measure_page(client, token, engine):
    """(statements, seconds) of one GET of the booking page."""
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        page = client.get(f"/schedule/{token}")
        seconds = time.perf_counter() - started
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page.status_code == 200, page.status_code
    return len(statements), seconds


def run_picker(rounds):
    with scratch_postgres() as url:
        app = create_app(app_config(url))
        with app.app_context():
            db.create_all()
            tokens = {}
            for size in (10, 1000):
                job = _job(f"Picker {size}")
                _slots(job, size, 2)
                tokens[size] = _invited(job, 1)[0]
            client = app.test_client()
            for size in tokens:  # warm caches (templates, plans) before timing
                measure_page(client, tokens[size], db.engine)
            counts, times = {10: set(), 1000: set()}, {10: [], 1000: []}
            for _ in range(rounds):
                for size in (10, 1000):
                    statements, seconds = measure_page(client, tokens[size], db.engine)
                    counts[size].add(statements)
                    times[size].append(seconds)
            db.engine.dispose()
    small, large = statistics.median(times[10]), statistics.median(times[1000])
    ratio = large / small
    print(
        f"picker: statements 10 slots {sorted(counts[10])}, 1,000 slots {sorted(counts[1000])}; "
        f"median render {small * 1000:.1f} ms vs {large * 1000:.1f} ms -> {ratio:.2f}x"
    )
    equal = counts[10] == counts[1000] and len(counts[10]) == 1
    return [
        result(
            "self-scheduling page: SQL statements, 1,000 vs 10 open slots",
            f"{max(counts[1000])} vs {max(counts[10])}",
            "equal",
            equal,
        ),
        result("self-scheduling page: render time, 1,000 ÷ 10 open slots", round(ratio, 2), "<= 2.0", ratio <= 2.0),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    passed = [run_race(args.requests, args.capacity, args.workers), *run_picker(args.rounds)]
    return 0 if all(passed) else 1


if __name__ == "__main__":
    raise SystemExit(main())
