"""Forms for slots. Rules live in services/slots/; these only carry input (with CSRF) and show
per-field errors, so the API and the pages share one validation."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, SelectMultipleField, StringField, widgets

from blueprints.web import ZONE_INPUT
from models import InterviewType
from services import timeutil

TYPE_CHOICES = [SelectChoice(InterviewType.TECHNICAL, "Technical"), SelectChoice(InterviewType.CODING, "Coding")]
WEEKDAY_CHOICES = [
    SelectChoice(str(n), name)
    for n, name in enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
]


class ZoneMixin:
    def init_zone(self, zone_name):
        if not self.timezone.data:
            self.timezone.data = zone_name


class SlotForm(ZoneMixin, FlaskForm):
    job_id = SelectField("Job", validate_choice=False)
    interview_date = StringField("Date", render_kw={"type": "date"})
    start_time = StringField("Start time", render_kw={"type": "time"})
    end_time = StringField("End time", render_kw={"type": "time"})
    ai_interview_type = SelectField("Interview type", choices=TYPE_CHOICES, validate_choice=False)
    max_candidates = StringField("Capacity (candidates)", default="1", render_kw={"type": "number", "min": 1})
    timezone = StringField("Time zone of these times", render_kw=ZONE_INPUT)
    confirm_overlap = BooleanField("Create anyway, although it overlaps")


class PatternForm(ZoneMixin, FlaskForm):
    job_id = SelectField("Job", validate_choice=False)
    start_date = StringField("First day", render_kw={"type": "date"})
    end_date = StringField("Last day", render_kw={"type": "date"})
    weekdays = SelectMultipleField(
        "Days of the week",
        choices=WEEKDAY_CHOICES,
        default=["0", "1", "2", "3", "4"],
        validate_choice=False,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    start_times = StringField("Start times", default="10:00, 14:00")
    length_minutes = StringField("Length (minutes)", default="30", render_kw={"type": "number", "min": 5})
    ai_interview_type = SelectField("Interview type", choices=TYPE_CHOICES, validate_choice=False)
    max_candidates = StringField("Capacity (candidates per slot)", default="1", render_kw={"type": "number", "min": 1})
    timezone = StringField("Time zone of these times", render_kw=ZONE_INPUT)
    confirm_overlap = BooleanField("Create anyway, although some overlap")


class SlotEditForm(ZoneMixin, FlaskForm):
    interview_date = StringField("Date", render_kw={"type": "date"})
    start_time = StringField("Start time", render_kw={"type": "time"})
    end_time = StringField("End time", render_kw={"type": "time"})
    ai_interview_type = SelectField("Interview type", choices=TYPE_CHOICES, validate_choice=False)
    max_candidates = StringField("Capacity (candidates)", render_kw={"type": "number", "min": 1})
    timezone = StringField("Time zone of these times", render_kw=ZONE_INPUT)
    confirm_overlap = BooleanField("Move anyway, although it overlaps")
    # Sent only by the confirmation step's "Move and e-mail" button: the start it confirmed (UTC, ISO 8601).
    confirm_move = StringField("Confirmed new start")

    def fill_times(self, slot):
        """The slot's date and clock times in the form's zone, for the first view of the page."""
        tz = timeutil.zone(self.timezone.data)
        start, end = timeutil.to_zone(slot.start_at, tz), timeutil.to_zone(slot.end_at, tz)
        self.interview_date.data = start.date().isoformat()
        self.start_time.data, self.end_time.data = f"{start:%H:%M}", f"{end:%H:%M}"
