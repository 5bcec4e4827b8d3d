"""ingest: HOT updates of last_seen_at, drop the redundant provider index

Every sync sets last_seen_at on every offer it saw. With full pages each such UPDATE writes a new
row version elsewhere and an entry in every index of offers (GIN ones included); with half of each
page free it is a HOT update, which writes no index entry. ix_offers_provider duplicates the first
column of uq_offers_provider_external_id and only costs writes. Figures: docs/BENCHMARKS.md.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 05:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # New and updated rows use it at once; existing pages are repacked by the next VACUUM FULL.
        op.execute("ALTER TABLE offers SET (fillfactor = 50)")
    op.execute("DROP INDEX IF EXISTS ix_offers_provider")


def downgrade() -> None:
    op.execute("CREATE INDEX ix_offers_provider ON offers (provider)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE offers RESET (fillfactor)")
