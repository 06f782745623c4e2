"""calls.hold_seconds and calls.agents: hold time and every agent who talked (issue 8, R9)

Revision ID: 0007_call_hold_transfer
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_call_hold_transfer'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Calls stored before hold and transfer were followed: no hold; `agents` NULL, which the
    # API serves as their one `agent` (calls/schemas.py), so no row needs rewriting.
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hold_seconds', sa.Float(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('agents', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('agents')
        batch_op.drop_column('hold_seconds')
