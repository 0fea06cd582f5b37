"""Forms for booking, rescheduling, cancelling and reviewing interviews. Rules live in
services/booking.py and services/review.py; these only carry input (with CSRF) and show per-field errors."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from models import Decision
from services import review as reviews


class BookingForm(FlaskForm):
    # The typeahead fills candidate_id; without JavaScript the typed e-mail names the candidate.
    candidate = StringField("Candidate", render_kw={"autocomplete": "off", "spellcheck": "false"})
    candidate_id = HiddenField()
    slot_id = HiddenField()
    booking_notes = TextAreaField("Booking notes (optional)")


class RescheduleForm(FlaskForm):
    slot_id = SelectField("New slot", validate_choice=False)


class CancelForm(FlaskForm):
    reason = StringField("Reason (optional)")


DECISION_CHOICES = [
    SelectChoice(Decision.PENDING, "Not decided yet"),
    SelectChoice(Decision.ADVANCE, "Advance to the next round"),
    SelectChoice(Decision.REJECT, "Reject"),
    SelectChoice(Decision.HIRE, "Hire"),
]


class ReviewForm(FlaskForm):
    decision = SelectField("Decision", choices=DECISION_CHOICES)
    review_notes = TextAreaField("Recruiter notes", validators=[Length(max=reviews.NOTES_MAX_CHARS)])
