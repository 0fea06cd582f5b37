"""Users, sign-in sessions, passwords, roles and API tokens."""

import functools
import secrets
import unicodedata
from datetime import timedelta

from sqlalchemy import func, select, update

from models import ApiToken, LoginSession, PasswordResetToken, Role, User, db
from services import audit, notifications, passwords, timeutil
from services.errors import ServiceError
from services.secret_tokens import hash_token
from services.transactions import one_transaction

# Only write last_seen_at this often, so a page view is not a write every time.
TOUCH_EVERY = timedelta(minutes=1)
MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH


@functools.cache
def _dummy_user():
    """Checked against when the email is unknown, so a miss costs as long as a wrong password
    (hashed on first use, not at import: every process would pay for it at start)."""
    user = User(email="", password_hash="")
    user.set_password(secrets.token_urlsafe(16))
    return user


class AccountError(ServiceError):
    """An account could not be created or changed; the message says why."""


class PasswordTooWeak(AccountError):
    """A new password was refused by the strength check; the message says how to fix it."""


class WrongPassword(AccountError):
    """The current password given to confirm a change was not right."""


def fold(text):
    """Text as compatibility-normalised (NFKC) and case-folded: `ＡＮＡ` and `ana` are one."""
    return unicodedata.normalize("NFKC", text or "").strip().casefold()


def normalise_email(raw):
    """A deliverable-looking email address in the one form accounts are stored and looked up by, or AccountError."""
    from email_validator import EmailNotValidError, validate_email  # slow to load, and most requests check no address

    try:
        return fold(validate_email(fold(raw), check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise AccountError(str(exc)) from None


def sign_in_key(raw_email):
    """The per-account key for sign-in limits: the address as the account lookup sees it."""
    try:
        return normalise_email(raw_email)
    except AccountError:
        return fold(raw_email)  # no account has it; counted under its folded spelling


def find_user(email):
    """The user with this address (any spelling that normalises to it), or None."""
    try:
        email = normalise_email(email)
    except AccountError:
        return None
    return db.session.scalar(select(User).where(User.email == email))


def check_new_password(password, user=None, email=""):
    """Raise AccountError unless `password` is strong enough for this user."""
    try:
        passwords.check_strength(password, user_inputs=(email, *((user.email, user.full_name) if user else ())))
    except passwords.WeakPassword as exc:
        raise PasswordTooWeak(str(exc)) from None


def create_user(email, password, role=Role.RECRUITER, full_name=""):
    """Add a user; the caller commits."""
    email = normalise_email(email)
    check_new_password(password, email=email)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise AccountError(f"A user with the email {email} already exists.")
    user = User(email=email, role=str(role), full_name=full_name.strip())
    user.set_password(password)
    db.session.add(user)
    return user


def authenticate(email, password):
    """The enabled user with these credentials, or None — without revealing which part was wrong."""
    user = find_user(email)
    if user is None:
        _dummy_user().check_password(password or "")
        return None
    if not user.check_password(password or "") or not user.is_enabled:
        return None
    return user


def start_login_session(user, user_agent=""):
    """A fresh server-side session id for a sign-in; the caller commits."""
    login = LoginSession(id=secrets.token_urlsafe(32), user_id=user.id, user_agent=(user_agent or "")[:256])
    user.last_login_at = timeutil.now()
    db.session.add(login)
    return login


def load_login_session(session_id, idle_timeout):
    """The user of a live sign-in session; ends it when it has been idle too long."""
    login = db.session.get(LoginSession, session_id) if session_id else None
    if login is None or login.ended_at is not None or not login.user.is_enabled:
        return None
    now = timeutil.now()
    if now - login.last_seen_at > idle_timeout:
        login.ended_at = now
        db.session.commit()
        return None
    if now - login.last_seen_at > TOUCH_EVERY:
        login.last_seen_at = now
        db.session.commit()
    return login.user


def end_login_session(session_id):
    login = db.session.get(LoginSession, session_id) if session_id else None
    if login is not None and login.ended_at is None:
        login.ended_at = timeutil.now()
        db.session.commit()


def end_login_sessions(user, keep=None):
    """Sign a user out everywhere except the session `keep` (an id); the caller commits."""
    ended = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    if keep:
        ended = ended.where(LoginSession.id != keep)
    db.session.execute(ended.values(ended_at=timeutil.now()))


def revoke_all_tokens(user):
    """Stop every API token of a user for good (re-enabling the user brings none back); the caller commits."""
    db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=timeutil.now())
    )


