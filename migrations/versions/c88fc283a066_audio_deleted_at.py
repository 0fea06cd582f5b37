"""Answers record when the retention policy deleted their recording

Revision ID: c88fc283a066
Revises: 9738f95ff280
Create Date: 2026-11-23 13:09:33.844953

"""
import sqlalchemy as sa
from alembic import op

revision = "c88fc283a066"
down_revision = "9738f95ff280"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("interview_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audio_deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("interview_answers", schema=None) as batch_op:
        batch_op.drop_column("audio_deleted_at")
