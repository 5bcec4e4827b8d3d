"""booking: real provisioning (spot, zone, provisioner, SSH key, connection, polling), provider credentials,
SSH keys, orphan reports

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ssh_keys",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "fingerprint", name="uq_ssh_keys_user_fingerprint"),
    )
    op.create_index("ix_ssh_keys_tenant_id", "ssh_keys", ["tenant_id"])
    op.create_index("ix_ssh_keys_user_id", "ssh_keys", ["user_id"])
    op.create_table(
        "provider_credentials",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("provider_id", sa.String(40), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("cipher", sa.String(20), nullable=False),
        sa.Column("hint", sa.String(60), nullable=False),
        sa.Column("account", sa.String(300), nullable=True),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "provider_id", name="uq_provider_credentials_tenant"),
    )
    op.create_index("ix_provider_credentials_tenant_id", "provider_credentials", ["tenant_id"])
    op.create_table(
        "provider_orphans",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("provider_id", sa.String(40), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=True),
        sa.Column("instance_ref", sa.String(200), nullable=False),
        sa.Column("booking_id", sa.String(100), nullable=True),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("provider_id", "instance_ref", name="uq_provider_orphans_instance"),
    )
    op.create_index("ix_provider_orphans_tenant_id", "provider_orphans", ["tenant_id"])
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("spot", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("zone", sa.String(80), nullable=True))
        batch.add_column(sa.Column("provisioner", sa.String(20), nullable=True))
        batch.add_column(sa.Column("credential_source", sa.String(10), nullable=True))
        batch.add_column(
            sa.Column(
                "ssh_key_id",
                sa.String(36),
                sa.ForeignKey("ssh_keys.id", ondelete="SET NULL", name="fk_bookings_ssh_key_id"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("ssh_public_key", sa.Text(), nullable=True))
        batch.add_column(sa.Column("connection", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("provision_claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("poll_streak", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("stop_reason", sa.Text(), nullable=True))
        batch.create_index("ix_bookings_next_poll_at", ["next_poll_at"])


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.drop_index("ix_bookings_next_poll_at")
        for column in (
            "stop_reason",
            "poll_streak",
            "next_poll_at",
            "provision_claimed_at",
            "connection",
            "ssh_public_key",
            "ssh_key_id",
            "credential_source",
            "provisioner",
            "zone",
            "spot",
        ):
            if column == "ssh_key_id":
                batch.drop_constraint("fk_bookings_ssh_key_id", type_="foreignkey")
            batch.drop_column(column)
    op.drop_table("provider_orphans")
    op.drop_table("provider_credentials")
    op.drop_table("ssh_keys")
