"""App start-up: `from app import create_app; create_app()` ÷ `import flask` (target ≤ 3).

Each side runs in a fresh interpreter (what a new gunicorn worker or `flask` command pays), with
the default SQLite settings pointed at a temporary instance folder, and is measured in CPU time. The two sides alternate, one
pair per round, and the median of the rounds' ratios counts, since a shared machine's speed
drifts within a run.

    .venv/bin/python bench/startup.py [--rounds 10]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from support import ROOT, result  # noqa: I001  (puts the repo on sys.path)

TARGET = 3.0
IMPORT_FLASK = "import flask"
CREATE_APP = "from app import create_app; create_app()"
IMPORT_MODELS = "import models"  # Flask-SQLAlchemy and the declared models alone: what no start can skip


def seconds_to_run(code, env):
    """CPU seconds (user + system) of a fresh interpreter running `code` from the repository root.

    CPU time rather than wall time: on cores shared with other work, waiting for a core would
    count otherwise, and it hits the two sides unequally."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as instance:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("MAIL_", "EMAIL_", "DATABASE_", "FLASK_", "REDIS_"))
        }
        env.update(
            DATABASE_URL=f"sqlite:///{Path(instance) / 'app.db'}",
            UPLOAD_FOLDER=str(Path(instance) / "uploads"),
            SECRET_KEY="bench",
            LOG_LEVEL="WARNING",
            PYTHONDONTWRITEBYTECODE="",
        )
        seconds_to_run(CREATE_APP, env)  # compiles the .pyc files once, as any installed app has them
        flask_times, app_times, ratios, models_ratios = [], [], [], []
        for _ in range(args.rounds):
            flask_time = seconds_to_run(IMPORT_FLASK, env)
            app_time = seconds_to_run(CREATE_APP, env)
            models_time = seconds_to_run(IMPORT_MODELS, env)
            flask_times.append(flask_time)
            app_times.append(app_time)
            ratios.append(app_time / flask_time)
            models_ratios.append(models_time / flask_time)
    ratio, models_ratio = statistics.median(ratios), statistics.median(models_ratios)
    print(
        f"import flask: median {statistics.median(flask_times) * 1000:.0f} ms; "
        f"create_app(): median {statistics.median(app_times) * 1000:.0f} ms; "
        f"ratio per round {min(ratios):.2f}–{max(ratios):.2f}, median {ratio:.2f}; "
        f"import models alone: median ratio {models_ratio:.2f}"
    )
    passed = result(
        "start-up: create_app() / import flask (fresh interpreters, median)", round(ratio, 2), f"<= {TARGET:g}", ratio <= TARGET
    )
    result("start-up: import models (SQLAlchemy + the models) / import flask", round(models_ratio, 2), "reported", True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
