"""The invitation as a mail client shows it, in Chromium: fluid at 390 px, at most 600 px wide on
a desktop, the button a real link; in the dark scheme too. `EMAIL_SCREENSHOTS=folder` keeps PNGs."""

import os
from pathlib import Path

import pytest

from services import notifications
from tests.test_notifications import make_interview


@pytest.mark.parametrize(("width", "scheme"), [(390, "dark"), (1366, "light")])
def test_invitation_fits_phone_and_desktop(app, clock, browser_page, width, scheme):
    interview = make_interview(name="Asha Rao-Venkataraman", timezone="America/New_York")
    email = notifications.queue_invitation(interview)
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    page.set_content(email.body_html)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    container = page.locator("table.container").bounding_box()
    assert container["width"] <= 600 and container["width"] >= min(width, 600) - 26
    button = page.get_by_role("link", name="Join the interview")
    assert button.get_attribute("href") == notifications.interview_link(interview.session_key)
    assert button.bounding_box()["height"] >= 44  # a touch target, not a text link
    if folder := os.environ.get("EMAIL_SCREENSHOTS"):
        page.screenshot(path=str(Path(folder) / f"invitation-{width}-{scheme}.png"), full_page=True)
