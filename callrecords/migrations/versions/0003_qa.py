"""QA: plans, plan items, forms, reviews, weekly reports (issue 7)

Revision ID: 0003_qa
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_qa"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qa_plans",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agents", sa.JSON(), nullable=False))
    op.create_table(
        "qa_plan_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("month", sa.String(7), nullable=False, index=True),
        sa.Column("call_id", sa.Integer(), nullable=False, index=True),
        sa.Column("agent", sa.String(16), nullable=False, index=True),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("neighbour_of", sa.Integer(), nullable=True),
        sa.UniqueConstraint("month", "call_id"))
    op.create_table(
        "qa_forms",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False))
    op.create_table(
        "qa_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("root_id", sa.Integer(), nullable=True, index=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supersedes", sa.Integer(), nullable=True),
        sa.Column("call_id", sa.Integer(), nullable=False, index=True),
        sa.Column("agent", sa.String(16), nullable=False, index=True),
        sa.Column("month", sa.String(7), nullable=False, index=True),
        sa.Column("form_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("excellent", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("max_total", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True, index=True),
        sa.Column("author", sa.String(64), nullable=False))
    op.create_table(
        "qa_weekly_reports",
        sa.Column("week", sa.String(8), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    # The plan reads a month of handled calls by agent_answered_at and the R19 answer rate by
    # queued_at: without these the month is a full table scan.
    op.create_index("ix_calls_agent_answered_at", "calls", ["agent_answered_at"])
    op.create_index("ix_calls_queued_at", "calls", ["queued_at"])


def downgrade() -> None:
    op.drop_index("ix_calls_queued_at", "calls")
    op.drop_index("ix_calls_agent_answered_at", "calls")
    for table in ("qa_weekly_reports", "qa_reviews", "qa_forms", "qa_plan_items", "qa_plans"):
        op.drop_table(table)
