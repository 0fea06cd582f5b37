"""Account rules without HTTP: password strength and changes, resets, roles, disabling, two-factor sign-in."""

import contextlib
import threading
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from config import load_config
from models import (
    ApiToken,
    AuditEvent,
    LoginSession,
    OrgSettings,
    OutboxEmail,
    PasswordResetToken,
    RecoveryCode,
    Role,
    User,
    db,
)
from services import accounts, audit, password_reset, passwords, two_factor, users
from services.errors import RefusedAction, ServiceError
from tests.conftest import ADMIN_EMAIL, PASSWORD, RECRUITER_EMAIL
from tests.support import BOTH_DATABASES

NEW_PASSWORD = "plum kettle orbit seventeen"


def live_sessions(user):
    return db.session.scalar(
        select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    )


def live_tokens(user):
    return db.session.scalar(
        select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )


def test_passwords_are_hashed_with_scrypt_unless_the_setting_says_otherwise(app, tmp_path):
    """Production hashes with Werkzeug's scrypt; the suite sets a cheap method, and both verify."""
    assert load_config(tmp_path)["PASSWORD_HASH_METHOD"] == "scrypt"
    user = accounts.create_user("asha@example.com", PASSWORD, Role.RECRUITER)
    assert user.password_hash.startswith("pbkdf2:sha256:1$") and user.check_password(PASSWORD)
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    user.set_password(NEW_PASSWORD)
    assert user.password_hash.startswith("scrypt:32768:8:1$") and user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Use at least 10 characters — a few unrelated words are easy to remember."),
        ("password123", "Too common — add another word or two."),
        ("Pass Word 123", "Too common — add another word or two."),
        (
            "aaaaaaaaaaaa",
            'Repeats like "aaa" are easy to guess. Add another word or two. Uncommon words are better. Avoid repeated words and characters.',
        ),
        ("x" * 201, "Use at most 200 characters."),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, message):
    with pytest.raises(passwords.WeakPassword) as refused:
        passwords.check_strength(password)
    assert str(refused.value) == message


def test_a_password_made_of_the_users_own_email_is_weak():
    passwords.check_strength("rita.recruiter@example.com")  # strong for anyone else
    with pytest.raises(passwords.WeakPassword):
        passwords.check_strength("rita.recruiter@example.com", user_inputs=("rita.recruiter@example.com", "Rita Recruiter"))


@pytest.mark.parametrize("password", [PASSWORD, NEW_PASSWORD, "a long password"])
def test_the_fixtures_passwords_are_strong_enough(password):
    passwords.check_strength(password)


def test_the_common_password_list_ships_offline():
    assert len(passwords.common_passwords()) >= 10_000
    assert {"123456", "password", "qwerty"} <= passwords.common_passwords()


@pytest.mark.parametrize("typed", ["ana@ｅxample.com", "ＡＮＡ@EXAMPLE.COM", " Ana@Example.com "])
def test_every_spelling_of_an_address_is_one_account_and_one_sign_in_key(app, typed):
    user = accounts.create_user("ana@example.com", PASSWORD)
    db.session.commit()
    assert accounts.find_user(typed) == user
    assert accounts.sign_in_key(typed) == accounts.sign_in_key("ana@example.com") == "ana@example.com"


def test_change_password_keeps_this_session_and_ends_the_others(app, admin):
    here = accounts.start_login_session(admin)
    elsewhere = accounts.start_login_session(admin)
    db.session.commit()
    accounts.change_password(admin, PASSWORD, NEW_PASSWORD, current_session=here.id)
    db.session.commit()
    db.session.refresh(here), db.session.refresh(elsewhere)
    assert here.ended_at is None and elsewhere.ended_at is not None
    assert admin.check_password(NEW_PASSWORD)
    notice = db.session.scalar(select(OutboxEmail))
    assert (notice.kind, notice.to_email, notice.subject) == (
        "password_changed",
        ADMIN_EMAIL,
        "Interview scheduler: Your password was changed",
    )


@pytest.mark.parametrize(
    ("current", "new", "error", "message"),
    [
        ("wrong password", NEW_PASSWORD, accounts.WrongPassword, "Your current password is not right."),
        (PASSWORD, "qwertyuiop", accounts.PasswordTooWeak, "Too common — add another word or two."),
        (PASSWORD, PASSWORD, accounts.AccountError, "Choose a password different from your current one."),
    ],
)
def test_change_password_refusals_change_nothing(app, admin, current, new, error, message):
    with pytest.raises(error) as refused:
        accounts.change_password(admin, current, new, current_session=None)
    assert str(refused.value) == message
    db.session.rollback()
    assert db.session.get(User, admin.id).check_password(PASSWORD)


