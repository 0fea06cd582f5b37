"""Org settings: the brand (organisation name, logo file, accent colour)

Revision ID: e7b2c4d81f36
Revises: c3f5e1b4a023
Create Date: 2026-12-02 11:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e7b2c4d81f36"
down_revision = "c3f5e1b4a023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("org_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("logo_file", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("accent_color", sa.String(length=7), nullable=True))


def downgrade():
    with op.batch_alter_table("org_settings", schema=None) as batch_op:
        batch_op.drop_column("accent_color")
        batch_op.drop_column("logo_file")
        batch_op.drop_column("organisation_name")
