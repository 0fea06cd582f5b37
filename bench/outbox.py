"""Outbox throughput: e-mails/s of one outbox worker ÷ a plain smtplib loop (target ≥ 0.3).

An aiosmtpd sink runs in its own process (so it does not share a GIL with either sender) and
counts the Message-IDs it accepts. Each round queues N invitations in a scratch PostgreSQL
database, rendered and stored the way a booking queues them, and then measures, in alternating
order, (1) a plain smtplib loop sending the same N messages over one connection and (2) one
worker running the loop of `flask outbox worker` (claim a batch, send over its one connection,
mark the batch) until nothing is due. The median of the rounds' ratios counts. Then three
workers (three processes) drain N × 3 together (reported). Every drain is checked at the sink:
no Message-ID twice, none missing.

    .venv/bin/python bench/outbox.py [--emails 1000] [--rounds 5]
"""

import argparse
import multiprocessing
import re
import smtplib
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta

from support import app_config, free_port, result, scratch_postgres  # noqa: I001  (puts the repo on sys.path)

TARGET = 0.3
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.MULTILINE | re.IGNORECASE)


def run_sink(port, commands):
    """The SMTP sink's process: accept everything, count Message-IDs, answer `count`/`reset`."""
    from aiosmtpd.controller import Controller

    received = Counter()

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            match = MESSAGE_ID.search(envelope.original_content)
            received[match.group(1) if match else b"?"] += 1
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    commands.send("ready")
    while True:
        command = commands.recv()
        if command == "count":
            commands.send(dict(received))
        elif command == "reset":
            received.clear()
            commands.send("ok")
        else:
            break
    controller.stop()


class SinkProcess:
    """The sink, started in a child process; `ids()` is what it received since the last reset."""

    def __init__(self, context):
        self.port = free_port()
        self.commands, child_end = context.Pipe()
        self.process = context.Process(target=run_sink, args=(self.port, child_end), daemon=True)
        self.process.start()
        assert self.commands.recv() == "ready"

    def ask(self, command):
        self.commands.send(command)
        return self.commands.recv()

    def ids(self):
        return self.ask("count")

    def stop(self):
        self.commands.send("stop")
        self.process.join(10)


def bench_app(database_url, smtp_port):
    from app import create_app

    return create_app(
        app_config(
            database_url,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp_port,
            MAIL_USE_TLS=False,
            MAIL_USE_SSL=False,
            MAIL_USERNAME=None,
            MAIL_PASSWORD=None,
            MAIL_DEFAULT_SENDER="Interviews <interviews@bench.local>",
            BACKEND_URL="http://bench.local",
            LOG_LEVEL="WARNING",
        )
    )


def render_rows(app, count):
    """`count` invitation rows as a booking queues them (rendered and serialised); returns their
    column values, to be inserted afresh each round."""
    from models import Candidate, InterviewSlot, Job, OutboxEmail, db
    from services import booking, notifications, timeutil
    from services.outbox import transport

    with app.app_context():
        db.create_all()
        job = Job(job_title="Bench Engineer", company_name="Bench Corp", job_description="Python, SQL and APIs.")
        start = timeutil.now() + timedelta(days=3)
        slot = InterviewSlot(job=job, start_at=start, end_at=start + timedelta(minutes=30), max_candidates=1)
        candidate = Candidate(job=job, full_name="Asha Rao", email="asha@example.com")
        db.session.add_all([job, slot, candidate])
        db.session.commit()
        interview = booking.book_interview(candidate, slot)
        template = notifications.interview_emails(interview)[-1]
        columns = [c.key for c in OutboxEmail.__table__.columns if c.key not in ("id", "created_at", "updated_at")]
        rows = []
        for n in range(count):
            email = OutboxEmail(**{key: getattr(template, key) for key in columns})
            email.idempotency_key = f"bench:{n}"
            email.to_email, email.to_name = f"candidate{n}@example.com", f"Candidate {n}"
            email.status, email.attempts, email.next_attempt_at = "queued", 0, timeutil.now()
            email.interview_id = None
            transport.store_rendered(email)
            rows.append({key: getattr(email, key) for key in columns})
        db.session.rollback()
    return rows


def queue(app, rows):
    """Empty the outbox and insert `rows` as due, in one commit."""
    from sqlalchemy import insert, text

    from models import OutboxEmail, db

    with app.app_context():
        db.session.execute(text("TRUNCATE outbox_emails"))
        db.session.execute(insert(OutboxEmail), rows)
        db.session.commit()
        db.session.execute(text("ANALYZE outbox_emails"))
        db.session.commit()