def set_password(user, password, keep_session=None, revoke_tokens=False):
    """A new password: every other sign-in session and unused reset link ends; the caller commits.

    `revoke_tokens` also stops the user's API tokens (resets, which assume the old password leaked).
    """
    check_new_password(password, user)
    user.set_password(password)
    end_login_sessions(user, keep=keep_session)
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=timeutil.now())
    )
    if revoke_tokens:
        revoke_all_tokens(user)


@one_transaction
def change_password(user, current_password, new_password, current_session):
    """The signed-in user's own change: the current password is required; this session stays (commits)."""
    if not user.check_password(current_password or ""):
        raise WrongPassword("Your current password is not right.")
    if new_password == current_password:
        raise AccountError("Choose a password different from your current one.")
    set_password(user, new_password, keep_session=current_session)
    audit.record("user.password_changed", user, actor=user)
    notifications.queue_account_email(user, "password_changed", "Your password was changed")
    db.session.commit()


def create_token(user, name=""):
    """A new API token for `user`: returns the raw token, which is never stored."""
    raw = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, name=name, token_hash=hash_token(raw), prefix=raw[:8]))
    return raw


def revoke_token(token):
    """Stop a token working; the caller commits."""
    if token.revoked_at is None:
        token.revoked_at = timeutil.now()


def user_for_token(raw):
    """The enabled user owning an unrevoked token, or None."""
    if not raw:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None or not token.user.is_enabled:
        return None
    now = timeutil.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        token.last_used_at = now
        db.session.commit()
    return token.user


def _active_admins_besides(user):
    """How many enabled admins there are other than `user`.

    On PostgreSQL every enabled admin's row (the user's own too) is locked, in id order, so two
    admins demoting each other at once queue up instead of deadlocking or both succeeding.
    """
    admins = select(User.id).where(User.role == Role.ADMIN, User.is_enabled.is_(True)).order_by(User.id)
    return sum(1 for admin_id in db.session.scalars(admins.with_for_update()) if admin_id != user.id)


def _change_account(user, actor, **values):
    """Apply role/enabled changes to `user`, refusing any that would leave no enabled admin.

    Two admins demoting each other at once: the admin rows are locked first (PostgreSQL), and the
    UPDATE itself re-counts the other admins (SQLite serialises writers), so one of them loses.
    """
    leaves_admin = values.get("role", user.role) == Role.ADMIN and values.get("is_enabled", user.is_enabled)
    if user.is_admin and user.is_enabled and not leaves_admin:
        if _active_admins_besides(user) == 0:
            raise AccountError("The organisation needs at least one active admin; make someone else an admin first.")
        admins = User.__table__.alias("admins")
        others = (
            select(func.count())
            .select_from(admins)
            .where(admins.c.role == Role.ADMIN, admins.c.is_enabled.is_(True), admins.c.id != user.id)
            .scalar_subquery()
        )
        changed = db.session.execute(update(User).where(User.id == user.id, others > 0).values(**values))
        if changed.rowcount != 1:
            raise AccountError("The organisation needs at least one active admin; make someone else an admin first.")
        db.session.refresh(user)
    else:
        for name, value in values.items():
            setattr(user, name, value)
    audit.record("user.changed", user, actor=actor, **values)


def set_enabled(user, enabled, actor=None):
    """Enable or disable an account; disabling ends its sessions and revokes its API tokens at once.

    The caller commits.
    """
    if not enabled and actor is not None and actor.id == user.id:
        raise AccountError("You cannot disable your own account.")
    _change_account(user, actor, is_enabled=enabled)
    if not enabled:
        end_login_sessions(user)
        revoke_all_tokens(user)


def set_role(user, role, actor=None):
    """Make a user an admin or a recruiter; the caller commits."""
    if role not in list(Role):
        raise AccountError("Choose Admin or Recruiter.")
    _change_account(user, actor, role=role)
