"""An interview's e-mails for recruiters: states, last errors, and "resend invitation"."""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from blueprints.interviews import bp
from blueprints.web import is_htmx
from models import Interview, db
from services import notifications


def _back_to_page():
    """Where a plain (non-htmx) form post returns: the page it came from, if it is ours."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return redirect(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
    return redirect(url_for("interviews.dashboard"))


@bp.post("/<uuid:interview_id>/resend")
def resend_invitation(interview_id):
    """Queue the invitation again, same link; htmx gets the refreshed messages fragment."""
    interview = db.get_or_404(Interview, interview_id)
    error = None
    try:
        notifications.resend_invitation(interview, actor=current_user)
    except notifications.NotificationError as exc:
        error = exc.message
    if not is_htmx():
        flash(error or "The invitation is queued again.", "error" if error else "success")
        return _back_to_page()
    # Replaces the #interview-messages section of the interview page.
    return render_template(
        "interviews/_messages.html",
        interview=interview,
        emails=notifications.interview_emails(interview),
        messages_notice=error or "The invitation is queued again.",
        messages_error=bool(error),
    )
