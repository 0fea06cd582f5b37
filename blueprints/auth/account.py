"""The signed-in user's account page: preferences, password, two-factor sign-in and API tokens."""

from flask import current_app, flash, g, redirect, render_template, session, url_for
from flask_login import current_user, login_required

from blueprints.auth import bp
from blueprints.auth.forms import (
    ChangePasswordForm,
    ConfirmTwoFactorForm,
    NewRecoveryCodesForm,
    PreferencesForm,
    TokenForm,
    TurnOffTwoFactorForm,
)
from blueprints.auth.routes import login_failed
from blueprints.forms import EmptyForm
from blueprints.web import render_page_or_fragment
from extensions import limiter
from services import accounts, two_factor
from services import users as user_actions

# Wrong passwords typed into the account page's prompts (a stolen session guessing the password).
PASSWORD_PROMPT_LIMIT = "10 per 15 minutes"


def password_prompt_key():
    """Rate-limit key for the password asked again on the account page: the signed-in user."""
    return "password-prompt:" + str(current_user.get_id())


@bp.route("/account/", methods=["GET", "POST"])
@login_required
def account():
    """The signed-in user's preferences, password, two-factor sign-in and API tokens."""
    prefs = PreferencesForm(obj=current_user, prefix="prefs")
    if not prefs.timezone.data:
        prefs.timezone.data = current_app.config["DISPLAY_TIMEZONE"]
    if prefs.validate_on_submit():
        user_actions.save_preferences(current_user, prefs.timezone.data, prefs.notify_on_booking.data)
        flash("Preferences saved.", "success")
        return redirect(url_for("auth.account"))
    return render_account(prefs=prefs, status=422 if prefs.errors else 200)


def render_account(
    prefs=None, token_form=None, new_token=None, password_form=None, disable_form=None, codes_form=None, status=200
):
    """The account page (or, for htmx, its API tokens section) with any form given kept as typed."""
    return render_page_or_fragment(
        "auth/account.html",
        "auth/_tokens.html",
        status=status,
        prefs=prefs or PreferencesForm(obj=current_user, prefix="prefs"),
        password_form=password_form or ChangePasswordForm(prefix="password"),
        disable_two_factor_form=disable_form or TurnOffTwoFactorForm(prefix="off"),
        recovery_codes_form=codes_form or NewRecoveryCodesForm(prefix="codes"),
        recovery_codes_left=two_factor.unused_recovery_codes(current_user) if current_user.has_two_factor else 0,
        token_form=token_form or TokenForm(prefix="token"),
        tokens=user_actions.tokens_of(current_user),
        new_token=new_token,
        revoke_form=EmptyForm(),
    )


@bp.post("/account/password")
@login_required
@limiter.limit(PASSWORD_PROMPT_LIMIT, key_func=password_prompt_key, deduct_when=login_failed)
def change_password():
    """Change one's own password: the current one is required; every other session ends."""
    form = ChangePasswordForm(prefix="password")
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data, session.get("sid"))
        except accounts.WrongPassword as exc:
            g.login_failed = True
            form.current_password.errors.append(str(exc))
        except accounts.AccountError as exc:
            form.new_password.errors.append(str(exc))
        else:
            flash("Your password was changed. Your other sessions were signed out.", "success")
            return redirect(url_for("auth.account"))
    return render_account(password_form=form, status=422)


@bp.get("/account/two-factor")
@login_required
def two_factor_setup():
    """Set up two-factor sign-in: the QR code of a pending secret, and the code that confirms it."""
    return render_two_factor_setup(ConfirmTwoFactorForm())


def render_two_factor_setup(form, status=200):
    """The setup page: the pending secret's QR code (once started) and the form that confirms it."""
    secret = current_user.totp_pending_secret
    return render_template(
        "auth/two_factor.html",
        secret=secret,
        qr_svg=two_factor.provisioning_qr_svg(current_user, secret) if secret else None,
        start_form=EmptyForm(),
        form=form,
        required=two_factor.org_settings().require_two_factor,
    ), status


@bp.post("/account/two-factor/start")
@login_required
def two_factor_start():
    """Make a new secret to scan (replacing any unconfirmed one)."""
    if current_user.has_two_factor:
        flash("Two-factor sign-in is already on.", "info")
        return redirect(url_for("auth.account"))
    two_factor.begin_enrolment(current_user)
    return redirect(url_for("auth.two_factor_setup"))


@bp.post("/account/two-factor/confirm")
@login_required
def two_factor_confirm():
    """Turn two-factor sign-in on with a code from the app; the recovery codes are shown once."""
    form = ConfirmTwoFactorForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(current_user, form.code.data)
        except two_factor.TwoFactorError as exc:
            form.code.errors.append(str(exc))
        else:
            return render_template("auth/recovery_codes.html", codes=codes)
    return render_two_factor_setup(form, 422)


@bp.post("/account/two-factor/disable")
@login_required
@limiter.limit(PASSWORD_PROMPT_LIMIT, key_func=password_prompt_key, deduct_when=login_failed)
def two_factor_disable():
    """Turn one's own two-factor sign-in off (the password is required)."""
    form = TurnOffTwoFactorForm(prefix="off")
    if form.validate_on_submit():
        try:
            two_factor.turn_off_with_password(current_user, form.password.data)
        except two_factor.TwoFactorError as exc:
            g.login_failed = True
            form.password.errors.append(str(exc))
        else:
            flash("Two-factor sign-in is off.", "success")
            return redirect(url_for("auth.account"))
    return render_account(disable_form=form, status=422)


@bp.post("/account/tokens")
@login_required
def create_token():
    """Create a personal API token; its raw value is shown once."""
    form = TokenForm(prefix="token")
    if not form.validate_on_submit():
        return render_account(token_form=form, status=422)
    return render_account(new_token=user_actions.create_token(current_user, form.name.data))


@bp.post("/account/tokens/<uuid:token_id>/revoke")
@login_required
def revoke_token(token_id):
    """Revoke one of the signed-in user's tokens."""
    user_actions.revoke_token(current_user, token_id)
    return render_account()


@bp.post("/account/two-factor/recovery-codes")
@login_required
@limiter.limit(PASSWORD_PROMPT_LIMIT, key_func=password_prompt_key, deduct_when=login_failed)
def new_recovery_codes():
    """Replace one's recovery codes with ten new ones (the password is required); shown once."""
    form = NewRecoveryCodesForm(prefix="codes")
    if form.validate_on_submit() and current_user.has_two_factor:
        try:
            codes = two_factor.replace_recovery_codes(current_user, form.password.data)
        except two_factor.TwoFactorError as exc:
            g.login_failed = True
            form.password.errors.append(str(exc))
        else:
            return render_template("auth/recovery_codes.html", codes=codes)
    return render_account(codes_form=form, status=422)
