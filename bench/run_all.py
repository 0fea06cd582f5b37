"""Run every benchmark of the project and print one table: measure, value, target, pass/fail.

Each script prints `RESULT {json}` lines (bench/support.py); this collects them. A script that
crashes shows up as a failed row with its exit code, so nothing is silently left out.

    .venv/bin/python bench/run_all.py [--quick]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
BENCHMARKS = [
    # (script, arguments, arguments with --quick)
    ("booking_race.py", [], ["--requests", "60"]),
    ("calendar_queries.py", [], ["--runs", "3"]),
    ("scale.py", [], ["--rounds", "5", "--tries", "1"]),
    ("email_latency.py", [], ["--requests", "10"]),
    ("portal_ratio.py", ["--rounds", "9"], ["--rounds", "3", "--seconds", "2"]),
    ("interview_day.py", [], ["--rounds", "2", "--seconds", "2"]),
    ("load.py", [], ["--seconds", "10"]),
    ("outbox.py", [], ["--emails", "300", "--rounds", "3"]),
    ("startup.py", [], ["--rounds", "4"]),
    ("self_scheduling.py", [], ["--requests", "60", "--rounds", "5"]),
    ("lighthouse.py", [], ["--runs", "1"]),
]


def run(script, arguments):
    started = time.monotonic()
    process = subprocess.run([sys.executable, str(BENCH / script), *arguments], capture_output=True, text=True, cwd=BENCH.parent)
    rows = [json.loads(line[len("RESULT ") :]) for line in process.stdout.splitlines() if line.startswith("RESULT ")]
    if not rows or (process.returncode != 0 and all(row["pass"] for row in rows)):
        tail = (process.stderr or process.stdout).strip().splitlines()[-1:] or ["no output"]
        rows.append(
            {
                "measure": f"{script} finished",
                "value": f"exit {process.returncode}: {tail[0][:60]}",
                "target": "exit 0",
                "pass": False,
            }
        )
    print(f"  {script}: {time.monotonic() - started:.0f} s", file=sys.stderr)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    args = parser.parse_args()
    rows = []
    for script, full, quick in BENCHMARKS:
        rows.extend(run(script, quick if args.quick else full))
    width = max(len(row["measure"]) for row in rows)
    print(f"\nBenchmarks on {os.cpu_count()} cores ({'quick' if args.quick else 'full'} run)\n")
    print(f"{'measure':<{width}}  {'value':>16}  {'target':>14}  result")
    print(f"{'-' * width}  {'-' * 16}  {'-' * 14}  ------")
    for row in rows:
        print(
            f"{row['measure']:<{width}}  {str(row['value']):>16}  {str(row['target']):>14}  {'pass' if row['pass'] else 'FAIL'}"
        )
    failed = sum(not row["pass"] for row in rows)
    print(f"\n{len(rows) - failed} of {len(rows)} targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