def test_disabling_ends_sessions_and_revokes_tokens_for_good(app, admin, recruiter):
    raw = accounts.create_token(recruiter)
    accounts.start_login_session(recruiter)
    db.session.commit()
    accounts.set_enabled(recruiter, False, actor=admin)
    db.session.commit()
    assert live_sessions(recruiter) == 0 and live_tokens(recruiter) == 0
    accounts.set_enabled(recruiter, True, actor=admin)
    db.session.commit()
    assert accounts.user_for_token(raw) is None


def test_an_admin_cannot_disable_themselves(app, admin):
    with pytest.raises(accounts.AccountError, match="You cannot disable your own account."):
        accounts.set_enabled(admin, False, actor=admin)


@BOTH_DATABASES
def test_the_last_active_admin_cannot_be_demoted_or_disabled(app, backend, admin, recruiter):
    with pytest.raises(accounts.AccountError, match="at least one active admin"):
        accounts.set_role(admin, Role.RECRUITER, actor=admin)
    db.session.rollback()
    accounts.set_role(recruiter, Role.ADMIN, actor=admin)
    db.session.commit()
    accounts.set_role(admin, Role.RECRUITER, actor=admin)  # another admin remains
    db.session.commit()
    with pytest.raises(accounts.AccountError, match="at least one active admin"):
        accounts.set_enabled(recruiter, False, actor=admin)
    db.session.rollback()
    assert db.session.get(User, recruiter.id).is_admin and db.session.get(User, recruiter.id).is_enabled


@BOTH_DATABASES
def test_a_demotion_decided_on_a_stale_admin_count_is_refused(app, backend, admin, recruiter, monkeypatch):
    """Two admins demoting each other at once: the guard's UPDATE re-counts the other admins itself."""
    accounts.set_role(recruiter, Role.ADMIN, actor=admin)
    db.session.commit()
    accounts.set_role(admin, Role.RECRUITER, actor=recruiter)
    db.session.commit()
    # What the other request saw when it read before that commit: one other admin.
    monkeypatch.setattr(accounts, "_active_admins_besides", lambda user: 1)
    with pytest.raises(accounts.AccountError, match="at least one active admin"):
        accounts.set_role(recruiter, Role.RECRUITER, actor=admin)
    db.session.rollback()
    admins = db.session.scalars(select(User.email).where(User.role == "admin", User.is_enabled.is_(True))).all()
    assert admins == [RECRUITER_EMAIL]


def test_reset_link_is_single_use_and_ends_sessions_and_tokens(app, clock, recruiter):
    accounts.start_login_session(recruiter)
    accounts.create_token(recruiter)
    password_reset.request_reset("Recruiter@Example.com")
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "password_reset"))
    raw = email.body_text.split("/password/reset/")[1].split()[0]
    assert f"http://testserver.local/password/reset/{raw}" in email.body_text
    stored = db.session.scalar(select(PasswordResetToken))
    assert stored.token_hash == accounts.hash_token(raw) and raw not in stored.token_hash
    assert len(raw) * 6 >= 128
    password_reset.reset_with_link(raw, NEW_PASSWORD)
    assert db.session.get(User, recruiter.id).check_password(NEW_PASSWORD)
    assert live_sessions(recruiter) == 0 and live_tokens(recruiter) == 0
    assert sorted(db.session.scalars(select(OutboxEmail.kind))) == ["password_changed", "password_reset"]
    with pytest.raises(password_reset.ResetLinkInvalid):
        password_reset.reset_with_link(raw, "another fine password 42")


def test_reset_link_expires_after_30_minutes(app, clock, recruiter):
    password_reset.request_reset(RECRUITER_EMAIL)
    raw = db.session.scalar(select(OutboxEmail)).body_text.split("/password/reset/")[1].split()[0]
    clock.advance(timedelta(minutes=29))
    assert password_reset.check_link(raw) == recruiter
    clock.advance(timedelta(minutes=1))
    with pytest.raises(password_reset.ResetLinkInvalid):
        password_reset.check_link(raw)


def test_a_weak_password_leaves_the_reset_link_usable(app, clock, recruiter):
    password_reset.request_reset(RECRUITER_EMAIL)
    raw = db.session.scalar(select(OutboxEmail)).body_text.split("/password/reset/")[1].split()[0]
    with pytest.raises(accounts.PasswordTooWeak):
        password_reset.reset_with_link(raw, "password1")
    assert password_reset.check_link(raw) == recruiter


@BOTH_DATABASES
def test_a_reset_link_used_in_another_tab_meanwhile_is_refused(app, backend, clock, recruiter):
    """The link is consumed by a conditional UPDATE: the second of two submissions loses."""
    password_reset.request_reset(RECRUITER_EMAIL)
    raw = db.session.scalar(select(OutboxEmail)).body_text.split("/password/reset/")[1].split()[0]
    token = db.session.scalar(select(PasswordResetToken))
    db.session.execute(
        PasswordResetToken.__table__.update().where(PasswordResetToken.id == token.id).values(used_at=clock.now())
    )  # the other tab's UPDATE, after this tab read the token as unused
    with pytest.raises(password_reset.ResetLinkInvalid):
        password_reset.reset_with_link(raw, NEW_PASSWORD)
    assert db.session.get(User, recruiter.id).check_password(PASSWORD)


