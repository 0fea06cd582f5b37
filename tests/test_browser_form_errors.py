"""In the browser: an htmx form sent back with its errors (422) is swapped in where it was typed;
any other error swaps nothing and says why in a toast (base.html's responseHandling)."""

from playwright.sync_api import expect

from services import jobs
from tests.conftest import ADMIN_EMAIL
from tests.support import assert_accessible, browser_login


def _broken_create_job(*args, **kwargs):
    raise RuntimeError("the database went away")


def test_invalid_forms_swap_in_and_other_errors_toast(live_server, browser_page, admin, monkeypatch):
    page = browser_page
    browser_login(page, live_server, ADMIN_EMAIL)
    page.goto(f"{live_server}/jobs/new")

    # An empty title: htmx swaps the 422 form in, with the error summary and the message by the field.
    page.get_by_label("Company name").fill("Acme")
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Create job").click()
    assert posted.value.status == 422 and posted.value.request.headers.get("hx-request") == "true"
    expect(page.locator("#job-form .error-summary")).to_contain_text("Enter the job title.")
    expect(page.locator("#job-form")).to_have_count(1)
    expect(page.get_by_label("Company name")).to_have_value("Acme")
    expect(page.locator("#toasts .toast")).to_have_count(0)
    assert_accessible(page)

    # A crash (500): nothing is swapped, what was typed stays, and a toast carries the error page's message.
    monkeypatch.setattr(jobs, "create_job", _broken_create_job)
    page.get_by_label("Job title").fill("Frontend Engineer")
    page.get_by_role("button", name="Create job").click()
    expect(page.locator("#toasts .toast-error")).to_have_text("Something went wrong on our side. It has been logged.×")
    expect(page.get_by_label("Job title")).to_have_value("Frontend Engineer")

    # A conflict (409) whose body says nothing readable: the generic message.
    page.route("**/jobs/new", lambda route: route.fulfill(status=409, body="", content_type="text/plain"))
    page.get_by_role("button", name="Create job").click()
    expect(page.locator("#toasts .toast-error").nth(1)).to_contain_text("Something went wrong — try again")
    page.locator("#toasts .toast-close").first.click()
    expect(page.locator("#toasts .toast-error")).to_have_count(1)
    assert_accessible(page)
    # htmx logs each error it does not swap; nothing else went wrong in the page's scripts.
    assert [error for error in page.console_errors if not error.startswith("Response Status Error Code")] == []
