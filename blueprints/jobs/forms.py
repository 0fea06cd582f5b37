"""Job forms. Rules live in services/jobs.py (shared with the API); these carry input with CSRF."""

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

from models import CodingLanguage, Job
from services import job_rules, labels

LANGUAGE_CHOICES = [SelectChoice(value, labels.language(value)) for value in CodingLanguage]


class JobForm(FlaskForm):
    job_title = StringField("Job title", render_kw={"maxlength": 200, "autocomplete": "off"})
    company_name = StringField("Company name", render_kw={"maxlength": 200})
    job_description = TextAreaField("Job description", render_kw={"rows": 8})
    coding_language = SelectField("Coding language", choices=LANGUAGE_CHOICES, default="PYTHON", validate_choice=False)
    domain = StringField("Domain", render_kw={"list": "domain-options", "maxlength": 80, "autocomplete": "off"})
    duration_minutes = StringField(
        "Interview duration (minutes)", default="30", render_kw={"type": "number", "min": 5, "max": 480}
    )
    tech_stack_details = TextAreaField("Tech stack details (legacy, optional)", render_kw={"rows": 3})


# The self-scheduling rules, one number field each, defaulting to the column's default.
for _rule in job_rules.RULES:
    setattr(
        JobForm,
        _rule.name,
        StringField(
            _rule.label,
            default=str(Job.__table__.c[_rule.name].default.arg),
            render_kw={"type": "number", "min": _rule.low, "max": _rule.high, "inputmode": "numeric"},
        ),
    )
