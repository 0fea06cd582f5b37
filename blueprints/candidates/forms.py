"""Candidate and resume forms. Rules live in services/candidates.py and services/resumes.py."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectChoice, SelectField, StringField

from models import CandidateStatus

STATUS_CHOICES = [SelectChoice(value, value.capitalize()) for value in CandidateStatus]
RESUME_ACCEPT = (
    ".pdf,.docx,.txt,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/plain"
)


class CandidateForm(FlaskForm):
    full_name = StringField("Full name", render_kw={"maxlength": 200, "autocomplete": "off"})
    email = StringField("E-mail", render_kw={"type": "email", "maxlength": 254, "autocomplete": "off"})
    phone = StringField("Phone", render_kw={"type": "tel", "maxlength": 40})
    work_experience = StringField("Work experience (years)", render_kw={"type": "number", "min": 0, "max": 70})
    domain = SelectField("Domain", validate_choice=False)  # an existing one; choices set by the view
    job_id = SelectField("Job", validate_choice=False)
    status = SelectField("Status", choices=STATUS_CHOICES, default="new", validate_choice=False)
    file = FileField("Resume (PDF, DOCX or TXT, optional)", render_kw={"accept": RESUME_ACCEPT})


class AdminCandidateForm(CandidateForm):
    """Admins may also name a new domain (it is created with the candidate)."""

    domain = StringField("Domain", render_kw={"list": "domain-options", "maxlength": 80, "autocomplete": "off"})


class ResumeForm(FlaskForm):
    file = FileField("Resume file (PDF, DOCX or TXT)", render_kw={"accept": RESUME_ACCEPT})
