"""An index for the no-show sweep: never-started sessions by their start

Revision ID: a7d3e9f1c254
Revises: f3c8a1d5b742
Create Date: 2026-12-02 19:10:00.000000

"""
from alembic import op

revision = "a7d3e9f1c254"
down_revision = "f3c8a1d5b742"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_interview_sessions_status_scheduled_at", ["status", "scheduled_at"], unique=False)


def downgrade():
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_interview_sessions_status_scheduled_at")
