"""Sign-in (with its two-factor step), sign-out and password reset; the admin's Users page is in
users.py, the signed-in user's account page in account.py."""

import json
import unicodedata
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from flask import flash, g, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_url

from blueprints.auth import bp
from blueprints.auth.forms import ForgotPasswordForm, LoginForm, NewPasswordFields, SignInCodeForm
from blueprints.web import is_htmx, redirect_after_post
from extensions import limiter, login_manager
from services import accounts, password_reset, timeutil, two_factor
from services import users as user_actions

LOGIN_LIMIT = "10 per minute"
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
