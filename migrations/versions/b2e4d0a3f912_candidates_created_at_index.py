"""Candidates: an index for the list's order (newest first) and its keyset pagination

Revision ID: b2e4d0a3f912
Revises: a1f3c9d2e801
Create Date: 2026-12-02 06:41:00

"""
from alembic import op

revision = "b2e4d0a3f912"
down_revision = "a1f3c9d2e801"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_candidates_created_at_id", "candidates", ["created_at", "id"])


def downgrade():
    op.drop_index("ix_candidates_created_at_id", table_name="candidates")
