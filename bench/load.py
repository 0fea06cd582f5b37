"""Load and faults against gunicorn (4 workers) on a scratch PostgreSQL database, loopback only.

1. Mixed traffic (locust, bench/locustfile.py): recruiters on the calendar, the dashboard and
   booking; candidates on the countdown page, starting interviews, heartbeats and answers, for a
   fixed time. Reports throughput, p50/p95/p99 and errors (target: 0 errors).
2. PostgreSQL restarted in the middle of bookings: while it is down requests fail cleanly (503,
   never a 500 or a hang), afterwards the same gunicorn serves again, and no booking is
   half-written (seat counts agree with bookings; every booking has its session and e-mail).
3. SMTP down in the middle of bookings, with a `flask outbox worker` delivering: every
   invitation arrives once SMTP is back, none twice.

    .venv/bin/python bench/load.py [--seconds 30] [--users 24] [--skip-restart]
"""

import argparse
import csv
import json
import os
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

from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from support import BENCH_ENV, ROOT, app_config, free_port, gunicorn, result, scratch_postgres  # noqa: I001

from app import create_app
from models import Candidate, EmailStatus, Interview, InterviewSlot, Job, OutboxEmail, Role, db
from services import accounts, booking, notifications, timeutil
from tests.booking_support import seat_discrepancies

PASSWORD = "bench password 123"


