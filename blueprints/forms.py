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


def apply_refusal(form, refusal):
    """A service's refusal on the form: its per-field messages beside their fields; returns the
    message for the form's summary when no field is to blame (else None)."""
    apply_errors(form, refusal.fields)
    return None if refusal.fields else refusal.message
