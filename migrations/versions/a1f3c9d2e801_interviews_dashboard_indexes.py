"""Interviews: indexes for the dashboard's sections and counts (by time, state and job)

Revision ID: a1f3c9d2e801
Revises: 5e1b7c0d9a42
Create Date: 2026-12-02 06:40:00

"""
from alembic import op

revision = "a1f3c9d2e801"
down_revision = "5e1b7c0d9a42"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_interviews_started_at": ["started_at"],
    "ix_interviews_status_started_at": ["status", "started_at"],
    "ix_interviews_job_started_at": ["job_id", "started_at"],
    "ix_interviews_job_status_started_at": ["job_id", "status", "started_at"],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "interviews", columns)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="interviews")
