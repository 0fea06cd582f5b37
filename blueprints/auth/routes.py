"""Sign-in, sign-out, the admin's user list, personal API tokens and preferences."""
from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from blueprints.auth import bp
from blueprints.auth.forms import EmptyForm, LoginForm, PreferencesForm, TokenForm, UserForm
from blueprints.web import admin_required, is_htmx, render_page_or_fragment
from extensions import limiter
from models import ApiToken, User, db
from services import accounts, audit

LOGIN_LIMIT = "10 per minute"
FAILED_LOGIN = "Invalid email or password."


def login_attempt_key():
    """Rate-limit key for one account, whatever the caller's address."""
    return "login:" + (request.form.get("email") or "").strip().lower()


def login_failed(_response):
    return g.get("login_failed", False)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], deduct_when=login_failed)
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=login_attempt_key, deduct_when=login_failed)
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("interviews.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            # A fresh session: nothing from before sign-in carries over.
            session.clear()
            login = accounts.start_login_session(user, request.user_agent.string)
            db.session.commit()
            session["sid"] = login.id
            return redirect(safe_next(request.args.get("next")) or url_for("interviews.dashboard"))
        g.login_failed = True
        form.password.errors.append(FAILED_LOGIN)
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


def safe_next(target):
    """Only same-site paths are followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
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
            user = accounts.create_user(form.email.data, form.password.data, form.role.data, form.full_name.data or "")
        except accounts.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.flush()
            audit.record("user.created", user, actor=current_user, role=user.role)
            db.session.commit()
            flash(f"Added {user.email}.", "success")
            return redirect(url_for("auth.users"))
    people = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    status = 400 if form.errors else 200
    return render_template("auth/users.html", form=form, users=people, toggle_form=EmptyForm()), status


@bp.post("/users/<uuid:user_id>/toggle")
@admin_required
def toggle_user(user_id):
    """Enable or disable an account (disabling ends its sessions)."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        abort(400, description="You cannot disable your own account.")
    accounts.set_enabled(user, not user.is_enabled)
    audit.record("user.enabled" if user.is_enabled else "user.disabled", user, actor=current_user)
    db.session.commit()
    if is_htmx():
        # Replaces just this user's row.
        return render_template("auth/_user_row.html", user=user, toggle_form=EmptyForm())
    flash(f"{user.email} is now {'enabled' if user.is_enabled else 'disabled'}.", "success")
    return redirect(url_for("auth.users"))


@bp.route("/account/", methods=["GET", "POST"])
@login_required
def account():
    """The signed-in user's preferences and API tokens."""
    prefs = PreferencesForm(obj=current_user, prefix="prefs")
    if not prefs.timezone.data:
        prefs.timezone.data = current_app.config["DISPLAY_TIMEZONE"]
    if prefs.validate_on_submit():
        current_user.timezone = prefs.timezone.data
        current_user.notify_on_booking = prefs.notify_on_booking.data
        db.session.commit()
        flash("Preferences saved.", "success")
        return redirect(url_for("auth.account"))
    return render_account(prefs=prefs, status=400 if prefs.errors else 200)


def render_account(prefs=None, token_form=None, new_token=None, status=200):
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_page_or_fragment(
        "auth/account.html",
        "auth/_tokens.html",
        status=status,
        prefs=prefs or PreferencesForm(obj=current_user, prefix="prefs"),
        token_form=token_form or TokenForm(prefix="token"),
        tokens=tokens,
        new_token=new_token,
        revoke_form=EmptyForm(),
    )


@bp.post("/account/tokens")
@login_required
def create_token():
    """Create a personal API token; its raw value is shown once."""
    form = TokenForm(prefix="token")
    if not form.validate_on_submit():
        return render_account(token_form=form, status=200 if is_htmx() else 400)
    raw = accounts.create_token(current_user, form.name.data.strip())
    db.session.commit()
    return render_account(new_token=raw)


@bp.post("/account/tokens/<uuid:token_id>/revoke")
@login_required
def revoke_token(token_id):
    """Revoke one of the signed-in user's tokens."""
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    accounts.revoke_token(token)
    db.session.commit()
    return render_account()