@pytest.mark.parametrize("email", ["nobody@example.com", "not an address", RECRUITER_EMAIL])
def test_unknown_and_disabled_addresses_get_no_reset_link(app, recruiter, email):
    recruiter.is_enabled = False
    db.session.commit()
    assert password_reset.request_reset(email) is None
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
    assert db.session.scalar(select(func.count()).select_from(PasswordResetToken)) == 0
    assert len(db.session.scalars(select(AuditEvent.action)).all()) == 1  # a write all the same, for equal timing


def test_a_password_change_kills_outstanding_reset_links(app, clock, recruiter):
    password_reset.request_reset(RECRUITER_EMAIL)
    raw = db.session.scalar(select(OutboxEmail)).body_text.split("/password/reset/")[1].split()[0]
    accounts.change_password(recruiter, PASSWORD, NEW_PASSWORD, current_session=None)
    db.session.commit()
    with pytest.raises(password_reset.ResetLinkInvalid):
        password_reset.check_link(raw)


def enrol(user, clock):
    """Turn on two-factor sign-in for `user`; returns (secret, recovery codes)."""
    secret = two_factor.begin_enrolment(user)
    codes = two_factor.confirm_enrolment(user, pyotp.TOTP(secret).at(clock.now()))
    db.session.commit()
    return secret, codes


@BOTH_DATABASES
def test_an_enrolment_confirmed_in_another_tab_meanwhile_is_refused(app, backend, clock, recruiter):
    """Confirming is one conditional UPDATE: the second of two tabs neither turns it on again nor
    replaces the recovery codes the first was shown."""
    secret = two_factor.begin_enrolment(recruiter)
    db.session.commit()
    code = pyotp.TOTP(secret).at(clock.now())
    with db.engine.begin() as other_tab:  # the other tab confirms and commits first
        other_tab.execute(
            User.__table__.update()
            .where(User.id == recruiter.id)
            .values(totp_secret=secret, totp_pending_secret=None, totp_last_step=1)
        )
    set_committed_value(recruiter, "totp_pending_secret", secret)  # as this tab read it, before that
    with pytest.raises(two_factor.TwoFactorError, match="already set up"):
        two_factor.confirm_enrolment(recruiter, code)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert db.session.get(User, recruiter.id).totp_secret == secret


def test_enrolment_needs_a_right_code_from_the_pending_secret(app, clock, recruiter):
    secret = two_factor.begin_enrolment(recruiter)
    with pytest.raises(two_factor.TwoFactorError, match="That code is not right."):
        two_factor.confirm_enrolment(recruiter, "000000" if pyotp.TOTP(secret).at(clock.now()) != "000000" else "111111")
    assert not recruiter.has_two_factor
    codes = two_factor.confirm_enrolment(recruiter, pyotp.TOTP(secret).at(clock.now()))
    db.session.commit()
    assert recruiter.totp_secret == secret and recruiter.totp_pending_secret is None
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(db.session.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == 10 and not stored & set(codes)


def test_a_totp_code_signs_in_once_within_its_window(app, clock, recruiter):
    secret, _codes = enrol(recruiter, clock)
    clock.advance(timedelta(seconds=30))
    code = pyotp.TOTP(secret).at(clock.now())
    assert two_factor.verify_sign_in(recruiter, code)
    db.session.commit()
    assert not two_factor.verify_sign_in(recruiter, code)  # replayed within the same window
    clock.advance(timedelta(seconds=30))
    assert not two_factor.verify_sign_in(recruiter, code)  # the previous step is still in the window, but used
    assert two_factor.verify_sign_in(recruiter, pyotp.TOTP(secret).at(clock.now()))


def test_the_enrolment_code_cannot_be_replayed_to_sign_in(app, clock, recruiter):
    secret = two_factor.begin_enrolment(recruiter)
    code = pyotp.TOTP(secret).at(clock.now())
    two_factor.confirm_enrolment(recruiter, code)
    db.session.commit()
    assert not two_factor.verify_sign_in(recruiter, code)


def test_each_recovery_code_works_once(app, clock, recruiter):
    _secret, codes = enrol(recruiter, clock)
    assert two_factor.verify_sign_in(recruiter, codes[0].upper())
    assert not two_factor.verify_sign_in(recruiter, codes[0])
    assert two_factor.unused_recovery_codes(recruiter) == 9
    assert not two_factor.verify_sign_in(recruiter, "")


def test_turning_two_factor_off_needs_the_password(app, clock, recruiter):
    enrol(recruiter, clock)
    with pytest.raises(two_factor.TwoFactorError, match="Your password is not right."):
        two_factor.turn_off_with_password(recruiter, "wrong password")
    two_factor.turn_off_with_password(recruiter, PASSWORD)
    db.session.commit()
    assert not recruiter.has_two_factor
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0


def test_the_org_requirement_sends_only_users_without_two_factor_to_enrol(app, clock, admin, recruiter):
    assert not two_factor.must_enrol(recruiter)
    two_factor.set_required(True, actor=admin)
    db.session.commit()
    enrol(admin, clock)
    assert two_factor.must_enrol(recruiter) and not two_factor.must_enrol(admin)


@BOTH_DATABASES
def test_two_admins_first_requiring_two_factor_at_once_both_succeed(app, backend, admin, recruiter, monkeypatch):
    """No settings row yet: both requests write the first one. Each waits at its audit record for
    the other, so a read-then-insert would have both insert (a duplicate key, a 500 for one)."""
    recorded = audit.record
    both_wrote = threading.Barrier(2, timeout=0.5)

    def record_then_wait(event, *args, **kwargs):
        result = recorded(event, *args, **kwargs)
        if event == "org.two_factor_required":
            with contextlib.suppress(threading.BrokenBarrierError):  # one waits on the other's lock instead
                both_wrote.wait()
        return result

    monkeypatch.setattr(audit, "record", record_then_wait)
    outcomes = []

    def require(actor_id):
        with app.app_context():
            try:
                users.require_two_factor(True, actor=db.session.get(User, actor_id))
                outcomes.append("required")
            except Exception as exc:  # the outcome under test: any failure is recorded, not raised in a thread
                outcomes.append(repr(exc))

    threads = [threading.Thread(target=require, args=(user.id,)) for user in (admin, recruiter)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes == ["required", "required"]
    db.session.expire_all()
    assert db.session.scalars(select(OrgSettings.require_two_factor)).all() == [True]
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "org.two_factor_required")) == 2
    )


