"""Password reset by e-mail: single-use links that expire after 30 minutes."""

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from models import AuditEvent, PasswordResetToken, db
from services import accounts, audit, notifications, timeutil
from services.errors import ServiceError
from services.transactions import one_transaction

RESET_TTL = timedelta(minutes=30)


class ResetLinkInvalid(ServiceError):
    """The link is unknown, used, expired or its account disabled (one answer for all)."""


def send_reset_link(user, actor=None):
    """Queue a reset link for an enabled user (none for a disabled one); the caller commits."""
    if not user.is_enabled:
        return None
    raw = secrets.token_urlsafe(32)  # 256 bits; only its hash is stored
    now = timeutil.now()
    db.session.add(
        PasswordResetToken(user_id=user.id, token_hash=accounts.hash_token(raw), created_at=now, expires_at=now + RESET_TTL)
    )
    audit.record("user.reset_requested", user, actor=actor)
    link = f"{current_app.config['BACKEND_URL']}/password/reset/{raw}"
    return notifications.queue_account_email(
        user, "password_reset", "reset your password", link=link, minutes=int(RESET_TTL.total_seconds() // 60)
    )


@one_transaction
def request_reset(email):
    """Someone typed `email` into "Forgot password?": a link goes out if an enabled account has it.

    Returns nothing either way, so the page cannot tell whether the address has an account.
    """
    user = accounts.find_user(email)
    # Every case writes, so the response time does not tell them apart; the trail also shows
    # someone trying addresses (an unknown one kept as a hash: it is nobody's account).
    if user is not None and user.is_enabled:
        send_reset_link(user)
    elif user is not None:
        audit.record("user.reset_refused_disabled", user)
    else:
        db.session.add(
            AuditEvent(
                action="user.reset_requested_unknown",
                subject_type="email",
                subject_id=accounts.hash_token(accounts.fold(email)),
                data={},
            )
        )
    db.session.commit()


def _live_token(raw):
    token = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == accounts.hash_token(raw or "")))
    if token is None or token.used_at is not None or token.expires_at <= timeutil.now() or not token.user.is_enabled:
        raise ResetLinkInvalid("This reset link has expired or was already used.")
    return token


def check_link(raw):
    """The user a reset link is for, or ResetLinkInvalid."""
    return _live_token(raw).user


@one_transaction
def reset_with_link(raw, new_password):
    """Set a new password through a reset link, which is used up; all sessions and API tokens end.

    The link is consumed by a conditional UPDATE, so two tabs submitting at once cannot both use it.
    A weak password (AccountError) leaves the link usable.
    """
    token = _live_token(raw)
    user = token.user
    accounts.check_new_password(new_password, user)
    now = timeutil.now()
    consumed = db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == token.id, PasswordResetToken.used_at.is_(None), PasswordResetToken.expires_at > now)
        .values(used_at=now)
    )
    if consumed.rowcount != 1:
        raise ResetLinkInvalid("This reset link has expired or was already used.")
    accounts.set_password(user, new_password, revoke_tokens=True)
    audit.record("user.password_reset", user, actor=user)
    notifications.queue_account_email(user, "password_changed", "Your password was changed")
    db.session.commit()
    return user