def plain_loop(port, rows):
    """Seconds a bare smtplib loop takes to send the rows' bytes over one connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as connection:
        for row in rows:
            connection.sendmail(row["envelope_from"], [row["envelope_to"]], row["mime_message"])
    return time.perf_counter() - started


def run_worker(database_url, smtp_port, name, ready, go, finished):
    """One worker process: the `flask outbox worker` loop (one SMTP connection), until nothing is due."""
    from models import db
    from services.outbox import queue, transport

    app = bench_app(database_url, smtp_port)
    with app.app_context():
        db.session.execute(db.select(1))  # connect before the clock starts, as a running worker is
        db.session.commit()
        courier = transport.Courier(app)
        ready.set()
        go.wait()
        counts = queue.drain(worker_id=name, courier=courier)
        finished.put((counts["sent"], time.monotonic()))
        courier.close()


def workers_drain(context, database_url, sink, count):
    """Seconds `count` worker processes take to drain the outbox; returns (seconds, sent)."""
    go, finished = context.Event(), context.Queue()
    readies = [context.Event() for _ in range(count)]
    processes = [
        context.Process(target=run_worker, args=(database_url, sink.port, f"bench-worker-{n}", readies[n], go, finished))
        for n in range(count)
    ]
    for process in processes:
        process.start()
    for ready in readies:
        ready.wait(120)
    started = time.monotonic()
    go.set()
    outcomes = [finished.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(30)
    return max(end for _sent, end in outcomes) - started, sum(sent for sent, _end in outcomes)


def check_sink(sink, rows):
    """(duplicates, lost) among the Message-IDs the sink received since its last reset."""
    received = sink.ids()
    expected = {MESSAGE_ID.search(row["mime_message"]).group(1) for row in rows}
    duplicates = sum(n - 1 for message_id, n in received.items() if n > 1)
    return duplicates, len(expected - set(received))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    sink = SinkProcess(context)
    try:
        with scratch_postgres() as database_url:
            app = bench_app(database_url, sink.port)
            rows = render_rows(app, args.emails * 3)
            batch = rows[: args.emails]
            plain_loop(sink.port, batch[:100])  # warm the sink up before anything is timed
            ratios, plain_rates, worker_rates, duplicates, lost = [], [], [], 0, 0
            for round_number in range(args.rounds):
                sides = ["plain", "worker"] if round_number % 2 == 0 else ["worker", "plain"]
                seconds = {}
                for side in sides:
                    sink.ask("reset")
                    if side == "plain":
                        seconds[side] = plain_loop(sink.port, batch)
                    else:
                        queue(app, batch)
                        seconds[side], _sent = workers_drain(context, database_url, sink, 1)
                    repeated, missing = check_sink(sink, batch)
                    if side == "worker":
                        duplicates, lost = duplicates + repeated, lost + missing
                plain_rates.append(args.emails / seconds["plain"])
                worker_rates.append(args.emails / seconds["worker"])
                ratios.append(worker_rates[-1] / plain_rates[-1])
                print(
                    f"round {round_number + 1}: plain {plain_rates[-1]:.0f}/s, worker {worker_rates[-1]:.0f}/s, ratio {ratios[-1]:.2f}"
                )
            sink.ask("reset")
            queue(app, rows)
            three_seconds, _sent = workers_drain(context, database_url, sink, 3)
            three_duplicates, three_lost = check_sink(sink, rows)
            three_rate = len(rows) / three_seconds
            with app.app_context():
                from models import db

                db.engine.dispose()
    finally:
        sink.stop()
    ratio = statistics.median(ratios)
    print(
        f"plain smtplib loop: median {statistics.median(plain_rates):.0f} e-mails/s; one worker: median "
        f"{statistics.median(worker_rates):.0f}/s; ratio median {ratio:.2f} (rounds {min(ratios):.2f}–{max(ratios):.2f}); "
        f"three workers: {three_rate:.0f}/s"
    )
    passed = [
        result(
            "outbox: 1 worker e-mails/s / plain smtplib loop (PostgreSQL, median)",
            round(ratio, 2),
            f">= {TARGET}",
            ratio >= TARGET,
        ),
        result("outbox: 1 worker duplicates/lost at the sink", f"{duplicates}/{lost}", "0/0", duplicates == lost == 0),
        result(
            "outbox: 3 workers e-mails/s / plain smtplib loop",
            round(three_rate / statistics.median(plain_rates), 2),
            "reported",
            True,
        ),
        result(
            "outbox: 3 workers duplicates/lost at the sink",
            f"{three_duplicates}/{three_lost}",
            "0/0",
            three_duplicates == three_lost == 0,
        ),
    ]
    return 0 if all(passed) else 1


if __name__ == "__main__":
    sys.exit(main())
