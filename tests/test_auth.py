"""Sign-in, roles, sessions, CSRF and tokens."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import LoginSession, User, db
from tests.conftest import ADMIN_EMAIL, PASSWORD, RECRUITER_EMAIL


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


def test_login_is_rate_limited_per_account(client, auth, admin):
    for _ in range(10):
        assert auth.login(ADMIN_EMAIL, "wrong password").status_code == 401
    assert auth.login(ADMIN_EMAIL, PASSWORD).status_code == 429


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
    response = recruiter_client.post(f"/users/{admin.id}/toggle")
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
    assert response.status_code == 400
    assert message in response.data
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_disabling_a_recruiter_ends_their_sessions(app, admin, recruiter):
    recruiter_client = app.test_client()
    recruiter_client.post("/login", data={"email": RECRUITER_EMAIL, "password": PASSWORD})
    admin_client = app.test_client()
    admin_client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    response = admin_client.post(f"/users/{recruiter.id}/toggle", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.data
    assert f'id="user-{recruiter.id}"'.encode() in response.data
    assert b"Enable" in response.data
    assert recruiter_client.get("/interviews/dashboard").status_code == 302


def test_admin_cannot_disable_themselves(admin_client, admin):
    assert admin_client.post(f"/users/{admin.id}/toggle").status_code == 400
    assert db.session.get(User, admin.id).is_enabled


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
    assert admin_client.post("/account/", data={"prefs-timezone": "Mars/Base"}).status_code == 400


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