@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, backend, admin, recruiter, monkeypatch):
    """Both requests read the admin rows before either writes: the row locks make them queue."""
    accounts.set_role(recruiter, Role.ADMIN, actor=admin)
    db.session.commit()
    counted = accounts._active_admins_besides
    both_counted = threading.Barrier(2, timeout=1)

    def count_then_wait(user):
        result = counted(user)
        with contextlib.suppress(threading.BrokenBarrierError):  # a request blocked on the lock never arrives: the other goes on
            both_counted.wait()
        return result

    monkeypatch.setattr(accounts, "_active_admins_besides", count_then_wait)
    outcomes = {}

    def demote(user_id, actor_id):
        with app.app_context():
            try:
                accounts.set_role(db.session.get(User, user_id), Role.RECRUITER, actor=db.session.get(User, actor_id))
                db.session.commit()
                outcomes[user_id] = "demoted"
            except accounts.AccountError as exc:
                db.session.rollback()
                outcomes[user_id] = str(exc)

    threads = [threading.Thread(target=demote, args=pair) for pair in ((admin.id, recruiter.id), (recruiter.id, admin.id))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes.values()) == [
        "The organisation needs at least one active admin; make someone else an admin first.",
        "demoted",
    ]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == "admin")) == 1


def test_a_wrong_sign_in_code_starts_no_session_and_spends_nothing(app, clock, recruiter):
    _secret, codes = enrol(recruiter, clock)
    with pytest.raises(two_factor.TwoFactorError) as refused:
        users.sign_in(recruiter, "pytest", code="12345")  # never a TOTP code (6 digits) nor a recovery code
    assert refused.value.status == 401 and live_sessions(recruiter) == 0
    assert users.sign_in(recruiter, "pytest", code=codes[0]) and live_sessions(recruiter) == 1
    db.session.rollback()  # the use case committed: nothing is left to undo
    assert two_factor.unused_recovery_codes(recruiter) == 9


def test_a_disabled_account_gets_no_reset_link_and_nothing_is_written(app, admin, recruiter):
    recruiter.is_enabled = False
    db.session.commit()
    with pytest.raises(RefusedAction, match="Enable the account first"):
        users.send_reset_link(recruiter, actor=admin)
    assert db.session.scalar(select(func.count()).select_from(PasswordResetToken)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_only_ones_own_token_can_be_revoked(app, admin, recruiter):
    raw = accounts.create_token(recruiter, "theirs")
    db.session.commit()
    theirs = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == recruiter.id))
    with pytest.raises(ServiceError) as refused:
        users.revoke_token(admin, theirs)
    assert refused.value.status == 404 and accounts.user_for_token(raw) == recruiter
    users.revoke_token(recruiter, theirs)
    assert accounts.user_for_token(raw) is None
