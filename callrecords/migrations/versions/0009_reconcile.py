"""calls.source: live, reconciled (built from Asterisk's CEL after the bridge was down) or
imported (issue 13, R11/R12). Existing records were all followed live.

Revision ID: 0009_reconcile
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_reconcile'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(16), nullable=False,
                                      server_default='live'))


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('source')
