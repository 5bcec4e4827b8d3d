"""accounts: what the security page shows of each sign-in session

- auth_sessions.user_agent and auth_sessions.source_ip: the browser or program, and the address, that
  signed in (personal data: a GDPR erasure clears them, as it clears the audit log's copies);
- auth_sessions.last_seen_at: the last time the session signed in or renewed its tokens (a renewal
  happens at most once per access-token lifetime, so this is as precise as that lifetime).

Sessions that exist before this revision have none of them; the page says "not recorded".

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_agent", sa.String(300), nullable=True))
        batch_op.add_column(sa.Column("source_ip", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("source_ip")
        batch_op.drop_column("user_agent")
