"""agents' presence: current state and the append-only trail (issue 8, R24)

Revision ID: 0006_presence
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0006_presence'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'agent_presence',
        sa.Column('agent', sa.String(length=16), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=64), nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('via', sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint('agent'),
    )
    op.create_table(
        'agent_presence_trail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agent', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('from_state', sa.String(length=16), nullable=False),
        sa.Column('to_state', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=64), nullable=False),
        sa.Column('via', sa.String(length=16), nullable=False),
        sa.Column('by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_agent_presence_trail_agent', 'agent_presence_trail', ['agent'])
    op.create_index('ix_agent_presence_trail_at', 'agent_presence_trail', ['at'])


def downgrade() -> None:
    op.drop_index('ix_agent_presence_trail_at', table_name='agent_presence_trail')
    op.drop_index('ix_agent_presence_trail_agent', table_name='agent_presence_trail')
    op.drop_table('agent_presence_trail')
    op.drop_table('agent_presence')
