"""live and honest prices: offers' price_as_of, price scope and zones; provider data age and circuit
breaker; the numbered price events of the price stream; price alerts with their states, firings and
delivery log

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 12:00:00

Existing offers get ``price_as_of = fetched_at`` (the best that is known of them until their next sync
writes the true one) and ``price_scope`` from the GCP ``accelerator-only-price`` tag.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
MONEY = sa.Numeric(14, 6, asdecimal=True)


def upgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.add_column(sa.Column("price_as_of", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("price_scope", sa.String(10), nullable=True))
        batch.add_column(sa.Column("zones", JSON, nullable=True))
    op.execute("UPDATE offers SET price_as_of = fetched_at")
    op.execute("UPDATE offers SET price_scope = 'machine'")
    op.execute("UPDATE offers SET price_scope = 'gpu_only' WHERE provider = 'gcp'")
    with op.batch_alter_table("offers") as batch:
        batch.alter_column("price_as_of", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.alter_column("price_scope", existing_type=sa.String(10), nullable=False)

    with op.batch_alter_table("provider_health") as batch:
        batch.add_column(sa.Column("data_as_of", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("breaker_open_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("provider_health") as batch:
        batch.alter_column("failures", existing_type=sa.Integer(), server_default=None)

    op.create_table(
        "price_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("offer_id", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", JSON, nullable=False),
    )
    op.create_index("ix_price_events_created", "price_events", ["created_at"])

    op.create_table(
        "price_alerts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "tenant_id", sa.String(36), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("filters", JSON, nullable=False),
        sa.Column("threshold", MONEY, nullable=False),
        sa.Column("per", sa.String(10), nullable=False),
        sa.Column("channels", JSON, nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("webhook_url", sa.String(500), nullable=True),
        sa.Column("webhook_secret", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_price_alerts_tenant_id", "price_alerts", ["tenant_id"])
    op.create_index("ix_price_alerts_user_id", "price_alerts", ["user_id"])
    op.create_table(
        "alert_offer_states",
        sa.Column(
            "alert_id", sa.String(36), sa.ForeignKey("price_alerts.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("offer_id", sa.String(64), primary_key=True),
        sa.Column("under", sa.Boolean(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "alert_firings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "alert_id", sa.String(36), sa.ForeignKey("price_alerts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("offer_id", sa.String(64), nullable=False),
        sa.Column("price", MONEY, nullable=False),
        sa.Column("price_per_hour", MONEY, nullable=False),
        sa.Column("threshold", MONEY, nullable=False),
        sa.Column("per", sa.String(10), nullable=False),
        sa.Column("offer", JSON, nullable=False),
        sa.Column("price_as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("event_seq", sa.Integer(), nullable=True),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_alert_firings_user_read", "alert_firings", ["user_id", "read_at"])
    op.create_index("ix_alert_firings_alert", "alert_firings", ["alert_id", "fired_at"])
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "firing_id", sa.String(36), sa.ForeignKey("alert_firings.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("alert_id", sa.String(36), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_alert_deliveries_firing_id", "alert_deliveries", ["firing_id"])
    op.create_index("ix_alert_deliveries_alert_id", "alert_deliveries", ["alert_id"])
    op.create_index("ix_alert_deliveries_due", "alert_deliveries", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_table("alert_firings")
    op.drop_table("alert_offer_states")
    op.drop_table("price_alerts")
    op.drop_index("ix_price_events_created", table_name="price_events")
    op.drop_table("price_events")
    with op.batch_alter_table("provider_health") as batch:
        batch.drop_column("breaker_open_until")
        batch.drop_column("failures")
        batch.drop_column("data_as_of")
    with op.batch_alter_table("offers") as batch:
        batch.drop_column("zones")
        batch.drop_column("price_scope")
        batch.drop_column("price_as_of")
