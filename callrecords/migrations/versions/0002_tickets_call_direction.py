"""calls.direction: inbound, or outbound for callbacks (issue 6)

Revision ID: 0002_tickets_call_direction
Revises: 0002_tickets
"""
import sqlalchemy as sa
from alembic import op

revision = '0002_tickets_call_direction'
down_revision = '0002_tickets'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('direction', sa.String(16), nullable=False,
                                      server_default='inbound'))
        batch_op.create_index('ix_calls_direction', ['direction'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index('ix_calls_direction')
        batch_op.drop_column('direction')
