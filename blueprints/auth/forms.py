from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from blueprints.web import ZONE_INPUT
from services import timeutil
from services.accounts import MIN_PASSWORD_LENGTH
from services.passwords import MAX_LENGTH

ROLE_CHOICES = [SelectChoice("recruiter", "Recruiter"), SelectChoice("admin", "Admin")]
NEW_PASSWORD_HINT = f"At least {MIN_PASSWORD_LENGTH} characters; a few unrelated words work well."


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])


class SignInCodeForm(FlaskForm):
    code = StringField("Authentication code", validators=[DataRequired(message="Enter the code from your app."), Length(max=40)])


class UserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField("Full name", validators=[Optional(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="recruiter")
    password = PasswordField("Initial password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_LENGTH)])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class RequireTwoFactorForm(FlaskForm):
    require_two_factor = BooleanField("Everyone must use two-factor sign-in")


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=80)])


class PreferencesForm(FlaskForm):
    timezone = StringField(
        "Your time zone",
        filters=[lambda text: text.strip() if isinstance(text, str) else text],
        render_kw=ZONE_INPUT,
    )
    notify_on_booking = BooleanField("E-mail me a copy when I book an interview")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.data = timeutil.canonical_zone(self.timezone.data)  # a stored or typed alias picks its zone

    def validate_timezone(self, field):
        try:
            timeutil.parse_zone(field.data)
        except timeutil.TimeInputError as error:
            raise ValidationError(str(error)) from error


class NewPasswordFields(FlaskForm):
    """A new password typed twice (its strength is checked by services.accounts)."""

    new_password = PasswordField(
        "New password",
        description=NEW_PASSWORD_HINT,
        validators=[DataRequired(message="Enter a new password."), Length(max=MAX_LENGTH)],
    )
    confirm = PasswordField(
        "Type the new password again",
        validators=[
            DataRequired(message="Type the new password again."),
            EqualTo("new_password", message="The two passwords differ."),
        ],
    )


class ChangePasswordForm(NewPasswordFields):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(message="Enter your current password."), Length(max=MAX_LENGTH)]
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(message="Enter your email address."), Length(max=254)])


class ConfirmTwoFactorForm(FlaskForm):
    code = StringField(
        "6-digit code from your app", validators=[DataRequired(message="Enter the code your app shows."), Length(max=12)]
    )


PASSWORD_AGAIN = [DataRequired(message="Enter your password."), Length(max=MAX_LENGTH)]


class TurnOffTwoFactorForm(FlaskForm):
    password = PasswordField("Your password, to turn it off", validators=PASSWORD_AGAIN)


class NewRecoveryCodesForm(FlaskForm):
    password = PasswordField("Your password, for new codes", validators=PASSWORD_AGAIN)
