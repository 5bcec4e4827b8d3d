"""agent protocol: runs, thread values; team API keys; CORS origins per team

- agent_runs: one row per LangGraph run (status, multitask strategy, what it was asked, who asked, which
  replica runs it and when it last said so, a cancellation request), so any replica can list, read,
  join and cancel it;
- agent_threads gets the values and interrupts of its latest state (written when a run ends), so a
  thread list shows them without reading the checkpointer;
- api_keys: team keys for programs and front-ends (SHA-256 of the key, its prefix, scopes, last use);
- tenants.cors_origins: the origins whose browser pages may call the API with the team's credentials.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "agent_runs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("thread_id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=True),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("assistant_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("multitask_strategy", sa.String(16), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("kwargs", sa.JSON(), nullable=False),
        sa.Column("caller", sa.JSON(), nullable=False),
        sa.Column("stateless", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("cancel", sa.String(16), nullable=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("heartbeat_at", TS, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_agent_runs_thread_created", "agent_runs", ["thread_id", "created_at"])
    op.create_index("ix_agent_runs_status", "agent_runs", ["status"])
    with op.batch_alter_table("agent_threads") as batch:
        batch.add_column(sa.Column("values", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("interrupts", sa.JSON(), nullable=True))
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "tenant_id", sa.String(36), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_by", sa.String(36), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_used_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("revoked_by", sa.String(36), nullable=True),
    )
    op.create_index("ix_api_keys_tenant_id", "api_keys", ["tenant_id"])
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("cors_origins", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("cors_origins")
    op.drop_index("ix_api_keys_tenant_id", table_name="api_keys")
    op.drop_table("api_keys")
    with op.batch_alter_table("agent_threads") as batch:
        batch.drop_column("interrupts")
        batch.drop_column("values")
    op.drop_index("ix_agent_runs_status", table_name="agent_runs")
    op.drop_index("ix_agent_runs_thread_created", table_name="agent_runs")
    op.drop_table("agent_runs")
