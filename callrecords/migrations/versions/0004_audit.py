"""the durable access log (issue 13, R26)

Revision ID: 0004_audit
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_audit'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('action', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('token', sa.String(length=16), nullable=False),
        sa.Column('target', sa.String(length=128), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('error_id', sa.String(length=64), nullable=False),
        sa.Column('range', sa.String(length=128), nullable=False),
        sa.Column('bytes_sent', sa.BigInteger(), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_log_at', 'audit_log', ['at'])
    op.create_index('ix_audit_log_action', 'audit_log', ['action'])
    op.create_index('ix_audit_log_target', 'audit_log', ['target'])


def downgrade() -> None:
    op.drop_index('ix_audit_log_target', 'audit_log')
    op.drop_index('ix_audit_log_action', 'audit_log')
    op.drop_index('ix_audit_log_at', 'audit_log')
    op.drop_table('audit_log')
