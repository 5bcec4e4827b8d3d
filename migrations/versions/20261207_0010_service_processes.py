"""running as a service: the transactional outbox, handled events, the sandbox provider's tables and
(PostgreSQL) the job engine's schema

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 09:00:00

The job engine is procrastinate (core/jobs.py); its schema is the one of the pinned version
(pyproject: procrastinate 3.10.x), applied as that package ships it. A later version that changes its
schema gets a migration of ours that applies procrastinate's own migration files.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_outbox_events_published_created", "outbox_events", ["published_at", "created_at"])
    op.create_table(
        "handled_events",
        sa.Column("group_name", sa.String(60), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sandbox_instances",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True, unique=True),
        sa.Column("booking_id", sa.String(100), nullable=False),
        sa.Column("provider_id", sa.String(40), nullable=False),
        sa.Column("callback_url", sa.String(500), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("offer_name", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("fail_reason", sa.String(300), nullable=True),
        sa.Column("stop_requested", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "sandbox_events",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "instance_id",
            sa.String(40),
            sa.ForeignKey("sandbox_instances.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempt_log", sa.JSON(), nullable=False),
    )
    op.create_index("ix_sandbox_events_instance_id", "sandbox_events", ["instance_id"])
    op.create_index("ix_sandbox_events_next_attempt_at", "sandbox_events", ["next_attempt_at"])
    op.create_table(
        "sandbox_fail_next",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("reason", sa.String(300), nullable=False),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        # Many statements with $$-quoted functions: the driver's simple query protocol takes them as a whole.
        cursor = bind.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in (
            "procrastinate_events",
            "procrastinate_periodic_defers",
            "procrastinate_jobs",
            "procrastinate_workers",
        ):
            op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        op.execute("DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type CASCADE")
    op.drop_table("sandbox_fail_next")
    op.drop_table("sandbox_events")
    op.drop_table("sandbox_instances")
    op.drop_table("handled_events")
    op.drop_table("outbox_events")
