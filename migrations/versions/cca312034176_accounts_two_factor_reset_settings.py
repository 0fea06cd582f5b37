"""Accounts: two-factor sign-in (TOTP secret, replay guard, recovery codes), password reset tokens, org settings

Revision ID: cca312034176
Revises: c88fc283a066
Create Date: 2026-12-02 05:46:26.271000

"""
import sqlalchemy as sa
from alembic import op

revision = "cca312034176"
down_revision = "c88fc283a066"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("org_settings",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("require_two_factor", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_org_settings"))
    )
    op.create_table("password_reset_tokens",
    sa.Column("id", sa.Uuid(), nullable=False),
    sa.Column("user_id", sa.Uuid(), nullable=False),
    sa.Column("token_hash", sa.String(length=64), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_password_reset_tokens_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_tokens")),
    sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_tokens_token_hash"))
    )
    with op.batch_alter_table("password_reset_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_tokens_user_id"), ["user_id"], unique=False)

    op.create_table("recovery_codes",
    sa.Column("id", sa.Uuid(), nullable=False),
    sa.Column("user_id", sa.Uuid(), nullable=False),
    sa.Column("code_hash", sa.String(length=64), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes"))
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_codes_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_pending_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))

    # Disabling now revokes API tokens; revoke those of users disabled before, so re-enabling
    # them cannot bring their old tokens back.
    users = sa.table("users", sa.column("id", sa.Uuid()), sa.column("is_enabled", sa.Boolean()))
    tokens = sa.table("api_tokens", sa.column("user_id", sa.Uuid()), sa.column("revoked_at", sa.DateTime(timezone=True)))
    disabled = sa.select(users.c.id).where(users.c.is_enabled.is_(False))
    op.execute(tokens.update().where(tokens.c.revoked_at.is_(None), tokens.c.user_id.in_(disabled)).values(revoked_at=sa.func.now()))



def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_pending_secret")
        batch_op.drop_column("totp_secret")

    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_user_id"))

    op.drop_table("recovery_codes")
    with op.batch_alter_table("password_reset_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_tokens_user_id"))

    op.drop_table("password_reset_tokens")
    op.drop_table("org_settings")
