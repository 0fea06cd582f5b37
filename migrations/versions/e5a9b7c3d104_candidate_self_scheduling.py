"""Candidate self-scheduling: invitations and their link tokens, the waitlist, the jobs' rules

Revision ID: e5a9b7c3d104
Revises: e7b2c4d81f36
Create Date: 2026-12-02 11:35:15

"""
import sqlalchemy as sa
from alembic import op

revision = "e5a9b7c3d104"
down_revision = "e7b2c4d81f36"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduling_invitations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('candidate_id', sa.Uuid(), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=7), server_default='sent', nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reschedules_used', sa.Integer(), server_default='0', nullable=False),
    sa.Column('is_retake', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('sent', 'opened', 'booked', 'expired', 'revoked')", name=op.f('ck_scheduling_invitations_status_valid')),
    sa.CheckConstraint('reschedules_used >= 0', name=op.f('ck_scheduling_invitations_reschedules_non_negative')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_scheduling_invitations_candidate_id_candidates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_scheduling_invitations_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_scheduling_invitations_job_id_jobs'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduling_invitations'))
    )
    with op.batch_alter_table('scheduling_invitations', schema=None) as batch_op:
        batch_op.create_index('ix_scheduling_invitations_candidate_job', ['candidate_id', 'job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scheduling_invitations_job_id'), ['job_id'], unique=False)

    op.create_table('scheduling_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invitation_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['scheduling_invitations.id'], name=op.f('fk_scheduling_tokens_invitation_id_scheduling_invitations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_scheduling_tokens'))
    )
    with op.batch_alter_table('scheduling_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduling_tokens_invitation_id'), ['invitation_id'], unique=False)

    op.create_table('waitlist_entries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('invitation_id', sa.Uuid(), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['invitation_id'], ['scheduling_invitations.id'], name=op.f('fk_waitlist_entries_invitation_id_scheduling_invitations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_waitlist_entries_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_waitlist_entries_invitation_id'))
    )
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.create_index('ix_waitlist_entries_job_waiting', ['job_id', 'notified_at', 'joined_at'], unique=False)

    with op.batch_alter_table('interviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheduling_invitation_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_interviews_scheduling_invitation_id'), ['scheduling_invitation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_interviews_scheduling_invitation_id_scheduling_invitations'), 'scheduling_invitations', ['scheduling_invitation_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_notice_hours', sa.Integer(), server_default='12', nullable=False))
        batch_op.add_column(sa.Column('booking_horizon_days', sa.Integer(), server_default='14', nullable=False))
        batch_op.add_column(sa.Column('change_cutoff_hours', sa.Integer(), server_default='2', nullable=False))
        batch_op.add_column(sa.Column('max_self_reschedules', sa.Integer(), server_default='2', nullable=False))
        batch_op.add_column(sa.Column('invitation_expiry_days', sa.Integer(), server_default='7', nullable=False))
        batch_op.add_column(sa.Column('retakes_allowed', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheduling_invitation_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_emails_scheduling_invitation_id'), ['scheduling_invitation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_emails_scheduling_invitation_id_scheduling_invitations'), 'scheduling_invitations', ['scheduling_invitation_id'], ['id'], ondelete='CASCADE')



def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_emails_scheduling_invitation_id_scheduling_invitations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_emails_scheduling_invitation_id'))
        batch_op.drop_column('scheduling_invitation_id')

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('retakes_allowed')
        batch_op.drop_column('invitation_expiry_days')
        batch_op.drop_column('max_self_reschedules')
        batch_op.drop_column('change_cutoff_hours')
        batch_op.drop_column('booking_horizon_days')
        batch_op.drop_column('min_notice_hours')

    with op.batch_alter_table('interviews', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_interviews_scheduling_invitation_id_scheduling_invitations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_interviews_scheduling_invitation_id'))
        batch_op.drop_column('scheduling_invitation_id')

    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_waitlist_entries_job_waiting')

    op.drop_table('waitlist_entries')
    with op.batch_alter_table('scheduling_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduling_tokens_invitation_id'))

    op.drop_table('scheduling_tokens')
    with op.batch_alter_table('scheduling_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduling_invitations_job_id'))
        batch_op.drop_index('ix_scheduling_invitations_candidate_job')

    op.drop_table('scheduling_invitations')
