"""Scale benchmark: recruiter pages and API lists on a large PostgreSQL dataset against a small one.

Large: 50,000 candidates with resumes, 20,000 slots over two years (one past, one ahead),
150,000 interviews with schedules and sessions, 450,000 outbox e-mails and 480,000 answers.
Small: 100 / 50 / 200 (and the same proportions for the rest). Both are built with
`INSERT … SELECT generate_series` into scratch databases named after a hash of the schema
(migrations and models), kept between runs (`--rebuild` builds them again, as it must after a
change of the data below; `--drop` removes them).

Each database is served by gunicorn (4 workers) through `statement_counting_app()`, which adds an
`X-Statement-Count` header with the SQL statements of the request (`bench/support.py`): the benchmark's own wrapper,
never part of the app in production. For each endpoint, rounds alternate the two servers (best
of 5 requests on each side per round; which side goes first alternates too); the median of the
rounds' large ÷ small ratios counts. Target: ≤ 1.5 (search ≤ 2), and the same statement count on
both, for every page and list that shows a fixed amount of data.

    .venv/bin/python bench/scale.py [--rounds 15] [--rebuild] [--drop]
"""

import argparse
import hashlib
import os
import re
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from support import BENCH_ENV, ROOT, gunicorn, pg_url, result  # noqa: I001  (puts the repo on sys.path)

