"""Sessions record when their link was first issued through the API (was read from the audit log)

Revision ID: f3c8a1d5b742
Revises: e2b7c4d9a610
Create Date: 2026-12-02 15:00:00.000000

"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "f3c8a1d5b742"
down_revision = "e2b7c4d9a610"
branch_labels = None
depends_on = None

sessions = sa.table("interview_sessions", sa.column("interview_id", sa.Uuid), sa.column("link_issued_at", sa.DateTime(timezone=True)))
events = sa.table("audit_events", sa.column("subject_id", sa.String), sa.column("action", sa.String), sa.column("created_at", sa.DateTime(timezone=True)))


def upgrade():
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_issued_at", sa.DateTime(timezone=True), nullable=True))
    # Backfill from the audit log (the events stay as history): the first issue of each interview's
    # session. In Python, as the ids' stored forms differ (SQLite: hex, the audit log: hyphenated text).
    connection = op.get_bind()
    first_issue = connection.execute(
        sa.select(events.c.subject_id, sa.func.min(events.c.created_at))
        .where(events.c.action == "interview.session_issued")
        .group_by(events.c.subject_id)
    ).all()
    for subject_id, issued_at in first_issue:
        connection.execute(
            sessions.update().where(sessions.c.interview_id == uuid.UUID(subject_id)).values(link_issued_at=issued_at)
        )


def downgrade():
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.drop_column("link_issued_at")
