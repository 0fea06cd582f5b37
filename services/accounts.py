"""Users, sign-in sessions and API tokens."""
import functools
import hashlib
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from models import ApiToken, LoginSession, Role, User, db
from services import timeutil

# Only write last_seen_at this often, so a page view is not a write every time.
TOUCH_EVERY = timedelta(minutes=1)
MIN_PASSWORD_LENGTH = 10


@functools.cache
def _dummy_user():
    """Checked against when the email is unknown, so a miss costs as long as a wrong password
    (hashed on first use, not at import: every process would pay for it at start)."""
    user = User(email="", password_hash="")
    user.set_password(secrets.token_urlsafe(16))
    return user


class AccountError(ValueError):
    """An account could not be created or changed; the message says why."""


def normalise_email(raw):
    """A deliverable-looking, normalised email address, or AccountError."""
    try:
        return validate_email((raw or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(str(exc)) from None


def create_user(email, password, role=Role.RECRUITER, full_name=""):
    """Add a user; the caller commits."""
    email = normalise_email(email)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise AccountError(f"A user with the email {email} already exists.")
    user = User(email=email, role=str(role), full_name=full_name.strip())
    user.set_password(password)
    db.session.add(user)
    return user


def authenticate(email, password):
    """The enabled user with these credentials, or None — without revealing which part was wrong."""
    try:
        email = normalise_email(email)
    except AccountError:
        email = None
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
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


def end_all_login_sessions(user):
    """Sign a user out everywhere (used when an admin disables them); the caller commits."""
    for login in db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))):
        login.ended_at = timeutil.now()


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


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


def set_enabled(user, enabled):
    """Enable or disable an account; disabling ends its sessions. The caller commits."""
    user.is_enabled = enabled
    if not enabled:
        end_all_login_sessions(user)
