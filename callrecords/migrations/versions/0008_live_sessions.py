"""Live-listening sessions (issue 8, R18): who listened to which call, how, how long

Revision ID: 0008_live_sessions
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_live_sessions'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'live_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agent', sa.String(length=16), nullable=False),
        sa.Column('listener', sa.String(length=16), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('call_id', sa.String(length=64), nullable=False),
        sa.Column('via', sa.String(length=16), nullable=False),
        sa.Column('by', sa.String(length=128), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('end_reason', sa.String(length=16), nullable=True),
        sa.Column('spy_uniqueid', sa.String(length=150), nullable=False),
        sa.Column('spy_channel', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_live_sessions_agent', 'live_sessions', ['agent'])
    op.create_index('ix_live_sessions_call_id', 'live_sessions', ['call_id'])
    op.create_index('ix_live_sessions_started_at', 'live_sessions', ['started_at'])
    op.create_index('ix_live_sessions_spy_uniqueid', 'live_sessions', ['spy_uniqueid'])


def downgrade() -> None:
    op.drop_table('live_sessions')
