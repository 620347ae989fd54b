"""initial schema: roster, applications, training, program settings and the kit tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 02:25:58.073264

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import services.runtime.db


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('coverage_targets',
    sa.Column('grouping', sa.String(length=30), nullable=False),
    sa.Column('region_id', sa.String(length=60), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.CheckConstraint('target >= 0', name=op.f('ck_coverage_targets_target_not_negative')),
    sa.PrimaryKeyConstraint('grouping', 'region_id', name=op.f('pk_coverage_targets'))
    )
    op.create_table('leaders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('agency', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('max_mentees', sa.Integer(), nullable=False),
    sa.Column('away_until', sa.Date(), nullable=True),
    sa.Column('trusted_host', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('active', 'inactive', 'alumni')", name=op.f('ck_leaders_status_known')),
    sa.CheckConstraint('max_mentees >= 0', name=op.f('ck_leaders_max_mentees_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leaders')),
    sa.UniqueConstraint('email_key', name=op.f('uq_leaders_email_key'))
    )
    with op.batch_alter_table('leaders', schema=None) as batch_op:
        batch_op.create_index('ix_leaders_status_name', ['status', 'name'], unique=False)
        batch_op.create_index('ix_leaders_status_state_name', ['status', 'state', 'name'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=80), nullable=False),
    sa.Column('envelope', sa.Text(), nullable=False),
    sa.Column('created_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('published_at', services.runtime.db.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', services.runtime.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('event_id', name=op.f('uq_outbox_event_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_unpublished', ['published_at', 'id'], unique=False)

    op.create_table('processed_events',
    sa.Column('consumer', sa.String(length=120), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('processed_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('consumer', 'event_id', name=op.f('pk_processed_events'))
    )
    op.create_table('program_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('region_grouping', sa.String(length=30), nullable=False),
    sa.Column('roster_target', sa.Integer(), nullable=False),
    sa.Column('updated_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_program_settings_single_row')),
    sa.CheckConstraint('roster_target >= 0', name=op.f('ck_program_settings_roster_target_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_settings'))
    )
    op.create_table('scheduled_jobs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('due_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('payload', sa.Text(), server_default='{}', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('done_at', services.runtime.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_jobs')),
    sa.UniqueConstraint('kind', 'key', name='uq_scheduled_jobs_kind_key')
    )
    with op.batch_alter_table('scheduled_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_scheduled_jobs_due', ['done_at', 'due_at'], unique=False)

    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('agency', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('experience', sa.Text(), nullable=False),
    sa.Column('reference_name', sa.String(length=120), nullable=False),
    sa.Column('reference_contact', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('submitted_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('waitlisted_at', services.runtime.db.UTCDateTime(), nullable=True),
    sa.Column('decided_at', services.runtime.db.UTCDateTime(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'declined', 'waitlisted')", name=op.f('ck_applications_status_known')),
    sa.ForeignKeyConstraint(['leader_id'], ['leaders.id'], name=op.f('fk_applications_leader_id_leaders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('leader_id', name=op.f('uq_applications_leader_id'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_email_key'), ['email_key'], unique=False)
        batch_op.create_index('ix_applications_status_submitted_at', ['status', 'submitted_at'], unique=False)

    op.create_table('leader_expertise',
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('expertise', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['leader_id'], ['leaders.id'], name=op.f('fk_leader_expertise_leader_id_leaders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('leader_id', 'expertise', name=op.f('pk_leader_expertise'))
    )
    with op.batch_alter_table('leader_expertise', schema=None) as batch_op:
        batch_op.create_index('ix_leader_expertise_expertise_leader_id', ['expertise', 'leader_id'], unique=False)

    op.create_table('training_completions',
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('module', sa.String(length=60), nullable=False),
    sa.Column('completed_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['leader_id'], ['leaders.id'], name=op.f('fk_training_completions_leader_id_leaders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('leader_id', 'module', name=op.f('pk_training_completions'))
    )
    with op.batch_alter_table('training_completions', schema=None) as batch_op:
        batch_op.create_index('ix_training_completions_module_leader_id', ['module', 'leader_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('training_completions', schema=None) as batch_op:
        batch_op.drop_index('ix_training_completions_module_leader_id')

    op.drop_table('training_completions')
    with op.batch_alter_table('leader_expertise', schema=None) as batch_op:
        batch_op.drop_index('ix_leader_expertise_expertise_leader_id')

    op.drop_table('leader_expertise')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_status_submitted_at')
        batch_op.drop_index(batch_op.f('ix_applications_email_key'))

    op.drop_table('applications')
    with op.batch_alter_table('scheduled_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_scheduled_jobs_due')

    op.drop_table('scheduled_jobs')
    op.drop_table('program_settings')
    op.drop_table('processed_events')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unpublished')

    op.drop_table('outbox')
    with op.batch_alter_table('leaders', schema=None) as batch_op:
        batch_op.drop_index('ix_leaders_status_state_name')
        batch_op.drop_index('ix_leaders_status_name')

    op.drop_table('leaders')
    op.drop_table('coverage_targets')
