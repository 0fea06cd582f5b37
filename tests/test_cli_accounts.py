"""`flask create-admin`, `flask reset-password` and `flask create-token`: the operator's way into accounts."""

import pyotp
import pytest
from sqlalchemy import func, select

from models import ApiToken, LoginSession, Role, User, db
from services import accounts, two_factor
from tests.conftest import ADMIN_EMAIL, PASSWORD, RECRUITER_EMAIL

NEW_PASSWORD = "plum kettle orbit seventeen"


def signed_in(app, email):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_reset_password_keeps_the_role_and_ends_sessions_and_tokens(app, runner, recruiter):
    browser = signed_in(app, RECRUITER_EMAIL)
    raw = accounts.create_token(recruiter)
    db.session.commit()
    result = runner.invoke(args=["reset-password", "Recruiter@Example.com", "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert f"New password set for {RECRUITER_EMAIL}; their sessions and API tokens have ended." in result.output
    user = db.session.get(User, recruiter.id)
    assert user.role == Role.RECRUITER and user.check_password(NEW_PASSWORD)
    assert browser.get("/interviews/dashboard").status_code == 302
    assert accounts.user_for_token(raw) is None
    assert db.session.scalar(select(func.count()).select_from(LoginSession).where(LoginSession.ended_at.is_(None))) == 0


def test_reset_password_turns_off_two_factor_for_a_locked_out_user(app, runner, clock, recruiter):
    secret = two_factor.begin_enrolment(recruiter)
    two_factor.confirm_enrolment(recruiter, pyotp.TOTP(secret).at(clock.now()))
    db.session.commit()
    result = runner.invoke(args=["reset-password", RECRUITER_EMAIL, "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "Two-factor sign-in was turned off; they can set it up again on their Account page." in result.output
    assert not db.session.get(User, recruiter.id).has_two_factor


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["reset-password", "nobody@example.com", "--password", NEW_PASSWORD],
            "Error: No user with the email nobody@example.com.",
        ),
        (["reset-password", RECRUITER_EMAIL, "--password", "password123"], "Error: Too common — add another word or two."),
        (
            ["reset-password", RECRUITER_EMAIL, "--password", "short"],
            "Error: Use at least 10 characters — a few unrelated words are easy to remember.",
        ),
        (["create-admin", "new@example.com", "--password", "qwerty12345"], "Error: Too common — add another word or two."),
        (["create-admin", RECRUITER_EMAIL, "--password", "qwerty12345"], "Error: Too common — add another word or two."),
    ],
)
def test_weak_or_unknown_input_exits_non_zero_with_one_line(runner, recruiter, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert result.output.strip() == message
    assert db.session.get(User, recruiter.id).check_password(PASSWORD)


def test_create_admin_on_an_existing_user_promotes_and_ends_their_sessions_and_tokens(app, runner, recruiter):
    browser = signed_in(app, RECRUITER_EMAIL)
    raw = accounts.create_token(recruiter)
    recruiter.is_enabled = False
    db.session.commit()
    result = runner.invoke(args=["create-admin", RECRUITER_EMAIL, "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    user = db.session.get(User, recruiter.id)
    assert user.is_admin and user.is_enabled and user.check_password(NEW_PASSWORD)
    assert browser.get("/interviews/dashboard").status_code == 302
    assert accounts.user_for_token(raw) is None


def test_create_token_prints_the_token_last(runner, admin):
    result = runner.invoke(args=["create-token", ADMIN_EMAIL])
    assert result.exit_code == 0
    raw = result.output.strip().splitlines()[-1]
    assert accounts.user_for_token(raw).email == ADMIN_EMAIL
    assert db.session.scalar(select(ApiToken.token_hash)) == accounts.hash_token(raw)
