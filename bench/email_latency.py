"""Booking latency with a stalling SMTP server ÷ with no SMTP configured (target ≤ 1.2).

Two apps run side by side in this process, each with its own SQLite database and its
in-process outbox sender running: one has no SMTP server configured, the other points at a
real aiosmtpd server that stalls STALL_SECONDS before answering each message. Booking requests
alternate between them (so drift on shared cores hits both alike); each request books a new
candidate through services.booking.book_interview, which queues the invitation in the booking's
transaction. If e-mail ever ran inside the request, the stalling side would take 5 s per booking.

Run from the repository root: `.venv/bin/python bench/email_latency.py [--requests N]`.
"""

import argparse
import asyncio  # noqa: E402
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from support import free_port, result  # noqa: I001  (puts the repo on sys.path)

from app import create_app  # noqa: E402
from models import Candidate, EmailStatus, InterviewSlot, Job, OutboxEmail, db  # noqa: E402
from services import booking, timeutil  # noqa: E402
from services.outbox import in_process  # noqa: E402

STALL_SECONDS = 5
TARGET_RATIO = 1.2


class StallingHandler:
    """An SMTP server that takes STALL_SECONDS to accept each message."""

    def __init__(self):
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(STALL_SECONDS)
        self.received += 1
        return "250 OK"


def build_app(workdir, name, requests, smtp_port=None):
    """An app with its own database, a slot with room for everyone and `requests` candidates."""
    config = {
        "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / (name + '.db')}",
        "BACKEND_URL": "http://bench.local",
        "OUTBOX_IN_PROCESS": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "127.0.0.1" if smtp_port else None,
        "MAIL_PORT": smtp_port or 25,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_DEFAULT_SENDER": "Interviews <interviews@bench.local>",
        "MAIL_TIMEOUT": STALL_SECONDS * 3,
    }
    app = create_app(config)

    @app.post("/bench/book/<uuid:candidate_id>/<uuid:slot_id>")
    def bench_book(candidate_id, slot_id):
        """What a booking view does: load, call the booking service once, answer."""
        interview = booking.book_interview(db.get_or_404(Candidate, candidate_id), db.get_or_404(InterviewSlot, slot_id))
        return {"interview_id": str(interview.id)}, 201

    with app.app_context():
        db.create_all()
        job = Job(job_title="Backend Engineer", company_name="Bench Corp", job_description="APIs.", duration_minutes=30)
        start = timeutil.now() + timedelta(days=3)
        slot = InterviewSlot(job=job, start_at=start, end_at=start + timedelta(minutes=30), max_candidates=requests + 10)
        candidates = [Candidate(full_name=f"Candidate {n}", email=f"c{n}@example.com", job=job) for n in range(requests + 2)]
        db.session.add_all([job, slot, *candidates])
        db.session.commit()
        urls = [f"/bench/book/{c.id}/{slot.id}" for c in candidates]
    return app, urls


def outbox_counts(app):
    with app.app_context():
        rows = db.session.execute(
            select(OutboxEmail.status, func.count()).where(OutboxEmail.kind == "invitation").group_by(OutboxEmail.status)
        )
        return dict(rows.all())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="bookings per side (default 40)")
    args = parser.parse_args()

    handler = StallingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    workdir = Path(tempfile.mkdtemp(prefix="email-latency-"))
    quiet_app, quiet_urls = build_app(workdir, "no_smtp", args.requests)
    stall_app, stall_urls = build_app(workdir, "stalling_smtp", args.requests, smtp_port=port)
    clients = {"no SMTP": (quiet_app.test_client(), quiet_urls), "stalling SMTP": (stall_app.test_client(), stall_urls)}
    timings = {name: [] for name in clients}
    for client, urls in clients.values():
        # Warm-up: the first request starts the in-process sender and fills caches.
        for url in urls[-2:]:
            assert client.post(url).status_code == 201
    for n in range(args.requests):
        for name, (client, urls) in clients.items():
            started = time.perf_counter()
            response = client.post(urls[n])
            timings[name].append(time.perf_counter() - started)
            assert response.status_code == 201, response.get_data(as_text=True)
    quiet = statistics.median(timings["no SMTP"])
    stalled = statistics.median(timings["stalling SMTP"])
    ratio = stalled / quiet
    print(f"bookings per side:                    {args.requests}")
    print(f"median booking, no SMTP configured:   {quiet * 1000:.1f} ms")
    print(f"median booking, SMTP stalling {STALL_SECONDS} s:   {stalled * 1000:.1f} ms")
    print(f"ratio (stalling / none):              {ratio:.3f}  (target <= {TARGET_RATIO})")
    print(f"invitations, no SMTP:       {outbox_counts(quiet_app)}")
    print(f"invitations, stalling SMTP: {outbox_counts(stall_app)}  (the sender works through them at {STALL_SECONDS} s each)")
    unconfigured = outbox_counts(quiet_app).get(EmailStatus.UNCONFIGURED, 0)
    ok = ratio <= TARGET_RATIO and unconfigured == args.requests + 2
    print("PASS" if ok else "FAIL")
    result(f"booking latency, SMTP stalling {STALL_SECONDS} s / no SMTP", round(ratio, 3), f"<= {TARGET_RATIO}", ok)
    # Stop the senders before the server (which cuts the stalled send short), then remove the files.
    senders = [app.extensions[in_process.SENDER_EXTENSION] for app in (quiet_app, stall_app)]
    for sender in senders:
        sender.stopping.set()
        sender.wake()
    controller.stop()
    for sender, app in zip(senders, (quiet_app, stall_app), strict=True):
        sender.stop(timeout=STALL_SECONDS * 3)
        with app.app_context():
            db.engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
