"""An admin brands the product in the browser; the candidate's portal then wears it.
`EMAIL_SCREENSHOTS=folder` keeps PNGs of both pages."""

import os
from pathlib import Path

from playwright.sync_api import expect

from models import db
from tests.conftest import ADMIN_EMAIL
from tests.support import assert_accessible, browser_login
from tests.test_branding import png
from tests.test_notifications import make_interview


def shoot(page, name):
    if folder := os.environ.get("EMAIL_SCREENSHOTS"):
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_admin_sets_the_brand_and_the_candidate_sees_it(app, clock, admin, live_server, browser_page, tmp_path):
    interview = make_interview()
    db.session.commit()
    logo = tmp_path / "logo.png"
    logo.write_bytes(png(120, 40, (200, 60, 20)))
    page = browser_page
    browser_login(page, live_server, ADMIN_EMAIL)
    page.get_by_role("link", name="Branding").click()
    page.get_by_label("Organisation name").fill("Acme Talent")
    page.get_by_label("Accent colour").fill("#ffcc00")
    page.get_by_role("button", name="Save branding").click()
    expect(page.get_by_role("alert")).to_contain_text("Try a darker shade, such as #8a6e00")
    page.get_by_label("Accent colour").fill("#8a6e00")
    page.get_by_label("Logo (PNG or SVG)").set_input_files(str(logo))
    page.get_by_role("button", name="Save branding").click()
    expect(page.get_by_role("status")).to_contain_text("Branding saved.")
    assert_accessible(page)
    shoot(page, "branding-page")

    page.goto(f"{live_server}/?session_key={interview.session_key}")
    header = page.locator(".portal-header")
    expect(header).to_contain_text("Acme Talent · Online interview")
    expect(header.locator("img.brand-logo")).to_be_visible()
    assert header.evaluate("el => getComputedStyle(el).borderBottomColor") == "rgb(138, 110, 0)"
    assert page.locator(".portal-header img").evaluate("img => img.naturalWidth") == 120
    assert_accessible(page)
    shoot(page, "portal-branded")
    assert page.console_errors == []
