"""tickets and the breach webhook outbox (issue 6)

Revision ID: 0002_tickets
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002_tickets'
down_revision = '0001'
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'tickets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(16), nullable=True),
        sa.Column('cause', sa.String(16), nullable=True),
        sa.Column('complaint_kind', sa.String(16), nullable=True),
        sa.Column('severity', sa.String(16), nullable=True),
        sa.Column('major_reason', sa.String(32), nullable=True),
        sa.Column('matter', sa.String(128), nullable=True),
        sa.Column('subject', sa.String(256), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('customer_number', sa.String(64), nullable=False),
        sa.Column('customer_name', sa.String(128), nullable=False),
        sa.Column('channel', sa.String(16), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('accepted_at', _TZ, nullable=False),
        sa.Column('created_by', sa.String(64), nullable=False),
        sa.Column('creator_agent', sa.String(16), nullable=True),
        sa.Column('assignee', sa.String(128), nullable=True),
        sa.Column('group_id', sa.String(64), nullable=True),
        sa.Column('flags', sa.JSON(), nullable=False),
        sa.Column('call_ids', sa.JSON(), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('callback_chosen', sa.Boolean(), nullable=False),
        sa.Column('breached', sa.Boolean(), nullable=False),
        sa.Column('next_due_at', _TZ, nullable=True),
        sa.Column('voicemail_path', sa.String(512), nullable=True),
        sa.Column('voicemail_msg_id', sa.String(64), nullable=True),
        sa.Column('resolved_at', _TZ, nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('voicemail_msg_id'),
    )
    for column in ('category', 'complaint_kind', 'severity', 'matter', 'customer_number',
                   'status', 'accepted_at', 'creator_agent', 'assignee', 'group_id',
                   'breached', 'next_due_at'):
        op.create_index(f'ix_tickets_{column}', 'tickets', [column])
    op.create_table(
        'ticket_breach_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('clock', sa.String(32), nullable=False),
        sa.Column('due_at', _TZ, nullable=False),
        sa.Column('created_at', _TZ, nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', _TZ, nullable=False),
        sa.Column('delivered_at', _TZ, nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id', 'clock', 'due_at'),
    )
    for column in ('ticket_id', 'next_attempt_at', 'delivered_at'):
        op.create_index(f'ix_ticket_breach_outbox_{column}', 'ticket_breach_outbox', [column])


def downgrade() -> None:
    op.drop_table('ticket_breach_outbox')
    op.drop_table('tickets')
