"""At most one open (pending, scheduled or in progress) interview per candidate and job

Revision ID: d4a7e1c95b20
Revises: cca312034176
Create Date: 2026-12-02 06:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "d4a7e1c95b20"
down_revision = "cca312034176"
branch_labels = None
depends_on = None

OPEN = "status IN ('pending', 'scheduled', 'in_progress')"


def upgrade():
    duplicates = op.get_bind().execute(
        sa.text(f"SELECT candidate_id, job_id, COUNT(*) FROM interviews WHERE {OPEN} GROUP BY candidate_id, job_id HAVING COUNT(*) > 1")
    ).all()
    if duplicates:
        # A person decides which of two live bookings stands (each has a link the candidate holds).
        raise RuntimeError(
            f"{len(duplicates)} candidate(s) hold more than one open interview for the same job "
            f"(e.g. candidate {duplicates[0][0]}); cancel the extra ones, then run the upgrade again."
        )
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.create_index(
            "uq_interviews_open_candidate_job", ["candidate_id", "job_id"], unique=True,
            sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN),
        )


def downgrade():
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_index("uq_interviews_open_candidate_job", sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
