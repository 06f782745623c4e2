"""call_agents: every agent of a call, one row each, so GET /calls?agent= matches any of them
(issue 8)

`calls.agent` is the first agent only; `calls.agents` (JSON, 0007) lists them all but cannot be
searched by an index on SQLite (nor on PostgreSQL, as `json`). This table can: the index
(agent, started_at, call_id) hands a filter's matches over in the page's order, as
ix_calls_agent_started_at (0011) does for the first agent. Backfilled from `agent` and
`agents` of every stored call, each agent once per call.

Revision ID: 0012_call_agents
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_call_agents'
down_revision = '0001'
branch_labels = None
depends_on = '0007_call_hold_transfer'  # the backfill reads calls.agents

# Each stored call's agents: its `agent` and every element of its `agents` (a JSON list,
# NULL for calls stored before 0007); UNION keeps each (call, agent) once.
BACKFILL = {
    'sqlite': """
        INSERT INTO call_agents (call_id, agent, started_at)
        SELECT id, agent, started_at FROM calls WHERE agent IS NOT NULL AND agent != ''
        UNION
        SELECT calls.id, each.value, calls.started_at
        FROM calls, json_each(CASE WHEN json_type(calls.agents) = 'array'
                                   THEN calls.agents ELSE '[]' END) AS each
        WHERE each.type = 'text' AND each.value != ''
    """,
    'postgresql': """
        INSERT INTO call_agents (call_id, agent, started_at)
        SELECT id, agent, started_at FROM calls WHERE agent IS NOT NULL AND agent != ''
        UNION
        SELECT calls.id, each.value, calls.started_at
        FROM calls, json_array_elements_text(CASE WHEN json_typeof(calls.agents) = 'array'
                                                  THEN calls.agents ELSE '[]'::json END)
                    AS each(value)
        WHERE each.value != ''
    """,
}


def upgrade() -> None:
    op.create_table(
        'call_agents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=False),
        sa.Column('agent', sa.String(length=16), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    dialect = op.get_bind().dialect.name
    op.execute(BACKFILL.get(dialect, BACKFILL['postgresql']))
    # Indexes after the backfill: built once rather than updated row by row.
    op.create_index('ix_call_agents_call_id', 'call_agents', ['call_id'])
    op.create_index('ix_call_agents_agent_started_at', 'call_agents',
                    ['agent', 'started_at', 'call_id'])


def downgrade() -> None:
    op.drop_index('ix_call_agents_agent_started_at', 'call_agents')
    op.drop_index('ix_call_agents_call_id', 'call_agents')
    op.drop_table('call_agents')
