"""Portal speed: requests/s of the candidate's page ÷ a bare `return "ok"` route (target: median
≥ 0.4, and on PostgreSQL the lowest round ≥ 0.35).

Both URLs are served by the same gunicorn (4 workers) in the same run, on SQLite and on
PostgreSQL, and loaded with wrk (C, so the load generator is not the bottleneck). The portal
page is a real countdown page: a session looked up by key, its state decided, the page rendered.
The two are measured in alternating runs, each portal run against the mean of the bare runs
just before and after it, and the median of the rounds' ratios is reported (with the lowest and
highest), since a shared machine's speed drifts within a run.

    .venv/bin/python bench/portal_ratio.py [--rounds 5] [--seconds 3] [--connections 16] [--skip-pg]
"""

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import timedelta

from support import app_config, gunicorn, result, scratch_postgres  # noqa: I001  (puts the repo on sys.path)

from app import create_app
from models import Candidate, InterviewSlot, Job, db
from services import booking, timeutil

TARGET, LOWEST_TARGET = 0.4, 0.35


def seed(database_url):
    """One booked interview tomorrow; returns its session key."""
    app = create_app(app_config(database_url))
    with app.app_context():
        db.create_all()
        job = Job(job_title="Bench Engineer", company_name="Bench", job_description="Python, SQL and APIs.")
        start = timeutil.now() + timedelta(days=1)
        slot = InterviewSlot(job=job, start_at=start, end_at=start + timedelta(minutes=30), max_candidates=1)
        candidate = Candidate(job=job, full_name="Bench Candidate", email="bench@example.com")
        db.session.add_all([job, slot, candidate])
        db.session.commit()
        key = booking.book_interview(candidate, slot).session_key
        db.engine.dispose()
    return key


def requests_per_second(url, seconds, connections):
    """wrk's Requests/sec for `url`; refuses to count a run with errors or non-2xx answers."""
    output = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"errors while loading {url}:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def measure(label, database_url, args):
    key = seed(database_url)
    rounds = []
    with gunicorn(database_url, workers=4, app_spec="bench.support:app_with_ok_route()") as base_url:
        portal_url = f"{base_url}/?session_key={key}"
        requests_per_second(portal_url, 1, args.connections)  # warm-up: imports, template cache, pools
        bare_before = requests_per_second(f"{base_url}/bench/ok", args.seconds, args.connections)
        for _ in range(args.rounds):
            portal = requests_per_second(portal_url, args.seconds, args.connections)
            bare_after = requests_per_second(f"{base_url}/bench/ok", args.seconds, args.connections)
            bare = (bare_before + bare_after) / 2  # the bare runs either side: the machine's drift cancels
            rounds.append((portal, bare, portal / bare))
            print(
                f"{label}: portal {portal:.0f} req/s, bare route {bare:.0f} req/s (mean of {bare_before:.0f} and {bare_after:.0f}), "
                f"ratio {portal / bare:.2f}",
                flush=True,
            )
            bare_before = bare_after
    ratios = [ratio for _, _, ratio in rounds]
    ratio = statistics.median(ratios)
    print(
        f"{label}: median ratio {ratio:.2f} over {len(rounds)} rounds (lowest {min(ratios):.2f}, highest {max(ratios):.2f}; target >= {TARGET})"
    )
    passed = result(f"portal page req/s / bare route req/s ({label}, median)", round(ratio, 2), f">= {TARGET}", ratio >= TARGET)
    if label == "PostgreSQL":
        lowest = min(ratios)
        passed &= result(
            f"portal page req/s / bare route req/s ({label}, lowest of {len(rounds)})",
            round(lowest, 2),
            f">= {LOWEST_TARGET}",
            lowest >= LOWEST_TARGET,
        )
    return passed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=3, help="per URL and round")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk; `make bench` does it)")
    with tempfile.TemporaryDirectory() as tmp:
        results = [measure("SQLite", f"sqlite:///{tmp}/portal.db", args)]
    if not args.skip_pg:
        with scratch_postgres() as url:
            results.append(measure("PostgreSQL", url, args))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
