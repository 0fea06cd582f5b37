"""Forms for booking, rescheduling, cancelling and reviewing interviews. Rules live in
services/booking.py and services/review.py; these only carry input (with CSRF) and show per-field errors."""
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from models import Decision
from services import review as reviews


class BookingForm(FlaskForm):
    candidate_id = SelectField("Candidate", validate_choice=False)
    slot_id = SelectField("Slot", validate_choice=False)
    booking_notes = TextAreaField("Booking notes (optional)")


class RescheduleForm(FlaskForm):
    slot_id = SelectField("New slot", validate_choice=False)


class CancelForm(FlaskForm):
    reason = StringField("Reason (optional)")


DECISION_CHOICES = [
    SelectChoice(Decision.PENDING.value, "Not decided yet"),
    SelectChoice(Decision.ADVANCE.value, "Advance to the next round"),
    SelectChoice(Decision.REJECT.value, "Reject"),
    SelectChoice(Decision.HIRE.value, "Hire"),
]


class ReviewForm(FlaskForm):
    decision = SelectField("Decision", choices=DECISION_CHOICES)
    review_notes = TextAreaField("Recruiter notes", validators=[Length(max=reviews.NOTES_MAX_CHARS)])
