"""The admin's Users page: add accounts, and per row enable/disable, role, reset link, two-factor off."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from blueprints.auth import bp
from blueprints.auth.forms import RequireTwoFactorForm, RoleForm, UserForm
from blueprints.forms import EmptyForm
from blueprints.web import admin_required, is_htmx
from models import User, db
from services import accounts, two_factor
from services import users as user_actions  # the name `users` is the Users page's view
from services.errors import RefusedAction


@bp.route("/users/", methods=["GET", "POST"])
@admin_required
def users():
    """Admins list users and add recruiters (or admins)."""
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = user_actions.add_user(
                form.email.data, form.password.data, form.role.data, form.full_name.data or "", actor=current_user
            )
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
    """Enable or disable an account, as the form asks (disabling ends its sessions and revokes its API tokens)."""
    user = db.get_or_404(User, user_id)
    wanted = request.form.get("enabled")
    if wanted not in ("true", "false"):
        abort(400, description="Say whether to enable or disable the account.")
    user_actions.set_enabled(user, wanted == "true", actor=current_user)  # a refusal is answered by blueprints/errors.py
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
