"""The demo admin signs in through the real login form."""

from tests.support import assert_accessible, browser_login


def test_demo_admin_signs_in_and_sees_the_dashboard(live_server, browser_page, runner):
    output = runner.invoke(args=["init-demo"]).output
    password = next(line for line in output.splitlines() if line.startswith("Password: ")).split(": ", 1)[1]
    page = browser_page
    page.goto(f"{live_server}/")
    assert page.url == f"{live_server}/login"
    assert_accessible(page)

    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("Invalid email or password.").is_visible()

    browser_login(page, live_server, "admin@example.com", password)
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.get_by_text("Signed in as Demo Admin (admin)").is_visible()
    assert page.get_by_role("link", name="Users").is_visible()
    assert_accessible(page)
    assert page.console_errors == []

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server}/login")
    assert page.get_by_text("You have been signed out.").is_visible()
