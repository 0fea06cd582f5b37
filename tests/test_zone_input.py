"""Time zones are typed with suggestions (a native datalist, the common zones first) and checked on
the server: account settings, the slot forms and the calendar."""

import re

import pytest
from playwright.sync_api import expect

from models import User, db
from services import timeutil
from tests.booking_support import make_job
from tests.conftest import RECRUITER_EMAIL
from tests.support import browser_login


def test_picker_zones_put_the_common_zones_first_then_every_canonical_name():
    zones = timeutil.picker_zones()
    assert zones[:3] == ("Asia/Kolkata", "Europe/London", "America/New_York")
    assert {"Asia/Singapore", "Asia/Dubai", "Australia/Sydney", "Europe/Berlin"} <= set(zones[: len(timeutil.FEATURED_ZONES)])
    assert len(zones) == len(set(zones)) and "Asia/Calcutta" not in zones and "Pacific/Auckland" in zones
    assert all(timeutil.is_valid_zone(name) for name in zones)


def test_account_zone_is_a_typed_field_with_suggestions(admin_client, admin):
    html = admin_client.get("/account/").get_data(as_text=True)
    assert 'list="zone-names"' in html and '<datalist id="zone-names">' in html
    assert '<option value="Asia/Kolkata">Asia/Kolkata</option>' in html
    assert '<option value="America/New_York">America/New York</option>' in html
    assert "<select" not in html.split('id="prefs-timezone"')[0].rsplit("<div", 1)[-1]
    assert admin_client.post("/account/", data={"prefs-timezone": " Asia/Calcutta "}).status_code == 302
    assert db.session.get(User, admin.id).timezone == "Asia/Kolkata"  # an alias is stored as its canonical name


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Mars/Base", "Unknown time zone &#39;Mars/Base&#39;."),
        ("Europe/" + "x" * 80, "Unknown time zone &#39;Europe/" + "x" * 57 + "&#39;."),
    ],
)
def test_account_refuses_an_unknown_zone_inline(admin_client, admin, typed, message):
    response = admin_client.post("/account/", data={"prefs-timezone": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and f'<p class="error" id="prefs-timezone-error">{message}</p>' in html
    assert 'aria-invalid="true"' in html


def test_slot_form_refuses_an_unknown_zone_inline(clock, recruiter_client):
    job = make_job()
    data = {
        "job_id": str(job.id),
        "interview_date": "2030-01-16",
        "start_time": "14:30",
        "end_time": "15:00",
        "ai_interview_type": "technical",
        "max_candidates": "1",
        "timezone": "Nowhere/Land",
    }
    response = recruiter_client.post("/slots/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Unknown time zone &#39;Nowhere/Land&#39;." in html
    assert 'value="Nowhere/Land"' in html  # kept as typed, to correct
    assert recruiter_client.post("/slots/new", data=data | {"timezone": "Europe/London"}).status_code == 302
    for path in ("/slots/new", "/slots/pattern"):
        assert 'autocomplete="off" data-zone-input="" id="timezone" list="zone-names" name="timezone"' in recruiter_client.get(
            path
        ).get_data(as_text=True)


def test_calendar_zone_is_an_input_and_an_unknown_one_falls_back(clock, recruiter_client):
    html = recruiter_client.get("/slots/?tz=Europe/London").get_data(as_text=True)
    assert '<input id="calendar-tz" name="tz" value="Europe/London" list="zone-names"' in html
    fallback = recruiter_client.get("/slots/?tz=Nowhere/Land").get_data(as_text=True)
    assert 'name="tz" value="Asia/Kolkata"' in fallback


def test_the_device_zone_is_suggested_first_and_a_typed_zone_moves_the_calendar(clock, live_server, browser_page, recruiter, app):
    page = browser_page
    browser_login(page, live_server, RECRUITER_EMAIL)
    page.goto(f"{live_server}/account/")
    device = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    first = page.locator("#zone-names option").first
    if device in timeutil.picker_zones():
        expect(first).to_have_attribute("value", device)
        expect(first).to_contain_text("(this device)")
    page.get_by_label("Your time zone").fill("Mars/Base")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("#prefs-timezone-error")).to_have_text("Unknown time zone 'Mars/Base'.")

    page.goto(f"{live_server}/slots/")
    page.get_by_label("Time zone").fill("America/New_York")
    page.get_by_label("Time zone").press("Enter")
    expect(page).to_have_url(re.compile(r"tz=America(%2F|/)New_York"))
    expect(page.locator("#calendar-tz")).to_have_value("America/New_York")
    expect(page.locator("#zone-names option[data-device-zone]")).to_have_count(1 if device in timeutil.picker_zones() else 0)
