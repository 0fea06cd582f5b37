"""In the browser: an admin sets up two-factor sign-in (QR code, code, recovery codes), signs in
with a code, and disables a recruiter through the confirmation dialog; also at phone width."""

import re
import time

import pyotp
from playwright.sync_api import expect

from tests.conftest import ADMIN_EMAIL, PASSWORD, RECRUITER_EMAIL
from tests.support import assert_accessible, browser_login

PHONE = {"width": 390, "height": 844}


def test_two_factor_enrolment_and_sign_in(live_server, browser_page, admin, recruiter):
    page = browser_page
    page.set_viewport_size(PHONE)
    browser_login(page, live_server, ADMIN_EMAIL)
    page.locator("summary.nav-toggle").click()  # on a phone the header's links sit in its menu
    page.get_by_role("link", name="Account").click()
    expect(page.locator("#two-factor")).to_contain_text("Off.")
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    page.get_by_role("button", name="Start setup").click()

    qr = page.locator("figure.qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150 and box["x"] + box["width"] <= PHONE["width"]  # scannable, and on screen at 390 px
    secret = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert_accessible(page)
    page.screenshot(path="/tmp/accounts-2fa-setup-390.png", full_page=True)

    page.get_by_label("6-digit code from your app").fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("That code is not right. Enter the 6 digits your app shows now.")).to_be_visible()
    page.get_by_label("6-digit code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.screenshot(path="/tmp/accounts-recovery-codes-390.png", full_page=True)
    page.get_by_role("link", name="I saved them").click()
    expect(page.locator("#two-factor")).to_contain_text(
        "On: signing in asks for a code from your authenticator app. 10 of 10 recovery codes left."
    )

    page.locator("summary.nav-toggle").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/login/code")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path="/tmp/accounts-sign-in-code-390.png", full_page=True)
    page.goto(f"{live_server}/interviews/dashboard")  # the half-signed-in state opens nothing
    assert page.url.startswith(f"{live_server}/login")
    page.goto(f"{live_server}/login/code")
    # The enrolment code's time step is used up; the next step's code is inside the window.
    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/interviews/dashboard")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Users").click()
    row = page.locator("tr", has_text=RECRUITER_EMAIL)
    row.get_by_role("button", name="Disable…").click()
    dialog = page.get_by_role("dialog", name=f"Disable {RECRUITER_EMAIL}?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Keep the account")).to_be_focused()
    assert_accessible(page)
    dialog.get_by_role("button", name="Keep the account").click()
    expect(dialog).to_be_hidden()
    row.get_by_role("button", name="Disable…").click()
    dialog.get_by_role("button", name=f"Disable {RECRUITER_EMAIL}").click()
    expect(page.locator("tr", has_text=RECRUITER_EMAIL)).to_contain_text(f"{RECRUITER_EMAIL} is now disabled.")
    expect(page.locator("tr", has_text=RECRUITER_EMAIL).get_by_role("button", name="Enable")).to_be_visible()
    assert page.console_errors == []
