"""Two-factor sign-in: TOTP codes (pyotp), one-time recovery codes, the org-wide requirement."""

import secrets

import pyotp
from sqlalchemy import delete, or_, update

from models import OrgSettings, RecoveryCode, User, db
from services import accounts, audit, timeutil
from services.errors import ServiceError
from services.transactions import ensure_org_settings_row, one_transaction

ISSUER = "Interview scheduler"
RECOVERY_CODE_COUNT = 10
# Codes from the step before and after the current one are accepted too (clock drift, typing time).
VALID_WINDOW = 1


class TwoFactorError(ServiceError):
    """A code or password was not accepted; the message says what to do."""


@one_transaction
def begin_enrolment(user):
    """A new secret to scan, pending until confirmed with a code (replacing any unconfirmed one); commits."""
    user.totp_pending_secret = pyotp.random_base32()
    db.session.commit()
    return user.totp_pending_secret


def provisioning_qr_svg(user, secret):
    """The otpauth:// URI of `secret` as an inline SVG QR code (no data: URI, no style attributes)."""
    import segno  # only enrolment draws a QR code

    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", title="QR code for your authenticator app")


def _matching_step(secret, code):
    """The time step whose TOTP code `code` is, within the accepted window, or None."""
    code = "".join((code or "").split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = timeutil.now()
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(user, step):
    """Record `step` as used unless it (or a later one) already was: a code works once."""
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
    )
    return claimed.rowcount == 1


@one_transaction
def confirm_enrolment(user, code):
    """Turn two-factor sign-in on once a code from the pending secret checks out.

    Returns the recovery codes (shown once; only their hashes are kept). Commits.
    """
    if user.totp_pending_secret is None:
        raise TwoFactorError("Start again: the setup expired.")
    step = _matching_step(user.totp_pending_secret, code)
    if step is None:
        raise TwoFactorError("That code is not right. Enter the 6 digits your app shows now.")
    # Decided by one conditional UPDATE: of two tabs confirming at once, one turns it on (and gets the
    # recovery codes); the other finds the pending secret gone.
    pending = user.totp_pending_secret
    turned_on = db.session.execute(
        update(User)
        .where(User.id == user.id, User.totp_pending_secret == pending)
        .values(totp_secret=pending, totp_pending_secret=None, totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user)
    if turned_on.rowcount != 1:
        raise TwoFactorError("Two-factor sign-in was already set up, perhaps in another tab: check the Account page.")
    audit.record("user.two_factor_enabled", user, actor=user)
    codes = new_recovery_codes(user)
    db.session.commit()
    return codes


def new_recovery_codes(user):
    """Replace the user's recovery codes with ten new ones and return them; the caller commits."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(5)[:5]}-{secrets.token_hex(5)[:5]}" for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery_code(code)) for code in codes)
    return codes


def _hash_recovery_code(code):
    return accounts.hash_token("".join(ch for ch in code.lower() if ch.isalnum()))


def _use_recovery_code(user, code):
    """Spend one unused recovery code (a conditional UPDATE: two tabs cannot both use it)."""
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_recovery_code(code), RecoveryCode.used_at.is_(None)
        )
        .values(used_at=timeutil.now())
    )
    return used.rowcount == 1


def verify_sign_in(user, code):
    """True when `code` is a fresh TOTP code or an unused recovery code of `user`; the caller commits."""
    if user.totp_secret is None:
        return False
    step = _matching_step(user.totp_secret, code)
    if step is not None:
        return _claim_step(user, step)
    return bool((code or "").strip()) and _use_recovery_code(user, code)


def unused_recovery_codes(user):
    """How many recovery codes the user has left."""
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def turn_off(user, actor):
    """Remove the user's second factor (their own choice, an admin's, or an operator's); the caller commits."""
    user.totp_secret = user.totp_pending_secret = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("user.two_factor_disabled", user, actor=actor)


@one_transaction
def replace_recovery_codes(user, password):
    """Ten new recovery codes for the user (the old ones stop working); their password is required. Commits."""
    if not user.check_password(password or ""):
        raise TwoFactorError("Your password is not right.")
    audit.record("user.recovery_codes_replaced", user, actor=user)
    codes = new_recovery_codes(user)
    db.session.commit()
    return codes


@one_transaction
def turn_off_with_password(user, password):
    """The user turns their own two-factor sign-in off; their password is required. Commits."""
    if not user.check_password(password or ""):
        raise TwoFactorError("Your password is not right.")
    turn_off(user, actor=user)
    db.session.commit()


def org_settings():
    """The organisation's settings row (defaults until an admin saves one)."""
    return db.session.get(OrgSettings, 1) or OrgSettings(id=1, require_two_factor=False)


def set_required(required, actor):
    """Require (or stop requiring) two-factor sign-in for everyone; the caller commits."""
    ensure_org_settings_row()
    db.session.execute(update(OrgSettings).where(OrgSettings.id == 1).values(require_two_factor=required))
    settings = db.session.get(OrgSettings, 1, populate_existing=True)
    audit.record("org.two_factor_required" if required else "org.two_factor_optional", settings, actor=actor)


def must_enrol(user):
    """True when the organisation requires two-factor sign-in and `user` has not set it up."""
    return not user.has_two_factor and org_settings().require_two_factor
