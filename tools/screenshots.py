"""`make screenshots`: every page of the seeded demo at 1366×900 and 390×844 (light and dark), into screenshots/.

Builds a fresh SQLite demo database (tools/demo_pages.seed), serves it from a thread, signs in
as the demo admin in Chromium (/usr/bin/chromium, Playwright) and saves one full-page PNG per
page and size: screenshots/<page>-desktop.png, <page>-phone.png and <page>-phone-dark.png. Pages that
scroll sideways at phone width are listed at the end (and make the exit status 1).
"""

import shutil
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from models import db  # noqa: E402
from services import timeutil  # noqa: E402
from tools.demo_pages import PINNED_NOW, pages, seed  # noqa: E402

# name → browser context options; the dark phone pass shows the prefers-color-scheme: dark tokens.
SIZES = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}},
    "phone-dark": {"viewport": {"width": 390, "height": 844}, "color_scheme": "dark"},
}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OVERFLOW_JS = "document.documentElement.scrollWidth > window.innerWidth"


def serve(app):
    """The app on a free local port, from a daemon thread; returns (server, base URL)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def sign_in(page, base_url, password):
    """The demo admin signs in through the login form."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/interviews/dashboard")


def visit(page, base_url, item):
    """Load one page (moving the clock first if it asks) and run its action."""
    timeutil.set_now(item.clock or PINNED_NOW)
    page.goto(f"{base_url}{item.path}")
    if item.action:
        item.action(page)


def main(out_dir=ROOT / "screenshots", only=""):
    """Render every page (or those whose name holds `only`) at both sizes; returns the names of pages that overflow on a phone."""
    out_dir.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="screenshots-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'demo.db'}",
            "SECRET_KEY": "screenshots",
            "UPLOAD_FOLDER": str(workdir / "uploads"),
            "MAIL_SERVER": None,
            "OUTBOX_IN_PROCESS": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SESSION_COOKIE_SECURE": False,
        }
    )
    overflowing = []
    with app.app_context():
        server, base_url = serve(app)
        app.config["BACKEND_URL"] = base_url
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                for size_name, options in SIZES.items():
                    # A fresh demo per size: the portal pages start the open interview.
                    db.drop_all()
                    db.create_all()
                    demo = seed(app)
                    for anonymous in (True, False):
                        context = browser.new_context(**options)
                        page = context.new_page()
                        if not anonymous:
                            timeutil.set_now(PINNED_NOW)
                            sign_in(page, base_url, demo.password)
                        for item in pages(demo):
                            if item.anonymous != anonymous or only not in item.name:
                                continue
                            visit(page, base_url, item)
                            page.evaluate("window.scrollTo(0, 0)")  # a sticky header drawn mid-page otherwise
                            page.screenshot(path=str(out_dir / f"{item.name}-{size_name}.png"), full_page=True)
                            if size_name.startswith("phone") and page.evaluate(OVERFLOW_JS):
                                overflowing.append(f"{item.name} ({size_name})")
                        context.close()
                browser.close()
        finally:
            server.shutdown()
            timeutil.set_now(None)
            db.session.remove()
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"Saved {len(list(out_dir.glob('*.png')))} screenshots in {out_dir}")
    if overflowing:
        print("Wider than a 390 px phone:", ", ".join(overflowing))
    return overflowing


if __name__ == "__main__":
    # `python tools/screenshots.py calendar` renders only the pages whose name holds "calendar".
    sys.exit(1 if main(only=sys.argv[1] if len(sys.argv) > 1 else "") else 0)