def seed(database_url, pending=3000, live=200, countdown=50):
    """A recruiter, jobs, a week of roomy slots, pending interviews to book, live and future sessions."""
    app = create_app(app_config(database_url))
    with app.app_context():
        db.create_all()
        user = accounts.create_user("load@example.com", PASSWORD, Role.RECRUITER)
        db.session.flush()
        token = accounts.create_token(user, "load")
        now = timeutil.now()
        jobs = [
            Job(job_title=f"Load Job {n}", company_name="Bench", job_description="Python, SQL, REST APIs and testing.")
            for n in range(3)
        ]
        week = now.date() + timedelta(days=7)
        start = now.replace(hour=4, minute=0, second=0, microsecond=0) + timedelta(days=7)
        slots = [
            InterviewSlot(
                job=jobs[n % 3],
                start_at=start + timedelta(days=n // 8, hours=n % 8),
                end_at=start + timedelta(days=n // 8, hours=n % 8, minutes=30),
                max_candidates=10_000,
            )
            for n in range(40)
        ]
        db.session.add_all(jobs + slots)
        db.session.flush()
        interviews = []
        for n in range(pending):
            job = jobs[n % 3]
            candidate = Candidate(job=job, full_name=f"Pending {n}", email=f"pending{n}@example.com")
            interviews.append(Interview(candidate=candidate, job=job))
        db.session.add_all(interviews)
        db.session.commit()
        slot_ids = [str(s.id) for s in slots]
        # Each pending interview with a slot of its own job to book it into.
        slots_by_job = {job.id: [str(s.id) for s in slots if s.job_id == job.id] for job in jobs}
        pending_ids = [(str(i.id), slots_by_job[i.job_id][n % len(slots_by_job[i.job_id])]) for n, i in enumerate(interviews)]

        def book_sessions(count, start_at, label):
            if not count:
                return []
            slot = InterviewSlot(job=jobs[0], start_at=start_at, end_at=start_at + timedelta(minutes=30), max_candidates=count)
            db.session.add(slot)
            db.session.commit()
            keys = []
            for n in range(count):
                candidate = Candidate(job=jobs[0], full_name=f"{label} {n}", email=f"{label}{n}@example.com")
                db.session.add(candidate)
                db.session.commit()
                keys.append(booking.book_interview(candidate, slot, allow_past=True).session_key)
            return keys

        live_keys = book_sessions(live, now - timedelta(minutes=1), "live")  # inside the join window
        countdown_keys = book_sessions(countdown, now + timedelta(days=1), "later")
        db.engine.dispose()
    return {
        "email": "load@example.com",
        "password": PASSWORD,
        "token": token,
        "week": week.isoformat(),
        "slots": slot_ids,
        "pending_interviews": pending_ids,
        "live_sessions": live_keys,
        "countdown_sessions": countdown_keys,
    }


def mixed_traffic(database_url, args):
    seed_data = seed(database_url)
    with tempfile.TemporaryDirectory() as tmp, gunicorn(database_url, workers=4) as base_url:
        seed_file = Path(tmp) / "seed.json"
        seed_file.write_text(json.dumps(seed_data))
        subprocess.run(
            [
                str(ROOT / ".venv/bin/locust"),
                "-f",
                str(ROOT / "bench/locustfile.py"),
                "--headless",
                "--host",
                base_url,
                "-u",
                str(args.users),
                "-r",
                str(args.users),
                "-t",
                f"{args.seconds}s",
                "--csv",
                f"{tmp}/load",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={**os.environ, "BENCH_SEED": str(seed_file)},
            check=False,
            cwd=ROOT,
        )
        with open(f"{tmp}/load_stats.csv") as stats:
            total = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    throughput = float(total["Requests/s"])
    p50, p95, p99 = (float(total[f"{p}%"]) for p in ("50", "95", "99"))
    print(
        f"mixed traffic: {requests} requests in {args.seconds} s, {throughput:.0f} req/s, p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, failures {failures}"
    )
    ok = result("mixed traffic: errors", failures, 0, failures == 0)
    result("mixed traffic: throughput (req/s)", round(throughput), "reported", requests > 0)
    result("mixed traffic: p50 / p95 / p99 (ms)", f"{p50:.0f} / {p95:.0f} / {p99:.0f}", "p95 <= 500", p95 <= 500)
    return ok and p95 <= 500


class Booker:
    """Threads booking pending interviews through the API until stopped; keeps every outcome."""

    def __init__(self, base_url, token, bookings):
        self.base_url, self.token = base_url, token
        self.bookings = iter(bookings)  # (interview id, slot id)
        self.lock = threading.Lock()
        self.outcomes = []  # (seconds since start, status or error name)
        self.stopping = threading.Event()

    def book_one(self):
        with self.lock:
            pair = next(self.bookings, None)
        if pair is None:
            self.stopping.set()
            return
        interview_id, slot_id = pair
        request = urllib.request.Request(
            f"{self.base_url}/api/interviews/slots/{slot_id}/book_slot/",
            data=json.dumps({"interview_id": interview_id}).encode(),
            method="POST",
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError as error:
            status = type(error).__name__
        self.outcomes.append((time.monotonic() - self.started, status))

    def run(self, seconds, threads=8):
        self.started = time.monotonic()

        def loop(_):
            while not self.stopping.is_set() and time.monotonic() - self.started < seconds:
                self.book_one()

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(loop, range(threads)))
        return Counter(status for _, status in self.outcomes)


def consistency(database_url):
    """(seat disagreements, bookings missing their session or invitation)."""
    app = create_app(app_config(database_url))
    with app.app_context():
        broken = seat_discrepancies()
        scheduled = select(Interview).where(Interview.status == "scheduled")
        incomplete = sum(
            1
            for interview in db.session.scalars(scheduled)
            if interview.session is None or interview.schedule is None or notifications.invitation_email(interview) is None
        )
        db.engine.dispose()
    return broken, incomplete


def restart_postgres():
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop", "-m", "fast"], check=True)
    time.sleep(3)  # a real outage, not just a blip
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True)


def postgres_restart(database_url, seconds=16):
    seed_data = seed(database_url, pending=20_000, live=0, countdown=0)
    with gunicorn(database_url, workers=4) as base_url:
        booker = Booker(base_url, seed_data["token"], seed_data["pending_interviews"])
        restarter = threading.Timer(4, restart_postgres)
        restarter.start()
        outcomes = booker.run(seconds)
        restarter.join()
        tail = [status for at, status in booker.outcomes if at > seconds - 3]
    broken, incomplete = consistency(database_url)
    dirty = {status: n for status, n in outcomes.items() if status not in (201, 503)}
    recovered = bool(tail) and all(status == 201 for status in tail)
    print(
        f"PostgreSQL restart: outcomes {dict(outcomes)}; last 3 s all booked: {recovered}; seat disagreements {len(broken)}; incomplete bookings {incomplete}"
    )
    ok = result("PostgreSQL restart mid-load: answers other than 201/503", sum(dirty.values()), 0, not dirty)
    ok &= result("PostgreSQL restart: recovered without restarting the app", "yes" if recovered else "no", "yes", recovered)
    ok &= result("PostgreSQL restart: half-written bookings", len(broken) + incomplete, 0, not broken and not incomplete)
    return ok


class Inbox:
    def __init__(self):
        self.message_ids = []

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.decode(errors="replace").splitlines():
            if line.lower().startswith("message-id:"):
                self.message_ids.append(line.split(":", 1)[1].strip())
        return "250 OK"


def smtp_outage(database_url, seconds=10):
    seed_data = seed(database_url, pending=5_000, live=0, countdown=0)
    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    mail_env = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "OUTBOX_BACKOFF_SECONDS": "1"}
    worker = subprocess.Popen(
        [str(ROOT / ".venv/bin/flask"), "outbox", "worker", "--poll", "0.5"],
        cwd=ROOT,
        env={**os.environ, **BENCH_ENV, **mail_env, "DATABASE_URL": database_url, "FLASK_APP": "app"},
        stdout=subprocess.DEVNULL,
    )
    try:
        with gunicorn(database_url, workers=4, env=mail_env) as base_url:
            booker = Booker(base_url, seed_data["token"], seed_data["pending_interviews"])
            outage = threading.Timer(2, smtp.stop)
            outage.start()
            back = threading.Timer(6, lambda: Controller(inbox, hostname="127.0.0.1", port=port).start())
            back.start()
            outcomes = booker.run(seconds, threads=4)
            outage.join()
            back.join()
        booked = outcomes.get(201, 0)
        app = create_app(app_config(database_url))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with app.app_context():
                waiting = db.session.scalar(
                    select(func.count())
                    .select_from(OutboxEmail)
                    .where(OutboxEmail.kind == "invitation", OutboxEmail.status != EmailStatus.SENT)
                )
            if not waiting:
                break
            time.sleep(1)
        with app.app_context():
            db.engine.dispose()
    finally:
        worker.terminate()
        worker.wait(15)
    unique = len(set(inbox.message_ids))
    duplicates = len(inbox.message_ids) - unique
    print(
        f"SMTP outage: {booked} bookings ({dict(outcomes)}), {unique} invitations delivered, {duplicates} duplicates, {waiting} invitations still waiting"
    )
    ok = result(
        "SMTP outage mid-load: bookings refused", sum(n for s, n in outcomes.items() if s != 201), 0, set(outcomes) == {201}
    )
    ok &= result("SMTP outage: invitations lost (booked - delivered)", booked - unique, 0, booked == unique and not waiting)
    ok &= result("SMTP outage: invitations delivered twice", duplicates, 0, duplicates == 0)
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--skip-restart", action="store_true", help="leave the PostgreSQL server alone")
    args = parser.parse_args()
    results = []
    with scratch_postgres() as url:
        results.append(mixed_traffic(url, args))
    if not args.skip_restart:
        with scratch_postgres() as url:
            results.append(postgres_restart(url))
    with scratch_postgres() as url:
        results.append(smtp_outage(url))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
