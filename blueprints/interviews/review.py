"""The recruiter's review of a taken interview: transcript, code, audio, notes and decision."""

from pathlib import Path

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from blueprints.interviews import bp
from blueprints.interviews.forms import ReviewForm
from blueprints.web import form_status, is_htmx, render_page_or_fragment
from models import Interview, db
from services import review as reviews
from services.errors import ServiceError
from services.interviewer import audio as recordings
from services.interviewer import session_flow


def _context(interview, form, saved=False):
    return {
        "interview": interview,
        "session": interview.session,
        "questions": reviews.transcript(interview),
        "form": form,
        "saved": saved,
        "prism_language": session_flow.PRISM_LANGUAGES.get(
            interview.session.coding_language if interview.session else "", "none"
        ),
    }


@bp.route("/<uuid:interview_id>/review", methods=["GET", "POST"])
def review(interview_id):
    """Every answer, raw first, with an aid per answer; the decision form updates the candidate."""
    interview = db.get_or_404(Interview, interview_id)
    form = ReviewForm(obj=interview)
    if form.validate_on_submit():
        try:
            reviews.record_decision(interview, form.decision.data, form.review_notes.data, current_user)
        except ServiceError as refusal:
            form.decision.errors.append(refusal.message)
        else:
            if not is_htmx():
                flash("Decision saved; the candidate's status is updated.", "success")
                return redirect(url_for("interviews.review", interview_id=interview.id))
            # Replaces #review-decision with the saved form.
            return render_template("interviews/_review_form.html", **_context(interview, form, saved=True))
    return render_page_or_fragment(
        "interviews/review.html", "interviews/_review_form.html", status=form_status(form.errors), **_context(interview, form)
    )


@bp.get("/<uuid:interview_id>/answers/<uuid:answer_id>/audio")
def answer_audio(interview_id, answer_id):
    """A recorded voice answer, for signed-in staff only (the blueprint requires a login)."""
    interview = db.get_or_404(Interview, interview_id)
    answer = reviews.answer_of(interview, answer_id)
    if answer is None or not answer.audio_stored_name:
        abort(404)
    path = Path(recordings.audio_folder()) / answer.audio_stored_name
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=answer.audio_content_type, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
