"""Sign-in (two-factor too), password change and reset, roles, sessions, CSRF and tokens."""

import re
import threading
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from models import ApiToken, LoginSession, OutboxEmail, User, db
from services import accounts
from tests.conftest import ADMIN_EMAIL, PASSWORD, RECRUITER_EMAIL
from tests.support import BOTH_DATABASES

NEW_PASSWORD = "plum kettle orbit seventeen"


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_login_success_redirects_to_dashboard(client, auth, admin):
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/interviews/dashboard"
    page = client.get("/interviews/dashboard")
    assert page.status_code == 200
    assert b"Signed in as Ada Admin (admin)" in page.data


@pytest.mark.parametrize(
    ("email", "password"),
    [(ADMIN_EMAIL, "wrong password"), ("nobody@example.com", PASSWORD), ("not-an-email", PASSWORD)],
)
def test_failed_login_does_not_reveal_which_part_was_wrong(client, auth, admin, email, password):
    response = auth.login(email, password)
    assert response.status_code == 401
    assert b"Invalid email or password." in response.data
    assert client.get("/interviews/dashboard").status_code == 302


def test_disabled_account_cannot_sign_in(client, auth, admin):
    admin.is_enabled = False
    db.session.commit()
    response = auth.login()
    assert response.status_code == 401
    assert b"Invalid email or password." in response.data


def test_an_incomplete_sign_in_form_answers_422_with_the_reason(client, admin):
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": ""})
    assert response.status_code == 422
    assert b"This field is required." in response.data
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_login_without_csrf_token_is_refused(client, admin):
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert b"Reload the page" in response.data
    assert db.session.scalar(select(func.count(LoginSession.id))) == 0


def test_forged_csrf_token_is_refused(admin_client):
    response = admin_client.post(
        "/users/", data={"email": "x@example.com", "password": "long enough pw"}, headers={"X-CSRFToken": "forged"}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(User).where(User.email == "x@example.com")) is None


def test_login_is_rate_limited_per_account(client, admin):
    def attempt(password, n):
        # Each from its own address, so only the per-account limit can answer 429.
        return client.post(
            "/login", data={"email": ADMIN_EMAIL, "password": password}, environ_base={"REMOTE_ADDR": f"10.0.1.{n}"}
        )

    for n in range(10):
        assert attempt("wrong password", n).status_code == 401
    assert attempt(PASSWORD, 99).status_code == 429


def test_login_is_rate_limited_per_address(client, admin):
    for n in range(10):
        assert client.post("/login", data={"email": f"nobody{n}@example.com", "password": "wrong"}).status_code == 401
    # Another account, never tried before: refused because this address used its budget.
    assert client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD}).status_code == 429


def test_login_limit_holds_while_redis_is_down(app_config, admin):
    from app import create_app
    from tests.conftest import CSRFClient, free_port

    down = create_app({**app_config, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/0"})  # nothing listens
    down.test_client_class = CSRFClient
    client = down.test_client()
    for _ in range(10):
        assert client.post("/login", data={"email": ADMIN_EMAIL, "password": "wrong"}).status_code == 401
    assert client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD}).status_code == 429


def test_successful_logins_do_not_count_towards_the_limit(client, auth, admin):
    for _ in range(12):
        assert auth.login().status_code == 302
        auth.logout()


def test_login_starts_a_fresh_session(client, auth, admin):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login()
    with client.session_transaction() as session:
        assert "planted" not in session
        assert len(session["sid"]) >= 32


def test_logout_ends_the_session_on_the_server(client, auth, admin):
    auth.login()
    with client.session_transaction() as session:
        stolen = dict(session)
    auth.logout()
    with client.session_transaction() as session:
        session.update(stolen)  # replay the old cookie
    assert client.get("/interviews/dashboard").status_code == 302
    assert db.session.scalar(select(LoginSession)).ended_at is not None


