"""Calendar benchmark: the month view with 1,000 slots and 5,000 bookings against a month with 10.

Prints the SQL statements each render runs (counted with a `before_cursor_execute` listener), the
median render time of each month and the median ratio of renders taken in alternating pairs
(target: same query count, ratio <= 3).
The data is bulk-inserted (5 active interviews per slot, seats counted in current_bookings), not
booked one by one, so the set-up stays quick.

    .venv/bin/python bench/calendar_queries.py [--runs 15] [--database-url URL]
"""

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, insert  # noqa: E402
from support import result  # noqa: I001  (puts the repo on sys.path)

from app import create_app  # noqa: E402
from models import Candidate, Interview, InterviewSlot, Job, Role, db  # noqa: E402
from services import accounts  # noqa: E402

PASSWORD = "bench password 123"
BUSY_MONTH, QUIET_MONTH = datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 3, 1, tzinfo=UTC)


def seed(slot_count, month_start, jobs, per_slot):
    """`slot_count` slots spread over the month's first 28 days, each with `per_slot` bookings."""
    slot_rows, candidate_rows, interview_rows = [], [], []
    for n in range(slot_count):
        job = jobs[n % len(jobs)]
        start = month_start + timedelta(days=n % 28, hours=3 + (n // 28) % 12, minutes=30 * ((n // 336) % 2))
        slot_id = uuid.uuid4()
        slot_rows.append(
            {
                "id": slot_id,
                "job_id": job.id,
                "start_at": start,
                "end_at": start + timedelta(minutes=30),
                "ai_interview_type": "technical",
                "max_candidates": per_slot,
                "current_bookings": per_slot,
                "status": "full",
                "created_at": start,
            }
        )
        for seat in range(per_slot):
            candidate_id = uuid.uuid4()
            candidate_rows.append(
                {
                    "id": candidate_id,
                    "full_name": f"Candidate {n}-{seat}",
                    "email": f"c{n}-{seat}@{month_start:%Y%m}.example.com",
                    "job_id": job.id,
                    "status": "scheduled",
                    "created_at": start,
                    "updated_at": start,
                    "phone": "",
                }
            )
            interview_rows.append(
                {
                    "id": uuid.uuid4(),
                    "candidate_id": candidate_id,
                    "job_id": job.id,
                    "slot_id": slot_id,
                    "status": "scheduled",
                    "started_at": start,
                    "ended_at": start + timedelta(minutes=30),
                    "session_key": uuid.uuid4().hex,
                    "created_at": start,
                    "sequence": 0,
                    "decision": "pending",
                    "review_notes": "",
                }
            )
    for model, rows in ((InterviewSlot, slot_rows), (Candidate, candidate_rows), (Interview, interview_rows)):
        for chunk in range(0, len(rows), 1000):
            db.session.execute(insert(model), rows[chunk : chunk + 1000])
    db.session.commit()
    return len(interview_rows)


def month_url(month_start):
    return f"/slots/?view=month&date={month_start:%Y-%m-%d}"


def count_statements(client, engine, month_start):
    """(SQL statements, slots listed) of one render of the month view."""
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(month_url(month_start))
        assert response.status_code == 200, response.status_code
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements), response.get_data(as_text=True).count('class="slot slot-')


def render_seconds(client, month_start):
    started = time.perf_counter()
    assert client.get(month_url(month_start)).status_code == 200
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="render pairs")
    parser.add_argument("--database-url", help="an EMPTY database (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{tmp}/calendar.db",
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "MAIL_SERVER": None,
                "SESSION_COOKIE_SECURE": False,
            }
        )
        with app.app_context():
            db.create_all()
            accounts.create_user("bench@example.com", PASSWORD, Role.RECRUITER)
            jobs = [Job(job_title=f"Job {n}", company_name="Bench") for n in range(5)]
            db.session.add_all(jobs)
            db.session.commit()
            busy_bookings = seed(1000, BUSY_MONTH, jobs, 5)
            seed(10, QUIET_MONTH, jobs, 1)
            engine = db.engine
        # Requests run outside that app context, each in its own, as in production.
        client = app.test_client()
        assert client.post("/login", data={"email": "bench@example.com", "password": PASSWORD}).status_code == 302
        quiet_queries, _ = count_statements(client, engine, QUIET_MONTH)
        busy_queries, busy_slots = count_statements(client, engine, BUSY_MONTH)
        # Alternating renders, the ratio of each pair: a shared machine's speed drifts within a run.
        quiet_times, busy_times = [], []
        for _ in range(args.runs):
            quiet_times.append(render_seconds(client, QUIET_MONTH))
            busy_times.append(render_seconds(client, BUSY_MONTH))
        if args.database_url:
            with app.app_context():
                db.drop_all()
    ratios = [busy / quiet for quiet, busy in zip(quiet_times, busy_times, strict=True)]
    ratio = statistics.median(ratios)
    print(f"month with 10 slots: {quiet_queries} SQL statements, median render {statistics.median(quiet_times) * 1000:.1f} ms")
    print(
        f"month with 1000 slots and {busy_bookings} bookings ({busy_slots} listed, the rest as '+N more'): {busy_queries} SQL statements, median render {statistics.median(busy_times) * 1000:.1f} ms"
    )
    print(f"render-time ratio of each alternating pair: median {ratio:.2f} (lowest {min(ratios):.2f}, highest {max(ratios):.2f})")
    same_queries = busy_queries == quiet_queries
    print(f"query count constant: {'yes' if same_queries else 'NO'}; render-time ratio {ratio:.2f}x (target <= 3x)")
    print("PASS" if same_queries and ratio <= 3 else "FAIL")
    ok = result("calendar month: SQL statements, 1,000 slots vs 10", f"{busy_queries} vs {quiet_queries}", "equal", same_queries)
    ok &= result("calendar month render time: 1,000 slots + 5,000 bookings / 10 slots", round(ratio, 2), "<= 3", ratio <= 3)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
