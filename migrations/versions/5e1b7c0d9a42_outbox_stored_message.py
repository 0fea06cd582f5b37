"""Outbox rows keep the message bytes and SMTP envelope they are sent with

Revision ID: 5e1b7c0d9a42
Revises: d4a7e1c95b20
Create Date: 2026-12-02 06:40:00.000000

Rows queued before this revision have no stored bytes; the sender renders them when it sends
them, as it did before.
"""
import sqlalchemy as sa
from alembic import op

revision = "5e1b7c0d9a42"
down_revision = "d4a7e1c95b20"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mime_message", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("envelope_from", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("envelope_to", sa.String(length=320), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_column("envelope_to")
        batch_op.drop_column("envelope_from")
        batch_op.drop_column("mime_message")
