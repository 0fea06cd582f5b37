"""The branding form. The rules (contrast, what a logo may be) live in services/branding.py."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField

from services import branding


class BrandingForm(FlaskForm):
    organisation_name = StringField(
        "Organisation name", render_kw={"maxlength": branding.MAX_NAME_LENGTH, "autocomplete": "organization"}
    )
    logo = FileField("Logo (PNG or SVG)", render_kw={"accept": "image/png,image/svg+xml,.png,.svg"})
    remove_logo = BooleanField("Remove the logo")
    accent_color = StringField("Accent colour", render_kw={"maxlength": 7, "autocomplete": "off", "spellcheck": "false"})