def test_idle_session_times_out(client, auth, admin, clock, app):
    auth.login()
    clock.advance(timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] - 1))
    assert client.get("/interviews/dashboard").status_code == 200
    clock.advance(timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1))
    response = client.get("/interviews/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/jobs/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_root_sends_people_where_they_belong(client, auth, admin):
    assert client.get("/").headers["Location"] == "/login"
    auth.login()
    assert client.get("/").headers["Location"] == "/interviews/dashboard"


def test_next_parameter_cannot_leave_the_site(client, admin):
    response = client.post("/login?next=//evil.example/", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert response.headers["Location"] == "/interviews/dashboard"


def test_recruiter_cannot_open_admin_pages(recruiter_client, admin):
    assert recruiter_client.get("/users/").status_code == 403
    response = recruiter_client.post(f"/users/{admin.id}/toggle", data={"enabled": "false"})
    assert response.status_code == 403
    assert db.session.get(User, admin.id).is_enabled


def test_admin_adds_a_recruiter_who_can_sign_in(admin_client, auth):
    response = admin_client.post(
        "/users/",
        data={"email": "New.Person@Example.com", "full_name": "New Person", "role": "recruiter", "password": "a long password"},
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert user.role == "recruiter"
    auth.logout()
    assert auth.login("new.person@example.com", "a long password").status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email", "password": "a long password"}, b"Invalid email address."),
        ({"email": "ok@example.com", "password": "short"}, b"Field must be between 10 and 200 characters long."),
        ({"email": ADMIN_EMAIL, "password": "a long password"}, b"already exists"),
    ],
)
def test_adding_a_user_with_bad_input_shows_the_reason(admin_client, data, message):
    response = admin_client.post("/users/", data={"role": "recruiter", **data})
    assert response.status_code == 422
    assert message in response.data
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_disabling_a_recruiter_ends_their_sessions(app, admin, recruiter):
    recruiter_client = app.test_client()
    recruiter_client.post("/login", data={"email": RECRUITER_EMAIL, "password": PASSWORD})
    admin_client = app.test_client()
    admin_client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    response = admin_client.post(f"/users/{recruiter.id}/toggle", data={"enabled": "false"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.data
    assert f'id="user-{recruiter.id}"'.encode() in response.data
    assert b"Enable" in response.data
    assert recruiter_client.get("/interviews/dashboard").status_code == 302


def test_disable_twice_stays_disabled_and_a_missing_state_is_refused(admin_client, recruiter):
    """The form names the state it wants: a second "Disable" (another tab, a retry) changes nothing."""
    for _ in range(2):
        assert admin_client.post(f"/users/{recruiter.id}/toggle", data={"enabled": "false"}).status_code == 302
    assert not db.session.get(User, recruiter.id).is_enabled
    assert admin_client.post(f"/users/{recruiter.id}/toggle").status_code == 400
    assert not db.session.get(User, recruiter.id).is_enabled


@BOTH_DATABASES
def test_two_disables_at_once_leave_the_account_disabled(app, admin, recruiter, backend):
    clients = []
    for _ in range(2):
        client = app.test_client()
        client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
        clients.append(client)
    url = f"/users/{recruiter.id}/toggle"
    db.session.remove()
    barrier = threading.Barrier(2, timeout=30)
    statuses = []

    def disable(client):
        with app.app_context():
            barrier.wait()
            statuses.append(client.post(url, data={"enabled": "false"}).status_code)

    threads = [threading.Thread(target=disable, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [302, 302]
    assert not db.session.scalar(select(User.is_enabled).where(User.email == RECRUITER_EMAIL))


def test_admin_cannot_disable_themselves(admin_client, admin):
    assert admin_client.post(f"/users/{admin.id}/toggle", data={"enabled": "false"}).status_code == 400
    assert db.session.get(User, admin.id).is_enabled


@pytest.mark.parametrize("htmx", [False, True])
def test_an_unnamed_token_is_refused_inline_as_page_or_fragment(admin_client, admin, htmx):
    response = admin_client.post("/account/tokens", data={"token-name": " "}, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 422 and "HX-Request" in response.headers["Vary"]
    assert b'id="api-tokens"' in response.data and (b"<html" in response.data) is not htmx
    assert b"This field is required." in response.data
    assert not db.session.scalars(select(ApiToken).where(ApiToken.user_id == admin.id)).all()


def test_another_users_token_cannot_be_revoked(admin_client, recruiter):
    raw = accounts.create_token(recruiter, "theirs")
    db.session.commit()
    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == recruiter.id))
    assert admin_client.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert accounts.user_for_token(raw) is not None


def test_api_token_created_on_the_account_page_works_once_shown(admin_client, app):
    page = admin_client.post("/account/tokens", data={"token-name": "script"}, headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert b'id="api-tokens"' in page.data and b"<html" not in page.data
    raw = page.data.split(b'id="new-token">')[1].split(b"<")[0].decode()
    api = app.test_client()
    assert api.get("/api/", headers={"Authorization": f"Token {raw}"}).json["user"]["email"] == ADMIN_EMAIL


def test_preferences_set_the_viewers_time_zone(admin_client, admin):
    response = admin_client.post("/account/", data={"prefs-timezone": "America/New_York", "prefs-notify_on_booking": "y"})
    assert response.status_code == 302
    assert db.session.get(User, admin.id).timezone == "America/New_York"
    assert admin_client.post("/account/", data={"prefs-timezone": "Mars/Base"}).status_code == 422


def redis_reachable():
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_login_limit_is_shared_through_redis(app_config, admin):
    """With REDIS_URL set, every worker counts failed logins in one place."""
    import secrets

    from app import create_app
    from tests.conftest import CSRFClient

    shared = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "RATELIMIT_KEY_PREFIX": secrets.token_hex(6)}
    workers = []
    for _ in range(2):
        worker_app = create_app({**app_config, **shared})
        worker_app.test_client_class = CSRFClient
        workers.append(worker_app.test_client())
    for worker in workers * 5:
        assert worker.post("/login", data={"email": ADMIN_EMAIL, "password": "wrong"}).status_code == 401
    assert workers[0].post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD}).status_code == 429


# --- redirects after sign-in -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "followed"),
    [
        ("/ok?x=1", "/ok?x=1"),
        ("/candidates/", "/candidates/"),
        ("/\t/evil.example", None),
        ("/\n/evil.example", None),
        ("/\r\n/evil.example", None),
        ("\\\\evil.example", None),
        ("/\\evil.example", None),
        ("\\/evil.example", None),
        ("//evil.example", None),
        ("https://evil.example/", None),
        ("http:evil.example", None),
        ("javascript:alert(1)", None),
        ("evil.example", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_next_follows_only_paths_on_this_site_as_a_browser_reads_them(target, followed):
    from blueprints.auth.routes import safe_next

    assert safe_next(target) == followed


@pytest.mark.parametrize(
    "query", ["next=/%09/evil.example", "next=/%0a/evil.example", "next=/%5Cevil.example", "next=%5C%5Cevil"]
)
def test_sign_in_never_redirects_off_site(client, admin, query):
    response = client.post(f"/login?{query}", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/interviews/dashboard"


def test_sign_in_follows_a_local_next(client, admin):
    response = client.post("/login?next=/candidates/%3Fq%3D1", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert response.headers["Location"] == "/candidates/?q=1"


def test_the_per_account_limit_counts_every_spelling_of_the_address(client):
    accounts.create_user("ana@example.com", PASSWORD)
    db.session.commit()

    def attempt(email, password, n):
        # Each from its own address, so only the per-account limit can answer 429.
        return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})

    for n in range(10):
        assert attempt("ana@example.com", "wrong password", n).status_code == 401
    # A full-width letter is the same account (NFKC), so the same counter.
    assert attempt("ana@ｅxample.com", PASSWORD, 20).status_code == 429
    assert attempt("ＡＮＡ@EXAMPLE.COM", PASSWORD, 21).status_code == 429
    assert client.get("/interviews/dashboard").status_code == 302


# --- password change -------------------------------------------------------------------------


def signed_in_client(app, email=ADMIN_EMAIL, password=PASSWORD):
    other = app.test_client()
    assert other.post("/login", data={"email": email, "password": password}).status_code == 302
    return other


def test_changing_the_password_signs_out_the_other_sessions_only(app, admin_client, admin):
    elsewhere = signed_in_client(app)
    response = admin_client.post(
        "/account/password",
        data={"password-current_password": PASSWORD, "password-new_password": NEW_PASSWORD, "password-confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    assert "Your other sessions were signed out." in admin_client.get("/account/").get_data(as_text=True)
    assert elsewhere.get("/interviews/dashboard").status_code == 302
    assert db.session.get(User, admin.id).check_password(NEW_PASSWORD)
    assert db.session.scalar(select(OutboxEmail.kind)) == "password_changed"


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong password", NEW_PASSWORD, NEW_PASSWORD, "Your current password is not right."),
        (PASSWORD, "iloveyou123", "iloveyou123", "Too common — add another word or two."),
        (PASSWORD, NEW_PASSWORD, "something else", "The two passwords differ."),
        (PASSWORD, "short", "short", "Use at least 10 characters — a few unrelated words are easy to remember."),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(app, admin_client, admin, current, new, confirm, message):
    elsewhere = signed_in_client(app)
    response = admin_client.post(
        "/account/password",
        data={"password-current_password": current, "password-new_password": new, "password-confirm": confirm},
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.get(User, admin.id).check_password(PASSWORD)
    assert elsewhere.get("/interviews/dashboard").status_code == 200


def test_wrong_current_passwords_are_throttled(admin_client, admin):
    data = {
        "password-current_password": "wrong password",
        "password-new_password": NEW_PASSWORD,
        "password-confirm": NEW_PASSWORD,
    }
    for _ in range(10):
        assert admin_client.post("/account/password", data=data).status_code == 422
    right = {**data, "password-current_password": PASSWORD}
    assert admin_client.post("/account/password", data=right).status_code == 429
    assert db.session.get(User, admin.id).check_password(PASSWORD)


# --- password reset by e-mail ----------------------------------------------------------------


def reset_link_token():
    body = db.session.scalar(select(OutboxEmail.body_text).where(OutboxEmail.kind == "password_reset"))
    return body.split("/password/reset/")[1].split()[0]


def test_sign_in_page_links_to_the_reset_form(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot">Forgot password?</a>' in page
    assert client.get("/password/forgot").status_code == 200


@pytest.mark.parametrize("email", [RECRUITER_EMAIL, "nobody@example.com"])
def test_asking_for_a_reset_gives_the_same_answer_whether_or_not_the_account_exists(client, recruiter, email):
    response = client.post("/password/forgot", data={"email": email})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "If an account exists for that address, we sent a link to reset its password. It works for 30 minutes." in page
    sent = db.session.scalars(select(OutboxEmail.to_email)).all()
    assert sent == ([RECRUITER_EMAIL] if email == RECRUITER_EMAIL else [])


def test_reset_requests_are_throttled_per_address_whatever_its_spelling(client, recruiter):
    for spelling in (RECRUITER_EMAIL, "Recruiter@Example.com", "recruiter@ｅxample.com"):
        assert client.post("/password/forgot", data={"email": spelling}).status_code == 302
    assert client.post("/password/forgot", data={"email": RECRUITER_EMAIL}).status_code == 429
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 3


def test_the_reset_link_sets_a_new_password_once_and_signs_out_everywhere(app, client, clock, recruiter):
    elsewhere = signed_in_client(app, RECRUITER_EMAIL)
    raw_token = accounts.create_token(recruiter)
    db.session.commit()
    client.post("/password/forgot", data={"email": RECRUITER_EMAIL})
    url = f"/password/reset/{reset_link_token()}"
    page = client.get(url)
    assert page.status_code == 200 and f"For {RECRUITER_EMAIL}." in page.get_data(as_text=True)
    weak = client.post(url, data={"new_password": "password123", "confirm": "password123"})
    assert weak.status_code == 422 and "Too common — add another word or two." in weak.get_data(as_text=True)
    done = client.post(url, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert elsewhere.get("/interviews/dashboard").status_code == 302
    assert client.get("/api/", headers={"Authorization": f"Token {raw_token}"}).status_code == 401
    assert client.post("/login", data={"email": RECRUITER_EMAIL, "password": NEW_PASSWORD}).status_code == 302
    again = app.test_client().get(url)
    assert again.status_code == 410
    assert "This reset link has expired or was already used." in again.get_data(as_text=True)


def test_an_unknown_reset_link_gets_the_uniform_page(client):
    response = client.get("/password/reset/made-up-token")
    assert response.status_code == 410
    assert "Send a new link" in response.get_data(as_text=True)


# --- two-factor sign-in ----------------------------------------------------------------------


def enrol_over_http(client, clock):
    """Set up two-factor sign-in on the account page; returns (secret, recovery codes)."""
    assert client.post("/account/two-factor/start").headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page and "data:" not in page and "style=" not in page
    secret = page.split('id="totp-secret">')[1].split("<")[0]
    done = client.post("/account/two-factor/confirm", data={"code": pyotp.TOTP(secret).at(clock.now())})
    assert done.status_code == 200 and "Save your recovery codes" in done.get_data(as_text=True)
    codes = re.findall(r"<li><code>([^<]+)</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def test_a_wrong_enrolment_code_leaves_two_factor_off(clock, admin_client, admin):
    admin_client.post("/account/two-factor/start")
    response = admin_client.post("/account/two-factor/confirm", data={"code": "12345"})
    assert response.status_code == 422
    assert "That code is not right. Enter the 6 digits your app shows now." in response.get_data(as_text=True)
    assert not db.session.get(User, admin.id).has_two_factor


def test_two_factor_sign_in_asks_for_a_code_and_the_half_signed_in_state_grants_nothing(client, auth, admin, clock):
    auth.login()
    secret, codes = enrol_over_http(client, clock)
    auth.logout()
    response = auth.login()
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    for path in ("/interviews/dashboard", "/account/", "/users/"):
        assert client.get(path).headers["Location"].startswith("/login"), path
    assert client.post("/account/two-factor/disable", data={"off-password": PASSWORD}).headers["Location"].startswith("/login")
    wrong = client.post("/login/code", data={"code": "000000" if pyotp.TOTP(secret).at(clock.now()) != "000000" else "111111"})
    assert wrong.status_code == 401 and "That code is not right." in wrong.get_data(as_text=True)
    clock.advance(timedelta(seconds=30))
    right = client.post("/login/code", data={"code": pyotp.TOTP(secret).at(clock.now())})
    assert right.status_code == 302 and right.headers["Location"] == "/interviews/dashboard"
    assert client.get("/interviews/dashboard").status_code == 200


def test_a_recovery_code_signs_in_once(client, auth, admin, clock):
    auth.login()
    _secret, codes = enrol_over_http(client, clock)
    auth.logout()
    auth.login()
    assert client.post("/login/code", data={"code": codes[3]}).headers["Location"] == "/interviews/dashboard"
    auth.logout()
    auth.login()
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 401


def test_the_code_step_expires_and_is_throttled(client, auth, admin, clock):
    auth.login()
    secret, _codes = enrol_over_http(client, clock)
    auth.logout()
    auth.login()
    clock.advance(timedelta(minutes=6))
    expired = client.post("/login/code", data={"code": pyotp.TOTP(secret).at(clock.now())})
    assert expired.headers["Location"] == "/login"
    auth.login()
    for _ in range(10):
        assert client.post("/login/code", data={"code": "not a code"}).status_code == 401
    clock.advance(timedelta(seconds=30))
    assert client.post("/login/code", data={"code": pyotp.TOTP(secret).at(clock.now())}).status_code == 429


def test_the_code_step_without_a_password_step_goes_back_to_sign_in(client):
    assert client.get("/login/code").headers["Location"] == "/login"
    assert client.post("/login/code", data={"code": "123456"}).headers["Location"] == "/login"


def test_turning_two_factor_off_needs_the_password(clock, admin_client, admin):
    enrol_over_http(admin_client, clock)
    wrong = admin_client.post("/account/two-factor/disable", data={"off-password": "wrong password"})
    assert wrong.status_code == 422 and "Your password is not right." in wrong.get_data(as_text=True)
    assert admin_client.post("/account/two-factor/disable", data={"off-password": PASSWORD}).status_code == 302
    assert not db.session.get(User, admin.id).has_two_factor


def test_new_recovery_codes_replace_the_old_ones(clock, client, auth, admin):
    auth.login()
    _secret, old_codes = enrol_over_http(client, clock)
    wrong = client.post("/account/two-factor/recovery-codes", data={"codes-password": "wrong password"})
    assert wrong.status_code == 422 and "Your password is not right." in wrong.get_data(as_text=True)
    made = client.post("/account/two-factor/recovery-codes", data={"codes-password": PASSWORD})
    new_codes = re.findall(r"<li><code>([^<]+)</code></li>", made.get_data(as_text=True))
    assert made.status_code == 200 and len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    auth.logout()
    auth.login()
    assert client.post("/login/code", data={"code": old_codes[0]}).status_code == 401
    assert client.post("/login/code", data={"code": new_codes[0]}).headers["Location"] == "/interviews/dashboard"


def test_when_the_org_requires_two_factor_users_without_it_can_only_enrol(app, clock, admin_client, recruiter):
    response = admin_client.post("/users/two-factor-requirement", data={"org-require_two_factor": "y"})
    assert response.status_code == 302
    assert admin_client.get("/interviews/dashboard").headers["Location"] == "/account/two-factor"
    htmx = admin_client.get("/candidates/", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/account/two-factor"
    enrol_over_http(admin_client, clock)
    assert admin_client.get("/interviews/dashboard").status_code == 200
    other = app.test_client()
    signed_in = other.post("/login", data={"email": RECRUITER_EMAIL, "password": PASSWORD})
    assert signed_in.headers["Location"] == "/account/two-factor"
    page = other.get("/account/two-factor").get_data(as_text=True)
    assert "Your organisation requires two-factor sign-in for everyone." in page
    assert other.post("/logout").status_code == 302


# --- the admin's user management -------------------------------------------------------------


def test_admin_changes_a_role_in_place(admin_client, recruiter):
    response = admin_client.post(f"/users/{recruiter.id}/role", data={"role": "admin"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and b"<html" not in response.data
    assert f'id="user-{recruiter.id}"' in response.get_data(as_text=True)
    assert f"{RECRUITER_EMAIL} is now an admin." in response.get_data(as_text=True)
    assert db.session.get(User, recruiter.id).is_admin


def test_the_last_admin_cannot_demote_themselves(admin_client, admin):
    response = admin_client.post(f"/users/{admin.id}/role", data={"role": "recruiter"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "The organisation needs at least one active admin" in response.get_data(as_text=True)
    assert db.session.get(User, admin.id).is_admin


def test_disabling_revokes_api_tokens_for_good(app, admin_client, recruiter):
    raw = accounts.create_token(recruiter)
    db.session.commit()
    api = app.test_client()
    assert api.get("/api/", headers={"Authorization": f"Token {raw}"}).status_code == 200
    assert admin_client.post(f"/users/{recruiter.id}/toggle", data={"enabled": "false"}).status_code == 302
    assert api.get("/api/", headers={"Authorization": f"Token {raw}"}).status_code == 401
    assert admin_client.post(f"/users/{recruiter.id}/toggle", data={"enabled": "true"}).status_code == 302  # enabled again
    assert db.session.get(User, recruiter.id).is_enabled
    assert api.get("/api/", headers={"Authorization": f"Token {raw}"}).status_code == 401


def test_the_users_page_confirms_a_disable_in_a_dialog(admin_client, recruiter):
    page = admin_client.get("/users/").get_data(as_text=True)
    assert f'data-open-dialog="#disable-{recruiter.id}"' in page
    assert f'<dialog id="disable-{recruiter.id}"' in page
    assert "Their API tokens stop working for good" in page
    assert "<script>" not in page.split("</head>")[1]


def test_admin_sends_a_reset_link(admin_client, recruiter):
    response = admin_client.post(f"/users/{recruiter.id}/reset", headers={"HX-Request": "true"})
    assert f"A reset link is on its way to {RECRUITER_EMAIL}." in response.get_data(as_text=True)
    email = db.session.scalar(select(OutboxEmail))
    assert (email.kind, email.to_email) == ("password_reset", RECRUITER_EMAIL)


def test_admin_turns_off_a_users_two_factor(app, clock, admin_client, recruiter):
    other = signed_in_client(app, RECRUITER_EMAIL)
    enrol_over_http(other, clock)
    response = admin_client.post(f"/users/{recruiter.id}/two-factor/disable", headers={"HX-Request": "true"})
    assert f"Two-factor sign-in is off for {RECRUITER_EMAIL}." in response.get_data(as_text=True)
    assert not db.session.get(User, recruiter.id).has_two_factor
