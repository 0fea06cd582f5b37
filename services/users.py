"""The account pages' use cases: sign-in, the admin's user list, one's own preferences and tokens.

Each function here is one action of a person and commits at its end (rolled back whole on any
error); the helpers it calls in accounts, two_factor and password_reset leave committing to it.
"""

from sqlalchemy import select

from models import ApiToken, User, db
from services import accounts, audit, password_reset, two_factor
from services.errors import RefusedAction, ServiceError
from services.transactions import one_transaction

FAILED_CODE = "That code is not right. Enter the 6 digits your app shows now, or one of your recovery codes."


@one_transaction
def sign_in(user, user_agent, code=None):
    """Start a server-side session for `user`, who passed the password step; returns its id.

    With two-factor sign-in `code` (a TOTP or recovery code) must check out, else TwoFactorError (401).
    """
    if code is not None and not two_factor.verify_sign_in(user, code):
        raise two_factor.TwoFactorError(FAILED_CODE, status=401)
    login = accounts.start_login_session(user, user_agent)
    db.session.commit()
    return login.id


def awaiting_code(user_id):
    """The user `user_id` if they may still finish signing in with a code (enabled, two-factor on)."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_enabled and user.has_two_factor else None


def everyone():
    """Every account, admins first, for the Users page."""
    return db.session.scalars(select(User).order_by(User.role, User.email)).all()


@one_transaction
def add_user(email, password, role, full_name, actor):
    """An admin adds an account (AccountError, PasswordTooWeak say why not)."""
    user = accounts.create_user(email, password, role, full_name)
    db.session.flush()
    audit.record("user.created", user, actor=actor, role=user.role)
    db.session.commit()
    return user


@one_transaction
def set_enabled(user, enabled, actor):
    """Enable or disable an account (disabling ends its sessions and API tokens).

    The admin asks for a state, not a flip: two clicks on "Disable" (two tabs, a retry) leave the
    account disabled, where a toggle would enable it again. Asking for the state it has is a no-op,
    and two requests for one state at once both leave it (the last-admin guard locks admin rows).
    """
    if user.is_enabled != enabled:
        accounts.set_enabled(user, enabled, actor=actor)
    db.session.commit()


@one_transaction
def change_role(user, role, actor):
    """Make a user an admin or a recruiter (never leaving the organisation without an active admin)."""
    accounts.set_role(user, role, actor=actor)
    db.session.commit()


@one_transaction
def send_reset_link(user, actor):
    """An admin e-mails a user a password-reset link; refused for a disabled account."""
    if password_reset.send_reset_link(user, actor=actor) is None:
        raise RefusedAction("Enable the account first: disabled accounts get no reset link.")
    db.session.commit()


@one_transaction
def turn_off_two_factor(user, actor):
    """An admin turns a user's two-factor sign-in off (lost phone and recovery codes)."""
    two_factor.turn_off(user, actor=actor)
    db.session.commit()


@one_transaction
def require_two_factor(required, actor):
    """Require two-factor sign-in of everyone, or stop requiring it."""
    two_factor.set_required(required, actor=actor)
    db.session.commit()


@one_transaction
def save_preferences(user, timezone, notify_on_booking):
    """The user's own display zone and whether they get a copy of their bookings' e-mails."""
    user.timezone = timezone
    user.notify_on_booking = notify_on_booking
    db.session.commit()


def tokens_of(user):
    """The user's API tokens, newest first (revoked ones too, marked as such)."""
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())).all()


@one_transaction
def create_token(user, name):
    """A new personal API token; returns its raw value (shown once, stored only as a hash)."""
    raw = accounts.create_token(user, name.strip())
    db.session.commit()
    return raw


@one_transaction
def revoke_token(user, token_id):
    """Revoke one of `user`'s own tokens; anyone else's is as unknown as a missing one (404)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise ServiceError("No such token.", status=404)
    accounts.revoke_token(token)
    db.session.commit()
