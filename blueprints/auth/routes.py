"""Sign-in (with its two-factor step), sign-out, password reset, the admin's user list, and the
account page: password, two-factor sign-in, personal API tokens and preferences."""
import json
import unicodedata
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_url

from blueprints.auth import bp
from blueprints.auth.forms import (
    ChangePasswordForm,
    ConfirmTwoFactorForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordFields,
    NewRecoveryCodesForm,
    PreferencesForm,
    RequireTwoFactorForm,
    RoleForm,
    SignInCodeForm,
    TokenForm,
    TurnOffTwoFactorForm,
    UserForm,
)
from blueprints.forms import EmptyForm
from blueprints.web import admin_required, is_htmx, redirect_after_post, render_page_or_fragment
from extensions import limiter, login_manager
from models import User, db
from services import accounts, password_reset, timeutil, two_factor
from services import users as user_actions  # the name `users` is the Users page's view
from services.errors import RefusedAction

LOGIN_LIMIT = "10 per minute"
# Wrong passwords typed into the account page's prompts (a stolen session guessing the password).
PASSWORD_PROMPT_LIMIT = "10 per 15 minutes"
FAILED_LOGIN = "Invalid email or password."
# Between the password and the code: how long the half-signed-in state lasts (it grants nothing).
PENDING_SIGN_IN = timedelta(minutes=5)
RESET_LIMIT_PER_ADDRESS = "3 per 15 minutes"
RESET_LIMIT_PER_IP = "10 per hour"
RESET_SENT = "If an account exists for that address, we sent a link to reset its password. It works for 30 minutes."
# What a signed-in user who must still set up two-factor sign-in may open.
ENROLMENT_ENDPOINTS = {"auth.two_factor_setup", "auth.two_factor_start", "auth.two_factor_confirm", "auth.logout", "static"}


def login_attempt_key():
    """Rate-limit key for one account, whatever the caller's address or spelling of the e-mail."""
    return "login:" + accounts.sign_in_key(request.form.get("email"))


def code_attempt_key():
    """Rate-limit key for the code step: the account that passed the password step."""
    return "login-code:" + str((session.get("pending_sign_in") or {}).get("user_id"))


def password_prompt_key():
    """Rate-limit key for the password asked again on the account page: the signed-in user."""
    return "password-prompt:" + str(current_user.get_id())


def reset_request_key():
    """Rate-limit key for reset links: the address as the account lookup normalises it."""
    return "reset:" + accounts.sign_in_key(request.form.get("email"))


def login_failed(_response):
    """Only refused passwords and codes count towards their limits."""
    return g.get("login_failed", False)


def safe_next(target):
    """`target` if a browser would read it as a path on this site, else None.

    Browsers drop tabs and newlines inside URLs and read backslashes as slashes, so
    `/%09/evil.example` and `/\\evil.example` mean `//evil.example`: another site.
    """
    if not target or any(unicodedata.category(ch) == "Cc" for ch in target):
        return None
    as_browser_reads = target.replace("\\", "/")
    parts = urlsplit(as_browser_reads)
    if parts.scheme or parts.netloc or not as_browser_reads.startswith("/") or as_browser_reads.startswith("//"):
        return None
    return as_browser_reads


def page_of_htmx_request():
    """The page an htmx request came from (its path and query), if it is on this site."""
    parts = urlsplit(request.headers.get("HX-Current-URL", ""))
    if parts.netloc != request.host:
        return url_for("interviews.dashboard")
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else "")) or url_for("interviews.dashboard")


def session_ended():
    """For htmx: a 401 that nothing swaps (the form stays as typed) and the event that tells the
    page to say "Your session ended — sign in again", with a sign-in link back to that page."""
    response = make_response("", 401)
    sign_in = url_for("auth.login", next=page_of_htmx_request())
    response.headers["HX-Trigger"] = json.dumps({"session-ended": {"signInUrl": sign_in}})
    return response


