"""Form pieces every blueprint shares."""
from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """CSRF-only form for buttons that change state."""


def apply_errors(form, fields):
    """Put a service's per-field messages next to the matching form fields."""
    for name, message in fields.items():
        target = getattr(form, name, None)
        if target is not None:
            target.errors = list(target.errors or []) + [message]
