"""Every page (the screenshot list, tools/demo_pages.py) at 390×844 and 1366×900 in Chromium:
nothing scrolls sideways on a phone, no serious axe-core findings at either size (the phone pass in
the dark scheme, the desktop one in the light), no script or CSP errors. One live server, one
page, one load per page (viewport and scheme change in place); the list is cut into a few shards
so parallel test workers share it."""

import pytest

from services import timeutil
from tests.support import assert_accessible, browser_login
from tools.demo_pages import PINNED_NOW, pages, seed

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SHARDS = 3


def overflow(page):
    """How many CSS pixels the document is wider than the viewport (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_page_fits_a_phone_and_passes_axe_at_both_sizes(shard, clock, app, live_server, browser_page):
    demo = seed(app)
    page = browser_page
    signed_in = False
    too_wide, findings = {}, {}
    for item in sorted(pages(demo), key=lambda p: not p.anonymous)[shard::SHARDS]:
        if not item.anonymous and not signed_in:
            timeutil.set_now(PINNED_NOW)
            browser_login(page, live_server, "admin@example.com", demo.password)
            signed_in = True
        timeutil.set_now(item.clock or PINNED_NOW)
        page.set_viewport_size(PHONE)
        page.emulate_media(color_scheme="dark", reduced_motion="reduce")
        page.goto(f"{live_server}{item.path}")
        if item.action:
            item.action(page)
        if overflow(page) > 0:
            too_wide[item.name] = overflow(page)
        for size_name, size, scheme in (("phone, dark", PHONE, "dark"), ("desktop", DESKTOP, "light")):
            page.set_viewport_size(size)
            page.emulate_media(color_scheme=scheme, reduced_motion="reduce")  # no colour transitions mid-check
            try:
                assert_accessible(page)
            except AssertionError as error:
                findings[f"{item.name} ({size_name})"] = str(error)
    assert too_wide == {}, f"wider than a 390 px phone (px too wide): {too_wide}"
    assert findings == {}, findings
    assert page.console_errors == []