SIZES = {
    "large": {"candidates": 50_000, "slots": 20_000, "interviews": 150_000, "outbox": 450_000, "answers": 480_000},
    "small": {"candidates": 100, "slots": 50, "interviews": 200, "outbox": 600, "answers": 640},
}
JOBS = 10  # every count above is a multiple of it, so candidate, slot and interview n share job n % 10
EMAIL, PASSWORD = "bench-recruiter@example.com", "bench password 123"
SURNAMES = ["Patel", "Sharma", "Iyer", "Khan", "Das", "Smith", "García", "Müller", "Nakamura", "Okafor"]
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def schema_hash():
    """Changes whenever a migration or the models change, so a cached dataset matches the code."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "migrations/versions").glob("*.py")) + [ROOT / "models.py"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def database_urls(base_url):
    return {
        size: make_url(base_url).set(database=f"bench_scale_{size}_{schema_hash()}").render_as_string(hide_password=False)
        for size in SIZES
    }


def existing(admin, name):
    return admin.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar() is not None


def fill(url, n):
    """The dataset of sizes `n` in the migrated database at `url`, then VACUUM ANALYZE."""
    engine = create_engine(url)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    params = {**n, "now": now, "jobs": JOBS, "surnames": SURNAMES}
    statements = [
        "INSERT INTO domains (id, name) SELECT md5('d' || i)::uuid, 'Domain ' || i FROM generate_series(0, 4) i",
        """INSERT INTO jobs (id, job_title, company_name, job_description, coding_language, domain_id, duration_minutes,
                             tech_stack_details, created_at, updated_at)
           SELECT md5('j' || i)::uuid, 'Engineer ' || i, 'Company ' || i, repeat('Build and run services. ', 20), 'PYTHON',
                  md5('d' || (i % 5))::uuid, 30, '', :now, :now FROM generate_series(0, :jobs - 1) i""",
        """INSERT INTO resumes (id, original_filename, stored_name, content_type, size_bytes, sha256, parsed_text, created_at)
           SELECT md5('r' || i)::uuid, 'cv' || i || '.txt', 'bench-' || i || '.txt', 'text/plain', 2400, md5('r' || i),
                  repeat('Python, SQL, distributed systems, ten years of services. ', 40), :now
           FROM generate_series(0, :candidates - 1) i""",
        """INSERT INTO candidates (id, full_name, email, phone, work_experience, domain_id, status, job_id, resume_id,
                                   created_at, updated_at, search_text)
           SELECT md5('c' || i)::uuid, full_name, email, phone, i % 20, md5('d' || (i % 5))::uuid, 'scheduled',
                  md5('j' || (i % :jobs))::uuid, md5('r' || i)::uuid,
                  :now - make_interval(secs => (:candidates - i) * 600), :now, lower(full_name || ' ' || email || ' ' || phone)
           FROM (SELECT i, 'Person' || i || ' ' || (CAST(:surnames AS text[]))[1 + i % 10] AS full_name,
                        'c' || i || '@example.com' AS email, '+91 98' || lpad(i::text, 8, '0') AS phone
                 FROM generate_series(0, :candidates - 1) i) people""",
        """INSERT INTO interview_slots (id, job_id, start_at, end_at, ai_interview_type, max_candidates, current_bookings,
                                        status, created_at)
           SELECT md5('s' || i)::uuid, md5('j' || (i % :jobs))::uuid,
                  :now - interval '365 days' + make_interval(secs => i * (730 * 86400 / :slots)),
                  :now - interval '365 days' + make_interval(secs => i * (730 * 86400 / :slots) + 1800),
                  'technical', 10, 0, 'available', :now - interval '400 days'
           FROM generate_series(0, :slots - 1) i""",
        # Interview n: candidate n % candidates, slot n % slots (same job). Only each candidate's
        # first interview can be active, so at most one active interview per candidate and job.
        """INSERT INTO interviews (id, candidate_id, job_id, slot_id, status, started_at, ended_at, session_key, sequence,
                                   decision, review_notes, created_at)
           SELECT md5('i' || i)::uuid, md5('c' || (i % :candidates))::uuid, s.job_id, s.id,
                  CASE WHEN s.start_at > :now THEN CASE WHEN i < :candidates THEN 'scheduled' ELSE 'cancelled' END
                       WHEN i % 4 = 0 THEN 'expired' ELSE 'completed' END,
                  s.start_at, s.end_at, md5('k' || i), 0, 'pending', '', s.start_at - interval '7 days'
           FROM generate_series(0, :interviews - 1) i JOIN interview_slots s ON s.id = md5('s' || (i % :slots))::uuid""",
        """INSERT INTO interview_schedules (id, interview_id, slot_id, booking_notes, created_at)
           SELECT md5('h' || i.id)::uuid, i.id, i.slot_id, '', i.created_at FROM interviews i""",
        """INSERT INTO interview_sessions (id, interview_id, session_key, candidate_name, candidate_email, job_title,
                                           company_name, job_description, resume_text, coding_language, interview_type,
                                           duration_minutes, scheduled_at, status, language_code, keyword_analysis,
                                           current_question_index, created_at)
           SELECT md5('x' || i.id)::uuid, i.id, i.session_key, c.full_name, c.email, 'Engineer', 'Company',
                  repeat('Build and run services. ', 20), repeat('Python and SQL. ', 40), 'PYTHON', 'technical', 30,
                  i.started_at, i.status, 'en-IN', '{}', 0, i.created_at
           FROM interviews i JOIN candidates c ON c.id = i.candidate_id""",
    ]
    # Two independent groups after that, on two connections at once (2 cores).
    answers = [
        # Answer n: question n // interviews of session n % interviews.
        """INSERT INTO interview_questions (id, session_id, position, kind, text, expected_points, time_limit_seconds,
                                            starter_code, source)
           SELECT md5('q' || k)::uuid, md5('x' || md5('i' || (k % :interviews))::uuid)::uuid, k / :interviews, 'technical',
                  'Explain how you would design a rate limiter.', '[]', 180, '', 'bank'
           FROM generate_series(0, :answers - 1) k""",
        """INSERT INTO interview_answers (id, question_id, session_id, text, code, submitted_at, seconds_taken, timed_out,
                                          keyword_coverage)
           SELECT md5('a' || k)::uuid, md5('q' || k)::uuid, md5('x' || md5('i' || (k % :interviews))::uuid)::uuid,
                  repeat('I would use a token bucket per client. ', 8), '', :now, 60, false, '{}'
           FROM generate_series(0, :answers - 1) k""",
    ]
    emails_and_seats = [
        """INSERT INTO outbox_emails (id, idempotency_key, kind, interview_id, to_email, to_name, subject, body_text,
                                      body_html, status, attempts, next_attempt_at, sent_at, created_at)
           SELECT md5('o' || k)::uuid, 'bench-' || k, CASE WHEN k % 3 = 0 THEN 'invitation' ELSE 'reminder' END,
                  md5('i' || (k % :interviews))::uuid, 'c' || (k % :candidates) || '@example.com', 'Person',
                  'Your interview', repeat('Your interview is booked. ', 20), '', 'sent', 1, :now, :now, :now
           FROM generate_series(0, :outbox - 1) k""",
        """UPDATE interview_slots s SET current_bookings = b.seats, status = CASE WHEN b.seats >= 10 THEN 'full' ELSE 'available' END
           FROM (SELECT slot_id, count(*) AS seats FROM interviews WHERE status IN ('scheduled', 'in_progress') GROUP BY slot_id) b
           WHERE b.slot_id = s.id""",
    ]

    def run(group):
        with engine.begin() as conn:
            for statement in group:
                conn.execute(text(statement), params)

    run(statements)
    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(run, answers), pool.submit(run, emails_and_seats)]:
            done.result()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def flask(url, *arguments):
    """Run a Flask CLI command against `url`; returns its output."""
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url, "FLASK_APP": "app"}
    return subprocess.run(
        [str(ROOT / ".venv/bin/flask"), *arguments], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def build(base_url, rebuild):
    """Both datasets, built now unless a database for this schema exists already. Returns {size: (url, token)}."""
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    urls = database_urls(base_url)
    with admin.connect() as conn:
        stale = [row[0] for row in conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_scale\\_%'"))]
        for name in stale:
            if rebuild or name not in {make_url(u).database for u in urls.values()}:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        for size, url in urls.items():
            name = make_url(url).database
            if existing(conn, name):
                continue
            started = time.monotonic()
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                flask(url, "db", "upgrade")
                fill(url, SIZES[size])
                flask(url, "create-admin", EMAIL, "--password", PASSWORD)
            except BaseException:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                raise
            print(f"built {size} dataset in {time.monotonic() - started:.0f} s", flush=True)
    admin.dispose()
    return {size: (url, flask(url, "create-token", EMAIL).strip().splitlines()[-1]) for size, url in urls.items()}


def drop(base_url):
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in [
            row[0] for row in conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_scale\\_%'"))
        ]:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Client:
    """A signed-in recruiter (cookie) with an API token, against one server."""

    def __init__(self, base_url, token):
        self.base_url, self.session = base_url, requests.Session()
        page = self.session.get(f"{base_url}/login").text
        self.session.post(
            f"{base_url}/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": CSRF_INPUT.search(page).group(1)}
        )
        self.api = {"Authorization": f"Token {token}"}

    def get(self, path, api=False):
        started = time.perf_counter()
        response = self.session.get(self.base_url + path, headers=self.api if api else None, allow_redirects=False)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.text[:200]}")
        return elapsed, int(response.headers.get("X-Statement-Count", -1)), response


def endpoints(url):
    """(name, path, is_api, target) for one dataset; the deep cursor and slot ids differ per dataset."""
    engine = create_engine(url)
    today = datetime.now(UTC).date()
    with engine.connect() as conn:
        slot_id = conn.execute(text("SELECT id FROM interview_slots WHERE start_at > now() ORDER BY start_at LIMIT 1")).scalar()
        oldest = conn.execute(text("SELECT created_at, id FROM candidates ORDER BY created_at, id LIMIT 1 OFFSET 20")).one()
    engine.dispose()
    deep_cursor = encode_cursor(oldest.created_at, oldest.id)
    return [
        ("dashboard", "/interviews/dashboard", False, 1.5),
        ("candidate list", "/candidates/", False, 1.5),
        ("candidate list, more (deep cursor)", f"/candidates/?cursor={deep_cursor}", False, 1.5),
        ("candidate search", "/candidates/?q=atel", False, 2),
        ("API candidates page 1", "/api/candidates/", True, 1.5),
        ("API candidates page_size=100", "/api/candidates/?page_size=100", True, 1.5),
        ("API candidates deep cursor", f"/api/candidates/?cursor={deep_cursor}", True, 1.5),
        ("API candidates search", "/api/candidates/?search=atel", True, 2),
        ("API slots list", "/api/interviews/slots/", True, 1.5),
        ("calendar month", f"/slots/?view=month&date={today}", False, 1.5),
        # The week lists every slot: about 190 on the large dataset against 0-1 on the small one,
        # so it is not a fixed amount of data; its target is the busy-vs-quiet one of calendar_queries.py.
        ("calendar week (lists ~190 slots vs 1)", f"/slots/?view=week&date={today}", False, 3),
        ("slot detail (control)", f"/slots/{slot_id}/", False, 1.5),
    ]


def encode_cursor(created_at, candidate_id):
    """The lists' cursor for the rows older than (created_at, id), as services/paging.py makes it."""
    from services.paging import encode_cursor as encode

    return encode([created_at.astimezone(UTC), candidate_id])


