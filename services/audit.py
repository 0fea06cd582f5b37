"""Audit trail: who did what to which record."""

from models import AuditEvent, db


def record(action, subject, actor=None, **data):
    """Add an audit event for `subject` in the current transaction; the caller commits."""
    event = AuditEvent(
        action=action,
        subject_type=type(subject).__name__,
        subject_id=str(subject.id),
        actor_id=getattr(actor, "id", None),
        data={key: str(value) if value is not None else None for key, value in data.items()},
    )
    db.session.add(event)
    return event
