"""Sessions record when the candidate consented to voice recordings (was read from the audit log)

Revision ID: e2b7c4d9a610
Revises: e5a9b7c3d104
Create Date: 2026-12-02 13:00:00.000000

"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "e2b7c4d9a610"
down_revision = "e5a9b7c3d104"
branch_labels = None
depends_on = None

sessions = sa.table("interview_sessions", sa.column("id", sa.Uuid), sa.column("audio_consent_at", sa.DateTime(timezone=True)))
events = sa.table("audit_events", sa.column("subject_id", sa.String), sa.column("action", sa.String), sa.column("created_at", sa.DateTime(timezone=True)))


def upgrade():
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audio_consent_at", sa.DateTime(timezone=True), nullable=True))
    # Backfill from the audit log (the events stay as history): the first consent of each session.
    # In Python, as the ids' stored forms differ (SQLite: hex, the audit log: hyphenated text).
    connection = op.get_bind()
    first_consent = connection.execute(
        sa.select(events.c.subject_id, sa.func.min(events.c.created_at))
        .where(events.c.action == "session.audio_consent")
        .group_by(events.c.subject_id)
    ).all()
    for subject_id, consented_at in first_consent:
        connection.execute(
            sessions.update().where(sessions.c.id == uuid.UUID(subject_id)).values(audio_consent_at=consented_at)
        )


def downgrade():
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.drop_column("audio_consent_at")