@login_manager.unauthorized_handler
def unauthorized():
    """Not signed in (or signed out by the idle timeout): htmx hears why; a page goes to sign-in."""
    if is_htmx():
        return session_ended()
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def finish_sign_in(user, next_url, code=None):
    """Start the user's server-side session (a fresh cookie) and send them on; `code` is their
    second factor, if they have one (a wrong one raises TwoFactorError)."""
    sid = user_actions.sign_in(user, request.user_agent.string, code)
    session.clear()  # nothing from before sign-in carries over
    session["sid"] = sid
    if two_factor.must_enrol(user):
        return redirect(url_for("auth.two_factor_setup"))
    return redirect(next_url or url_for("interviews.dashboard"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], deduct_when=login_failed)
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=login_attempt_key, deduct_when=login_failed)
def login():
    """Sign in with email and password (then a code, for users with two-factor sign-in)."""
    if current_user.is_authenticated:
        return redirect(url_for("interviews.dashboard"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.errors else 200
    user = accounts.authenticate(form.email.data, form.password.data)
    if user is None:
        g.login_failed = True
        form.password.errors.append(FAILED_LOGIN)
        return render_template("auth/login.html", form=form), 401
    next_url = safe_next(request.args.get("next"))
    if not user.has_two_factor:
        return finish_sign_in(user, next_url)
    session.clear()
    session["pending_sign_in"] = {"user_id": str(user.id), "at": timeutil.now().timestamp(), "next": next_url}
    return redirect(url_for("auth.login_code"))


def pending_sign_in_user():
    """The user who passed the password step in this browser within the last minutes, or None."""
    pending = session.get("pending_sign_in") or {}
    try:
        user_id, started = uuid.UUID(pending["user_id"]), float(pending["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if timeutil.now().timestamp() - started > PENDING_SIGN_IN.total_seconds():
        return None
    return user_actions.awaiting_code(user_id)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], deduct_when=login_failed)
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=code_attempt_key, deduct_when=login_failed)
def login_code():
    """The second sign-in step: a TOTP code or a recovery code."""
    user = pending_sign_in_user()
    if user is None:
        session.pop("pending_sign_in", None)
        flash("Sign in with your email and password first.", "info")
        return redirect(url_for("auth.login"))
    form = SignInCodeForm()
    if not form.validate_on_submit():
        return render_template("auth/login_code.html", form=form), 422 if form.errors else 200
    try:
        return finish_sign_in(user, session["pending_sign_in"].get("next"), code=form.code.data)
    except two_factor.TwoFactorError as refused:
        g.login_failed = True
        form.code.errors.append(refused.message)
        return render_template("auth/login_code.html", form=form), refused.status


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT_PER_IP, methods=["POST"])
@limiter.limit(RESET_LIMIT_PER_ADDRESS, methods=["POST"], key_func=reset_request_key)
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_reset(form.email.data)
        flash(RESET_SENT, "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password through an e-mailed link (used once; all sessions and API tokens end)."""
    user = password_reset.check_link(token)
    form = NewPasswordFields()
    if form.validate_on_submit():
        try:
            password_reset.reset_with_link(token, form.new_password.data)
        except accounts.AccountError as exc:
            form.new_password.errors.append(str(exc))
        else:
            flash("Your password was changed. Sign in with the new one.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, user=user), 422 if form.errors else 200


@bp.errorhandler(password_reset.ResetLinkInvalid)
def reset_link_invalid(exc):
    """An unknown, used or expired link (or a disabled account): one page for all, 410 Gone."""
    return render_template("auth/reset_invalid.html", message=exc.message), 410


@bp.before_app_request
def require_two_factor_enrolment():
    """When the organisation requires two-factor sign-in, users without it can only set it up."""
    if request.blueprint in ("portal", "api") or request.endpoint in ENROLMENT_ENDPOINTS or request.endpoint is None:
        return None
    if current_user.is_authenticated and two_factor.must_enrol(current_user):
        flash("Your organisation requires two-factor sign-in. Set it up to continue.", "info")
        return redirect_after_post(url_for("auth.two_factor_setup"))
    return None


@bp.post("/logout")
def logout():
    """End the sign-in session on the server and clear the cookie."""
    accounts.end_login_session(session.get("sid"))
    session.clear()
    flash("You have been signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/users/", methods=["GET", "POST"])
@admin_required
def users():
    """Admins list users and add recruiters (or admins)."""
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = user_actions.add_user(form.email.data, form.password.data, form.role.data, form.full_name.data or "", actor=current_user)
        except accounts.PasswordTooWeak as exc:
            form.password.errors.append(str(exc))
        except accounts.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(f"Added {user.email}.", "success")
            return redirect(url_for("auth.users"))
    settings = RequireTwoFactorForm(prefix="org", require_two_factor=two_factor.org_settings().require_two_factor)
    return render_template(
        "auth/users.html", form=form, users=user_actions.everyone(), settings_form=settings, **user_row_forms()
    ), 422 if form.errors else 200


def user_row_forms():
    """The forms each row of the Users table carries."""
    return {"toggle_form": EmptyForm(), "role_form": RoleForm()}


def render_user_row(user, message=None, error=None):
    """After an admin's action on one user: their row (htmx) or the Users page again."""
    if is_htmx():
        # Replaces just this user's row; the message rides in the row's status cell.
        return render_template("auth/_user_row.html", user=user, row_message=message, row_error=error, **user_row_forms())
    if error:
        flash(error, "error")
    elif message:
        flash(message, "success")
    return redirect(url_for("auth.users"))


@bp.post("/users/<uuid:user_id>/toggle")
@admin_required
def toggle_user(user_id):
    """Enable or disable an account (disabling ends its sessions and revokes its API tokens)."""
    user = db.get_or_404(User, user_id)
    user_actions.toggle_enabled(user, actor=current_user)  # a refusal is answered by blueprints/errors.py
    return render_user_row(user, f"{user.email} is now {'enabled' if user.is_enabled else 'disabled'}.")


@bp.post("/users/<uuid:user_id>/role")
@admin_required
def change_role(user_id):
    """Make a user an admin or a recruiter (the organisation always keeps an active admin)."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400, description="Choose Admin or Recruiter.")
    try:
        user_actions.change_role(user, form.role.data, actor=current_user)
    except accounts.AccountError as exc:
        return render_user_row(user, error=exc.message)
    return render_user_row(user, f"{user.email} is now {'an admin' if user.is_admin else 'a recruiter'}.")


@bp.post("/users/<uuid:user_id>/reset")
@admin_required
def send_reset(user_id):
    """E-mail a user a password-reset link."""
    user = db.get_or_404(User, user_id)
    try:
        user_actions.send_reset_link(user, actor=current_user)
    except RefusedAction as exc:
        return render_user_row(user, error=exc.message)
    return render_user_row(user, f"A reset link is on its way to {user.email}.")


@bp.post("/users/<uuid:user_id>/two-factor/disable")
@admin_required
def disable_user_two_factor(user_id):
    """Turn off a user's two-factor sign-in (they lost their phone and their recovery codes)."""
    user = db.get_or_404(User, user_id)
    user_actions.turn_off_two_factor(user, actor=current_user)
    return render_user_row(user, f"Two-factor sign-in is off for {user.email}.")


@bp.post("/users/two-factor-requirement")
@admin_required
def require_two_factor():
    """Require two-factor sign-in of everyone (or stop requiring it)."""
    form = RequireTwoFactorForm(prefix="org")
    if not form.validate_on_submit():
        abort(400)
    user_actions.require_two_factor(form.require_two_factor.data, actor=current_user)
    if form.require_two_factor.data:
        flash("Everyone now needs two-factor sign-in; those without it set it up when they next open a page.", "success")
    else:
        flash("Two-factor sign-in is now optional.", "success")
    return redirect(url_for("auth.users"))


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


def render_account(prefs=None, token_form=None, new_token=None, password_form=None, disable_form=None, codes_form=None, status=200):
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

