from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from services import timeutil
from services.accounts import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class UserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField("Full name", validators=[Optional(), Length(max=120)])
    role = SelectField("Role", choices=[("recruiter", "Recruiter"), ("admin", "Admin")], default="recruiter")
    password = PasswordField("Initial password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)])


class EmptyForm(FlaskForm):
    """CSRF-only form for buttons that change state."""


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=80)])


class PreferencesForm(FlaskForm):
    timezone = SelectField("Your time zone", validators=[DataRequired()])
    notify_on_booking = BooleanField("E-mail me a copy when I book an interview")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [(z, z) for z in timeutil.common_zones()]
        self.timezone.data = timeutil.canonical_zone(self.timezone.data)  # a stored alias picks its zone
