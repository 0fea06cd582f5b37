"""Lighthouse (npm, bench/node_modules) on the seeded demo: performance, accessibility and best
practices of the pages people use most, on a phone (Lighthouse's mobile form factor and its
simulated slow 4G and 4× slower CPU), each score ÷ 0.95 (target ≥ 1).

The demo is the one `make screenshots` shows (tools/demo_pages.py: a fresh SQLite database, the
clock pinned to Tue 15 Jan 2030, 10:00 IST), served from a thread of this process so the clock
can be moved for the portal's open window. Signed-in pages get the demo admin's session cookie.
Each page is measured `--runs` times in a fresh headless Chromium; the median score counts.
Audits that cost points are listed under the table.

    .venv/bin/python bench/lighthouse.py [--runs 3] [--only NAME]

Needs `npm ci --prefix bench` (make bench does it) and Debian's chromium (CHROME_PATH).
"""

import argparse
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench.support import result  # noqa: E402

CATEGORIES = ("performance", "accessibility", "best-practices")
TARGET = 0.95
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
CHROME_PATH = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# (name, path in the demo with its ids, signed in); the question page is measured in its window,
# the last page after an admin set a brand (name, PNG logo, accent colour: one more stylesheet and image).
PAGES = [
    ("sign-in", "/login", False),
    ("dashboard", "/interviews/dashboard", True),
    ("calendar week", "/slots/?date={today}", True),
    ("booking page", "/interviews/book?candidate_id={free_candidate}", True),
    ("portal countdown", "/?session_key={countdown_key}", False),
    ("portal question", "/?session_key={open_key}", False),
    ("portal, branded", "/?session_key={countdown_key}", False),
]


def build_demo(workdir):
    """A seeded demo app on a free port: (app, base URL, ids, the admin's session cookie)."""
    from app import create_app
    from models import InterviewSession, db
    from services import timeutil
    from services.interviewer import session_flow
    from tools.demo_pages import PINNED_NOW, seed
    from tools.screenshots import serve

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'demo.db'}",
            "SECRET_KEY": "lighthouse",
            "UPLOAD_FOLDER": str(workdir / "uploads"),
            "MAIL_SERVER": None,
            "OUTBOX_IN_PROCESS": False,
            "RATELIMIT_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    context = app.app_context()
    context.push()
    db.create_all()
    demo = seed(app)
    # The question page: the open session, started at the start of its window.
    open_session = db.session.scalar(db.select(InterviewSession).where(InterviewSession.session_key == demo.ids["open_key"]))
    timeutil.set_now(demo.ids["open_at"])
    session_flow.start_interview(open_session, demo.ids["open_at"], client_id="lighthouse-tab-0001")
    db.session.commit()
    timeutil.set_now(PINNED_NOW)
    _server, base_url = serve(app)
    app.config["BACKEND_URL"] = base_url
    return app, base_url, demo, sign_in_cookie(app, demo.password)


def set_brand():
    """An organisation name, a 240×80 PNG logo and a dark accent, saved as an admin would."""
    import io

    from PIL import Image

    from services import branding

    logo = io.BytesIO()
    Image.new("RGB", (240, 80), (138, 110, 0)).save(logo, "PNG")
    branding.save(organisation_name="Acme Talent", accent_color="#8a6e00", logo_data=logo.getvalue())


def sign_in_cookie(app, password):
    """`Cookie` header value of the demo admin, signed in through the real form."""
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"email": "admin@example.com", "password": password, "csrf_token": token})
    assert response.status_code == 302, f"demo sign-in failed: {response.status_code}"
    name = app.config["SESSION_COOKIE_NAME"]
    return f"{name}={client.get_cookie(name).value}"


def lighthouse(url, cookie, out_path):
    """One Lighthouse run; returns its JSON report."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out_path}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--form-factor=mobile",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROME_PATH}, timeout=300)
    return json.loads(Path(out_path).read_text())


def losses(report, category):
    """The audits of `category` that cost points: (title, score, display value)."""
    audits = report["audits"]
    found = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref["weight"] > 0 and audit.get("score") is not None and audit["score"] < 0.9:
            found.append(
                f"{audit['title']} ({audit['score']:.2f}{', ' + audit['displayValue'] if audit.get('displayValue') else ''})"
            )
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page; the median score counts")
    parser.add_argument("--only", help="measure only the pages whose name contains this")
    parser.add_argument("--reports", type=Path, help="keep each run's JSON report in this folder")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        result("lighthouse installed (npm ci --prefix bench)", "missing", "installed", False)
        return 1
    from services import timeutil
    from tools.demo_pages import PINNED_NOW

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    workdir = Path(tempfile.mkdtemp(prefix="lighthouse-"))
    try:
        _app, base_url, demo, cookie = build_demo(workdir)
        passed = True
        notes = []
        print(f"{'page':<18} " + " ".join(f"{name:>16}" for name in CATEGORIES))
        for name, path, signed_in in PAGES:
            if args.only and args.only not in name:
                continue
            timeutil.set_now(demo.ids["open_at"] if name == "portal question" else PINNED_NOW)
            if name == "portal, branded":
                set_brand()
            folder = args.reports or workdir
            folder.mkdir(parents=True, exist_ok=True)
            reports = [
                lighthouse(
                    base_url + path.format(**demo.ids),
                    cookie if signed_in else None,
                    folder / f"{name.replace(' ', '-')}-{run + 1}.json",
                )
                for run in range(args.runs)
            ]
            scores = {category: statistics.median(r["categories"][category]["score"] for r in reports) for category in CATEGORIES}
            print(f"{name:<18} " + " ".join(f"{scores[c]:>9.2f} ({scores[c] / TARGET:.2f})" for c in CATEGORIES), flush=True)
            for category in CATEGORIES:
                ratio = scores[category] / TARGET
                passed &= result(
                    f"lighthouse {name}: {category} (score / 0.95, mobile)",
                    f"{scores[category]:.2f} ({ratio:.2f})",
                    ">= 1",
                    ratio >= 1,
                )
                if scores[category] < 1:
                    notes.append(
                        f"  {name}, {category}: " + "; ".join(losses(reports[0], category) or ["(no single audit below 0.9)"])
                    )
        if notes:
            print("\nWhere points were lost (first run):\n" + "\n".join(notes))
        return 0 if passed else 1
    finally:
        timeutil.set_now(None)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