def measure(rounds, tries, clients, plans):
    """Median large ÷ small ratio per endpoint over interleaved rounds, and each side's statement count."""
    rows = []
    for index, (name, _path, _api, target) in enumerate(plans["large"]):
        ratios, statements = [], {}
        for round_number in range(rounds):
            times = {}
            order = ("large", "small") if round_number % 2 == 0 else ("small", "large")
            for size in order:
                _, path, api, _ = plans[size][index]
                best = min(clients[size].get(path, api)[:2] for _ in range(tries))
                times[size], statements[size] = best
            ratios.append(times["large"] / times["small"])
        rows.append((name, statistics.median(ratios), statements, target))
        print(
            f"{name:<40} ratio {statistics.median(ratios):5.2f} (rounds {min(ratios):.2f}–{max(ratios):.2f}), "
            f"large {times['large'] * 1000:6.1f} ms / small {times['small'] * 1000:6.1f} ms (last round), "
            f"statements {statements['large']} vs {statements['small']}",
            flush=True,
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--tries", type=int, default=5, help="requests per side per round (the fastest counts)")
    parser.add_argument("--rebuild", action="store_true", help="build the datasets again")
    parser.add_argument("--drop", action="store_true", help="drop the cached datasets and exit")
    parser.add_argument("--only", help="measure only the endpoints whose name contains this")
    parser.add_argument("--database-url", default=pg_url())
    args = parser.parse_args()
    if args.drop:
        drop(args.database_url)
        return 0
    started = time.monotonic()
    databases = build(args.database_url, args.rebuild)
    print(f"datasets ready in {time.monotonic() - started:.0f} s", flush=True)
    with (
        gunicorn(databases["large"][0], app_spec="bench.support:statement_counting_app()") as large_url,
        gunicorn(databases["small"][0], app_spec="bench.support:statement_counting_app()") as small_url,
    ):
        clients = {"large": Client(large_url, databases["large"][1]), "small": Client(small_url, databases["small"][1])}
        plans = {size: [p for p in endpoints(databases[size][0]) if args.only is None or args.only in p[0]] for size in SIZES}
        for size in SIZES:  # warm every worker's caches (compiled statements, templates)
            for _ in range(12):
                for _, path, api, _ in plans[size]:
                    clients[size].get(path, api)
        rows = measure(args.rounds, args.tries, clients, plans)
    passed = True
    for name, ratio, statements, target in rows:
        passed &= result(f"scale: {name}, 50,000 candidates / 100 (time ratio)", round(ratio, 2), f"<= {target}", ratio <= target)
        same = statements["large"] == statements["small"]
        passed &= result(
            f"scale: {name}: SQL statements, large vs small", f"{statements['large']} vs {statements['small']}", "equal", same
        )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
