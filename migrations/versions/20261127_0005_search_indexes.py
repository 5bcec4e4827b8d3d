"""search indexes: stored tsvector on PostgreSQL, drop the unused region/price index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 05:30:00

Measured in docs/BENCHMARKS.md (bench/bench_search.py, variant "proposed"): a stored generated
tsvector column with its own GIN index spares the count's bitmap scan and the price-ordered page scan
from recomputing to_tsvector() per row; ix_offers_region_price served no query (the search filters on
lower(region), served by ix_offers_region_lower) and every write paid for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE offers ADD COLUMN search_tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED"
        )
        op.execute("CREATE INDEX ix_offers_search_tsv ON offers USING gin (search_tsv)")
        op.execute("DROP INDEX IF EXISTS ix_offers_fts")
    op.execute("DROP INDEX IF EXISTS ix_offers_region_price")


def downgrade() -> None:
    op.execute("CREATE INDEX ix_offers_region_price ON offers (region, price_per_hour)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_offers_fts ON offers USING gin (to_tsvector('simple', search_text))")
        op.execute("DROP INDEX IF EXISTS ix_offers_search_tsv")
        op.execute("ALTER TABLE offers DROP COLUMN search_tsv")
